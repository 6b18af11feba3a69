"""Creating and changing contacts: validation, the fixed kind, versions, further fields, audit."""

import pytest
from django.core.exceptions import ValidationError

from centrala.audit.models import AuditEntry
from centrala.contacts import actions
from centrala.contacts.models import Contact, ContactKind, FieldKind


def test_create_person_keeps_numbers_as_typed_and_in_e164(agent):
    contact = actions.do_create_contact(
        agent, ContactKind.PERSON, first_name=" Jan ", last_name="Kowalski",
        phones=["+48 601-234-567", {"number": "0048 22 654 32 10", "label": "office"}, ""],
        emails=["Jan.Kowalski@Example.com"],
    )
    assert contact.display_name == "Jan Kowalski"
    assert contact.created_by == agent
    assert [(p.raw, p.e164, p.label) for p in contact.phones.all()] == [
        ("+48 601-234-567", "+48601234567", ""), ("0048 22 654 32 10", "+48226543210", "office"),
    ]
    email = contact.emails.get()
    assert (email.address, email.address_key) == ("Jan.Kowalski@Example.com", "jan.kowalski@example.com")
    entry = AuditEntry.objects.get(action="contact.create")
    assert entry.actor == agent
    assert entry.object_id == str(contact.pk)
    assert entry.changes["last_name"] == [None, "Kowalski"]
    assert entry.changes["phones"] == [None, ["+48 601-234-567", "0048 22 654 32 10"]]


def test_create_company_needs_its_name(agent):
    with pytest.raises(ValidationError) as error:
        actions.do_create_contact(agent, ContactKind.COMPANY, tax_id="521-345-67-89")
    assert "company_name" in error.value.message_dict
    company = actions.do_create_contact(agent, ContactKind.COMPANY, company_name="Auto-Trans Sp. z o.o.")
    assert company.display_name == "Auto-Trans Sp. z o.o."


def test_a_person_needs_a_name_or_a_way_to_reach_them(agent):
    with pytest.raises(ValidationError) as error:
        actions.do_create_contact(agent, ContactKind.PERSON, city="Warszawa")
    assert "last_name" in error.value.message_dict
    # A caller known only by the number is still a contact.
    assert actions.do_create_contact(agent, ContactKind.PERSON, phones=["601 234 567"]).pk


def test_each_invalid_phone_and_email_is_refused_with_its_own_message(agent):
    with pytest.raises(ValidationError) as error:
        actions.do_create_contact(
            agent, ContactKind.PERSON, last_name="Nowak",
            phones=["601 234 567", "12", "abc", "+48 601 234 567"], emails=["ok@example.com", "not-an-address", "OK@example.com"],
        )
    errors = error.value.message_dict
    assert set(errors) == {"phones.1", "phones.2", "phones.3", "emails.1", "emails.2"}
    assert "“12” is not a valid phone number" in errors["phones.1"][0]
    assert "same number" in errors["phones.3"][0]
    assert "not a valid e-mail address" in errors["emails.1"][0]
    assert Contact.objects.count() == 0


def test_unknown_kind_and_fields_are_refused(agent):
    with pytest.raises(ValidationError) as error:
        actions.do_create_contact(agent, "robot", last_name="X")
    assert "kind" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        actions.do_create_contact(agent, ContactKind.PERSON, last_name="X", nickname="Y")
    assert "nickname" in error.value.message_dict


def test_update_changes_fields_and_lists_and_bumps_the_version(agent, contact):
    saved = actions.do_update_contact(
        agent, contact, contact.version, first_name="Janusz", city="Kraków",
        phones=["+48 601-234-567", "602 000 111"], emails=[],
    )
    assert saved.version == contact.version + 1
    assert saved.display_name == "Janusz Kowalski"
    assert [p.e164 for p in saved.phones.all()] == ["+48601234567", "+48602000111"]
    assert not saved.emails.exists()
    entry = AuditEntry.objects.get(action="contact.update")
    assert entry.changes["first_name"] == ["Jan", "Janusz"]
    assert entry.changes["emails"] == [["jan.kowalski@example.com"], []]
    assert entry.changes["version"] == [1, 2]


def test_update_without_a_change_saves_nothing(agent, contact):
    saved = actions.do_update_contact(agent, contact, contact.version, first_name="Jan")
    assert saved.version == contact.version
    assert not AuditEntry.objects.filter(action="contact.update").exists()


