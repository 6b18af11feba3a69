"""Administrators define further contact fields and consent types; nobody else may."""

import pytest

from centrala.audit.models import AuditEntry
from centrala.contacts.models import ConsentType, ContactField


def field_data(**data):
    return {"key": "loyalty_card", "label": "Loyalty card", "kind": "text", "choices": "", "campaign": "",
            "visible": "on", "editable_by_agents": "on", **data}


# --- contact fields -------------------------------------------------------------------------------

def test_create_list_and_edit_a_field(client_for, administrator, rental):
    client = client_for(administrator)
    response = client.post("/contacts/fields/new/", field_data(
        key="segment", label="Segment", kind="choice", choices="VIP\nStandard\n\nVIP", campaign=rental.pk, required="on",
    ))
    assert response.status_code == 302 and response["Location"] == "/contacts/fields/"
    field = ContactField.objects.get()
    assert (field.key, field.choices, field.campaign, field.required, field.editable_by_agents) == (
        "segment", ["VIP", "Standard"], rental, True, True)
    html = client.get("/contacts/fields/").content.decode()
    assert "Segment" in html and "Vehicle rental" in html and "VIP, Standard" in html

    page = client.get(f"/contacts/fields/{field.pk}/").content.decode()
    assert 'value="segment"' in page and "disabled" in page.split('name="key"')[1].split(">")[0]
    response = client.post(f"/contacts/fields/{field.pk}/", field_data(
        key="other", label="Customer segment", kind="choice", choices="VIP\nStandard\nGold", visible="",
    ))
    assert response.status_code == 302
    field.refresh_from_db()
    assert (field.key, field.label, field.choices, field.campaign, field.visible) == (
        "segment", "Customer segment", ["VIP", "Standard", "Gold"], None, False)
    assert AuditEntry.objects.filter(action="contact_field.update", object_id=str(field.pk)).exists()


@pytest.mark.parametrize("data, field, message", [
    ({"kind": "choice", "choices": ""}, "choices", "at least one choice"),
    ({"is_phone": "on", "is_email": "on"}, "is_email", "not both"),
    ({"kind": "number", "is_phone": "on"}, "kind", "text fields"),
    ({"key": "Not a slug!"}, "key", "slug"),
    ({"label": ""}, "label", "required"),
])
def test_field_rules(client_for, administrator, data, field, message):
    response = client_for(administrator).post("/contacts/fields/new/", field_data(**data))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ContactField.objects.exists()


def test_key_must_be_unique(client_for, administrator, contact_field):
    contact_field("loyalty_card")
    response = client_for(administrator).post("/contacts/fields/new/", field_data())
    assert response.status_code == 400 and "already uses the key" in response.content.decode()


def test_reorder_fields(client_for, administrator, contact_field):
    first, second, third = contact_field("a"), contact_field("b"), contact_field("c")
    client = client_for(administrator)
    assert client.post(f"/contacts/fields/{third.pk}/move/", {"direction": "up"}).status_code == 302
    assert list(ContactField.objects.values_list("key", flat=True)) == ["a", "c", "b"]
    client.post(f"/contacts/fields/{first.pk}/move/", {"direction": "up"})  # already first: nothing
    assert list(ContactField.objects.values_list("key", flat=True)) == ["a", "c", "b"]
    assert client.post(f"/contacts/fields/{first.pk}/move/", {"direction": "sideways"}).status_code == 400
    assert client.post("/contacts/fields/999999/move/", {"direction": "up"}).status_code == 404


# --- consent types --------------------------------------------------------------------------------