def test_update_from_a_stale_version_is_a_conflict(agent, home_agent, contact):
    actions.do_update_contact(home_agent, contact, 1, city="Gdańsk")
    with pytest.raises(actions.ContactConflict) as conflict:
        actions.do_update_contact(agent, contact, 1, city="Kraków")
    assert conflict.value.current.version == 2
    contact.refresh_from_db()
    assert contact.city == "Gdańsk"


def test_version_must_be_given(agent, contact):
    with pytest.raises(ValidationError) as error:
        actions.do_update_contact(agent, contact, None, city="Kraków")
    assert "version" in error.value.message_dict


def test_kind_cannot_change(agent, contact):
    with pytest.raises(ValidationError) as error:
        actions.do_update_contact(agent, contact, contact.version, kind=ContactKind.COMPANY, company_name="Kowalski SA")
    assert "kind" in error.value.message_dict
    contact.refresh_from_db()
    assert contact.kind == ContactKind.PERSON
    # Sending the same kind is fine (clients send the whole object back).
    actions.do_update_contact(agent, contact, contact.version, kind=ContactKind.PERSON, city="Łódź")


def test_fields_that_do_not_exist_cannot_be_changed(agent, contact):
    with pytest.raises(ValidationError) as error:
        actions.do_update_contact(agent, contact, contact.version, display_name="Someone else", id=5)
    assert set(error.value.message_dict) == {"display_name", "id"}


def test_a_stored_number_without_e164_does_not_block_later_edits(agent, make_contact):
    old = make_contact("Anna", "Stara", phones=["12"])  # e.g. imported long ago
    assert old.phones.get().e164 == ""
    saved = actions.do_update_contact(agent, old, old.version, city="Opole")
    assert saved.city == "Opole"
    saved = actions.do_update_contact(agent, saved, saved.version, phones=["12", "601 234 567"])
    assert [p.raw for p in saved.phones.all()] == ["12", "601 234 567"]
    with pytest.raises(ValidationError):
        actions.do_update_contact(agent, saved, saved.version, phones=["12", "13"])


# --- further fields -----------------------------------------------------------------------------

def test_further_fields_are_parsed_by_kind(agent, contact_field):
    contact_field("card_no", kind=FieldKind.NUMBER)
    contact_field("birthday", kind=FieldKind.DATE)
    contact_field("segment", kind=FieldKind.CHOICE, choices=["VIP", "Standard"])
    contact_field("newsletter", kind=FieldKind.CHECKBOX)
    contact_field("second_phone", is_phone=True)
    contact = actions.do_create_contact(agent, ContactKind.PERSON, last_name="Nowak", extra={
        "card_no": "1 200,50", "birthday": "1980-02-03", "segment": "VIP", "newsletter": "on", "second_phone": "601 234 567",
    })
    assert contact.extra == {"card_no": "1200.5", "birthday": "1980-02-03", "segment": "VIP", "newsletter": True,
                             "second_phone": "601 234 567"}
    with pytest.raises(ValidationError) as error:
        actions.do_update_contact(agent, contact, contact.version, extra={
            "card_no": "many", "birthday": "3 Feb", "segment": "Gold", "second_phone": "x", "nope": "1",
        })
    assert set(error.value.message_dict) == {"extra.card_no", "extra.birthday", "extra.segment", "extra.second_phone", "extra.nope"}


def test_required_fields_apply_system_wide_and_for_their_campaign(agent, rental, service, contact_field, make_case):
    contact_field("pesel", required=True)
    contact_field("fleet_size", required=True, campaign=service)
    with pytest.raises(ValidationError) as error:
        actions.do_create_contact(agent, ContactKind.PERSON, last_name="Nowak")
    assert set(error.value.message_dict) == {"extra.pesel"}
    contact = actions.do_create_contact(agent, ContactKind.PERSON, last_name="Nowak", extra={"pesel": "80020312345"})
    with pytest.raises(ValidationError) as error:
        actions.do_create_contact(agent, ContactKind.PERSON, last_name="Nowak", extra={"pesel": "1"}, campaign=service)
    assert set(error.value.message_dict) == {"extra.fleet_size"}
    # Once the contact is worked in the campaign, edits need that campaign's required fields too.
    make_case(service, contact)
    with pytest.raises(ValidationError) as error:
        actions.do_update_contact(None, contact, contact.version, city="Kraków")
    assert set(error.value.message_dict) == {"extra.fleet_size"}