def test_create_edit_and_reorder_consent_types(client_for, administrator):
    client = client_for(administrator)
    response = client.post("/contacts/consent-types/new/", {"name": "Marketing by e-mail", "description": "Offers.",
                                                            "active": "on"})
    assert response.status_code == 302 and response["Location"] == "/contacts/consent-types/"
    client.post("/contacts/consent-types/new/", {"name": "Marketing by phone", "active": "on"})
    marketing, phone = ConsentType.objects.all()
    assert (marketing.position, phone.position) == (0, 1)
    response = client.post("/contacts/consent-types/new/", {"name": "marketing BY e-mail"})
    assert response.status_code == 400 and "already exists" in response.content.decode()

    response = client.post(f"/contacts/consent-types/{marketing.pk}/", {"name": "Marketing e-mails", "description": ""})
    assert response.status_code == 302
    marketing.refresh_from_db()
    assert (marketing.name, marketing.active) == ("Marketing e-mails", False)
    client.post(f"/contacts/consent-types/{phone.pk}/move/", {"direction": "up"})
    assert list(ConsentType.objects.values_list("name", flat=True)) == ["Marketing by phone", "Marketing e-mails"]
    html = client.get("/contacts/consent-types/").content.decode()
    assert "Marketing by phone" in html and "Marketing e-mails" in html
    assert AuditEntry.objects.filter(action="consent_type.create").count() == 2


def test_consent_type_bad_input_and_unknown_ids(client_for, administrator, consent_types):
    client = client_for(administrator)
    phone = consent_types["phone"]
    assert client.post(f"/contacts/consent-types/{phone.pk}/move/", {"direction": "sideways"}).status_code == 400
    assert client.post("/contacts/consent-types/999999/move/", {"direction": "up"}).status_code == 404
    assert client.get("/contacts/consent-types/999999/").status_code == 404
    assert client.post(f"/contacts/consent-types/{phone.pk}/", {"name": "  "}).status_code == 400
    assert client.get(f"/contacts/consent-types/{phone.pk}/move/").status_code == 405
    assert not AuditEntry.objects.filter(action__startswith="consent_type.").exists()


def test_admin_menu_entries(client_for, administrator, agent):
    html = client_for(administrator).get("/contacts/fields/").content.decode()
    assert 'data-menu="contacts:fields" aria-current="page"' in html
    assert 'data-menu="contacts:consent_types"' in html
    assert 'data-menu="contacts:list" aria-current' not in html  # only the most specific entry is current
    html = client_for(agent).get("/").content.decode()
    assert 'data-menu="contacts:fields"' not in html and 'data-menu="contacts:list"' in html


ADMIN_PAGES = ["/contacts/fields/", "/contacts/fields/new/", "/contacts/consent-types/", "/contacts/consent-types/new/"]


@pytest.mark.parametrize("role", ["agent", "home_agent", "manager", "receptionist", "specialist"])
def test_only_administrators_get_in(request, role, client_for, contact_field, consent_types):
    field = contact_field("hobby")
    client = client_for(request.getfixturevalue(role))
    for path in [*ADMIN_PAGES, f"/contacts/fields/{field.pk}/", f"/contacts/consent-types/{consent_types['phone'].pk}/"]:
        assert client.get(path).status_code == 403, path
    assert client.post("/contacts/fields/new/", field_data(key="x")).status_code == 403
    assert client.post(f"/contacts/fields/{field.pk}/move/", {"direction": "up"}).status_code == 403
    assert client.post("/contacts/consent-types/new/", {"name": "X"}).status_code == 403
    phone = consent_types["phone"]
    assert client.post(f"/contacts/consent-types/{phone.pk}/", {"name": "X", "active": "on"}).status_code == 403
    assert client.post(f"/contacts/consent-types/{phone.pk}/move/", {"direction": "down"}).status_code == 403
    assert client.post(f"/contacts/fields/{field.pk}/", field_data(key="hobby", label="X")).status_code == 403
    assert ContactField.objects.count() == 1 and ConsentType.objects.count() == 2
    assert ConsentType.objects.get(pk=phone.pk).name == phone.name and field.label == ContactField.objects.get().label
    assert not AuditEntry.objects.filter(action__regex=r"^(consent_type|contact_field)\.").exists()


def test_anonymous_goes_to_login(client, db):
    for path in ADMIN_PAGES:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), path