def test_a_campaign_field_takes_values_only_for_contacts_of_its_campaign(agent, manager, rental, service, contact,
                                                                        contact_field, make_case):
    contact_field("fleet_size", campaign=service)
    refused = {"extra.fleet_size": ["There is no contact field “fleet_size”."]}
    # Created for no campaign, or for another one: for that contact the field does not exist.
    for campaign in (None, rental):
        with pytest.raises(ValidationError) as error:
            actions.do_create_contact(manager, ContactKind.PERSON, last_name="Nowak", extra={"fleet_size": "3"},
                                      campaign=campaign)
        assert error.value.message_dict == refused
    created = actions.do_create_contact(manager, ContactKind.PERSON, last_name="Nowak", extra={"fleet_size": "3"},
                                        campaign=service)
    assert created.extra == {"fleet_size": "3"}
    # An existing contact takes the value once it is worked in the campaign, from someone who sees it.
    make_case(rental, contact)
    with pytest.raises(ValidationError) as error:
        actions.do_update_contact(manager, contact, contact.version, extra={"fleet_size": "3"})
    assert error.value.message_dict == refused
    make_case(service, contact)
    with pytest.raises(ValidationError) as error:
        actions.do_update_contact(agent, contact, contact.version, extra={"fleet_size": "3"})  # not in "service"
    assert error.value.message_dict == refused
    contact.refresh_from_db()
    assert contact.extra == {} and contact.version == 1
    saved = actions.do_update_contact(manager, contact, contact.version, extra={"fleet_size": "5"})
    assert saved.extra == {"fleet_size": "5"}


def test_agents_cannot_change_fields_not_editable_by_agents(agent, manager, contact, contact_field):
    contact_field("credit_limit", editable_by_agents=False, required=True)
    contact_field("internal", visible=False)
    saved = actions.do_update_contact(manager, contact, contact.version, extra={"credit_limit": "5000"})
    with pytest.raises(ValidationError) as error:
        actions.do_update_contact(agent, saved, saved.version, extra={"credit_limit": "9000", "internal": "x"})
    assert set(error.value.message_dict) == {"extra.credit_limit", "extra.internal"}
    # The unchanged value may come back, and the agent can still save other things.
    saved = actions.do_update_contact(agent, saved, saved.version, city="Łódź", extra={"credit_limit": "5000"})
    assert saved.extra == {"credit_limit": "5000"}


def test_required_field_the_agent_may_not_fill_does_not_block_the_agent(agent, contact, contact_field):
    contact_field("credit_limit", editable_by_agents=False, required=True)
    assert actions.do_update_contact(agent, contact, contact.version, city="Łódź").city == "Łódź"


def test_values_of_removed_fields_are_kept(agent, contact, contact_field):
    field = contact_field("hobby")
    saved = actions.do_update_contact(agent, contact, contact.version, extra={"hobby": "sailing"})
    field.delete()
    saved = actions.do_update_contact(agent, saved, saved.version, city="Sopot")
    assert saved.extra == {"hobby": "sailing"}


def test_clearing_a_further_field(agent, contact, contact_field):
    contact_field("hobby")
    saved = actions.do_update_contact(agent, contact, contact.version, extra={"hobby": "sailing"})
    saved = actions.do_update_contact(agent, saved, saved.version, extra={"hobby": ""})
    assert saved.extra == {}
    assert AuditEntry.objects.filter(action="contact.update").first().changes["extra.hobby"] == ["sailing", None]


# --- duplicates -----------------------------------------------------------------------------------

def test_duplicates_by_phone_in_any_format_and_by_email_without_case(contact, make_contact):
    other = make_contact("Anna", "Nowak", emails=["anna@example.com"])
    found = actions.find_duplicates(["0048601234567"], ["ANNA@example.com"])
    assert [c.pk for c in found] == [other.pk, contact.pk]  # by name
    assert found[1].duplicate_reasons == ["601 234 567"]
    assert found[0].duplicate_reasons == ["anna@example.com"]
    assert actions.find_duplicates(["601234567"], [], exclude=contact) == []
    assert actions.find_duplicates(["not a number", ""], [""]) == []


def test_edited_contact_is_warned_only_about_new_numbers(contact, make_contact):
    make_contact("Jan", "Kowalski", phones=["601 234 567"])  # an accepted duplicate
    twin = make_contact("Anna", "Nowak", phones=["602 000 111"])
    assert actions.find_new_duplicates(contact, ["+48 601-234-567"], []) == []
    assert [c.pk for c in actions.find_new_duplicates(contact, ["+48 601-234-567", "602000111"], [])] == [twin.pk]
