"""Saving the card (CASE-06..11): only the user's changes, errors beside the fields, no silent
overwrite, typed work kept in the draft."""

from datetime import timedelta

import pytest
from django.utils import timezone

from centrala.activities.models import Activity
from centrala.campaigns.models import FormField, Status
from centrala.cases import actions
from centrala.cases.models import Case, CaseDraft, Priority
from conftest import RENTAL_FORM

from .card_helpers import HTMX, card_post, rental_form_changes


@pytest.fixture
def case(rental, contact, make_case, agent):
    return make_case(rental, contact, agent)


def save(client, case, data):
    return client.post(f"/cases/{case.pk}/save/", data, **HTMX)


def status(campaign, name):
    return Status.objects.get(script=campaign.script, name=name)


def test_a_save_applies_the_header_and_form_and_answers_the_fresh_card(client_for, agent, case):
    data = card_post(case, {"subject": "Van for a move", "priority": str(Priority.HIGH), **rental_form_changes(),
                            "form.extras": ["gps", "child_seat"]})
    response = save(client_for(agent), case, data)
    html = response.content.decode()
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.subject == "Van for a move" and case.priority == Priority.HIGH and case.version == 2
    assert case.form_data["vehicle_type"] == "van" and case.form_data["extras"] == ["child_seat", "gps"]
    assert case.form_data["pickup_place"] == "Warszawa, Okęcie"
    assert 'data-outcome="saved"' in html and 'name="version" value="2"' in html
    assert html.lstrip().startswith('<div id="case-card"')  # the fragment, not a page
    assert not CaseDraft.objects.exists()


def test_saving_discards_the_users_draft(client_for, agent, case):
    actions.do_save_draft(agent, case, data={"subject": ["x"], "version": ["1"]}, base_version=1)
    save(client_for(agent), case, card_post(case, rental_form_changes()))
    assert not CaseDraft.objects.filter(user=agent).exists()


def test_an_empty_required_field_blocks_the_save_with_its_message(client_for, agent, case):
    data = card_post(case, {"subject": "Typed text", **rental_form_changes(**{"form.vehicle_type": ""})})
    response = save(client_for(agent), case, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "“Vehicle type” is required." in html
    assert 'data-testid="case-errors"' in html and 'aria-invalid="true" aria-describedby="field-vehicle-type-error"' in html
    assert 'value="Typed text"' in html and 'value="Warszawa, Okęcie"' in html  # nothing typed is lost
    case.refresh_from_db()
    assert case.subject == "Jan Kowalski (Vehicle rental)" and case.version == 1
    draft = CaseDraft.objects.get(case=case, user=agent)
    assert draft.data["subject"] == ["Typed text"] and draft.base_version == 1


def test_a_bad_number_gets_its_message(client_for, agent, case):
    response = save(client_for(agent), case, card_post(case, {"form.vehicle_type": "van"}))
    assert response.status_code == 400
    form_with_number = FormField.objects.create(form=case.campaign.script.form, key="km", label="Kilometres", kind="number")
    assert form_with_number
    response = save(client_for(agent), case, card_post(case, rental_form_changes(**{"form.km": "a lot"})))
    assert "“Kilometres” must be a number." in response.content.decode()


def test_an_unchanged_card_saves_nothing(client_for, agent, case):
    case = actions.do_update_case(agent, case.pk, base_version=1, changes={"form_data": RENTAL_FORM})
    before = Activity.objects.count()
    response = save(client_for(agent), case, card_post(case))
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.version == 2 and Activity.objects.count() == before


def test_a_stale_save_is_refused_with_the_conflict_panel_and_keeps_the_text(client_for, agent, home_agent, case):
    loaded = card_post(case)  # the agent's card, opened at version 1
    actions.do_update_case(home_agent, case.pk, base_version=1,
                           changes={"subject": "Changed by home agent", "priority": Priority.URGENT})
    mine = card_post(case, {"subject": "My subject", "form.notes": "Customer wants a blue van"},
                     version=1, original=_original(loaded))
    response = save(client_for(agent), case, mine)
    html = response.content.decode()
    assert response.status_code == 409
    case.refresh_from_db()
    assert case.subject == "Changed by home agent" and case.version == 2 and "notes" not in case.form_data
    assert 'data-testid="conflict-panel"' in html
    rows = html[html.index('data-testid="conflict-rows"'):]
    assert "Changed by home agent" in rows and "My subject" in rows and "Urgent" in rows
    assert 'data-conflict-field="subject" class="both"' in rows  # both changed the subject
    assert 'data-conflict-field="form.notes"' not in rows  # only theirs are listed
    assert "Customer wants a blue van" in html  # still in the form
    assert 'name="version" value="1"' in html and 'name="keep_mine" value="2"' in html
    draft = CaseDraft.objects.get(case=case, user=agent)
    assert draft.data["form.notes"] == ["Customer wants a blue van"] and draft.base_version == 1


def _original(post):
    import json

    return json.loads(post["original"][0])


def test_keep_mine_saves_only_my_changes_over_the_new_version(client_for, agent, home_agent, case):
    case = actions.do_update_case(agent, case.pk, base_version=1, changes={"form_data": RENTAL_FORM})
    loaded = card_post(case)
    actions.do_update_case(home_agent, case.pk, base_version=2,
                           changes={"priority": Priority.URGENT, "subject": "Theirs"})
    mine = card_post(case, {"subject": "Mine", "form.notes": "Blue van"}, version=2, original=_original(loaded))
    mine["keep_mine"] = ["3"]
    response = save(client_for(agent), case, mine)
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.subject == "Mine" and case.form_data["notes"] == "Blue van"
    assert case.priority == Priority.URGENT  # their change to a field I did not touch stays
    assert case.version == 4


def test_keep_mine_against_an_even_newer_version_conflicts_again(client_for, agent, home_agent, case):
    loaded = card_post(case)
    actions.do_update_case(home_agent, case.pk, base_version=1, changes={"subject": "Second"})
    actions.do_update_case(home_agent, case.pk, base_version=2, changes={"subject": "Third"})
    mine = card_post(case, {"subject": "Mine"}, version=1, original=_original(loaded))
    mine["keep_mine"] = ["2"]
    assert save(client_for(agent), case, mine).status_code == 409
    assert Case.objects.get(pk=case.pk).subject == "Third"


def test_changing_the_campaign_needs_confirmation_then_sets_the_initial_status_and_form(
        client_for, agent, case, service):
    service.agents.add(agent)
    case = actions.do_update_case(agent, case.pk, base_version=1, changes={"form_data": RENTAL_FORM})
    data = card_post(case, {"campaign": str(service.pk)})
    response = save(client_for(agent), case, data)
    assert response.status_code == 400
    assert "the form data will be lost" in response.content.decode()
    assert 'name="confirm_campaign_change" value="1"' in response.content.decode()
    assert Case.objects.get(pk=case.pk).campaign == rental_of(case)

    data["confirm_campaign_change"] = ["1"]
    response = save(client_for(agent), case, data)
    html = response.content.decode()
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.campaign == service and case.status == service.script.initial_status and case.form_data == {}
    assert "Category" in html and "Vehicle type" not in html  # the new form


def rental_of(case):
    return Case.objects.get(pk=case.pk).campaign


def test_an_agent_cannot_move_a_case_to_a_campaign_not_assigned_to_them(client_for, agent, case, service):
    data = card_post(case, {"campaign": str(service.pk)}, extra={"confirm_campaign_change": "1"})
    response = save(client_for(agent), case, data)
    assert response.status_code == 400 and "Choose one of your campaigns." in response.content.decode()
    assert Case.objects.get(pk=case.pk).campaign_id != service.pk


def test_a_picked_callback_status_needs_the_time(client_for, agent, case):
    picked = status(case.campaign, "Call back (me)")
    data = card_post(case, {"status": str(picked.pk), **rental_form_changes()})
    response = save(client_for(agent), case, data)
    assert response.status_code == 400
    assert "Choose when to call back" in response.content.decode()

    when = timezone.localtime() + timedelta(days=1)
    data = card_post(case, {"status": str(picked.pk), "callback_at": when.strftime("%Y-%m-%dT%H:%M"),
                            **rental_form_changes()})
    assert save(client_for(agent), case, data).status_code == 200
    case.refresh_from_db()
    assert case.status == picked
    assert timezone.localtime(case.callback_at).strftime("%Y-%m-%d %H:%M") == when.strftime("%Y-%m-%d %H:%M")


def test_a_garbled_callback_time_is_a_clear_error(client_for, agent, case):
    picked = status(case.campaign, "Call back (me)")
    data = card_post(case, {"status": str(picked.pk), "callback_at": "tomorrow", **rental_form_changes()})
    response = save(client_for(agent), case, data)
    assert response.status_code == 400 and "Enter the call-back time as a date and time." in response.content.decode()


def test_owner_must_be_an_agent_of_the_campaign(client_for, agent, case, make_user, manager):
    outsider = make_user("outsider", "agent")
    for bad in (str(outsider.pk), str(manager.pk), "abc"):
        response = save(client_for(agent), case, card_post(case, {"owner": bad, **rental_form_changes()}))
        assert response.status_code == 400
        assert "Choose an agent of the case&#x27;s campaign, or no owner." in response.content.decode()
    response = save(client_for(agent), case, card_post(case, {"owner": "", **rental_form_changes()}))
    assert response.status_code == 200
    assert Case.objects.get(pk=case.pk).owner is None


def test_the_contact_can_be_switched(client_for, agent, case, make_contact):
    other = make_contact("Anna", "Nowak")
    response = save(client_for(agent), case, card_post(case, {"contact": str(other.pk), **rental_form_changes()}))
    assert response.status_code == 200
    assert Case.objects.get(pk=case.pk).contact == other
    response = save(client_for(agent), case, card_post(case, {"contact": "999999"}))
    assert response.status_code == 400 and "That contact does not exist." in response.content.decode()


def test_agents_cannot_change_a_non_editable_field(client_for, agent, manager, case):
    FormField.objects.filter(form=case.campaign.script.form, key="pickup_place").update(editable=False)
    response = save(client_for(agent), case, card_post(case, rental_form_changes()))
    assert response.status_code == 400 and "“Pick-up place” cannot be changed by agents." in response.content.decode()
    assert save(client_for(manager), case, card_post(case, rental_form_changes())).status_code == 200


def test_unknown_status_and_priority_are_refused(client_for, agent, case, service):
    other_script_status = service.script.initial_status
    response = save(client_for(agent), case, card_post(case, {"status": str(other_script_status.pk)}))
    assert response.status_code == 400 and "Choose a status of the case&#x27;s campaign." in response.content.decode()
    response = save(client_for(agent), case, card_post(case, {"priority": "9"}))
    assert response.status_code == 400 and "Choose a priority from the list." in response.content.decode()


def test_a_missing_version_is_a_clear_error(client_for, agent, case):
    data = card_post(case, {"subject": "x"})
    data["version"] = ["abc"]
    response = save(client_for(agent), case, data)
    assert response.status_code == 400 and "The version of the case you edited is missing." in response.content.decode()


def test_a_post_without_original_values_compares_with_the_saved_case(client_for, agent, case):
    data = card_post(case, rental_form_changes())
    del data["original"]
    assert save(client_for(agent), case, data).status_code == 200
    assert Case.objects.get(pk=case.pk).form_data["vehicle_type"] == "van"


def test_a_form_button_status_with_required_fields_missing_is_refused(client_for, agent, case):
    booked = status(case.campaign, "Booked")
    response = save(client_for(agent), case, card_post(case, {"status": str(booked.pk)}))
    assert response.status_code == 400
    assert Case.objects.get(pk=case.pk).status != booked


def test_without_htmx_the_whole_page_answers(client_for, agent, case):
    response = client_for(agent).post(f"/cases/{case.pk}/save/", card_post(case, {"form.vehicle_type": ""}))
    assert response.status_code == 400
    assert b"<!doctype html>" in response.content and b"is required." in response.content


def test_spam_from_the_menu(client_for, agent, case):
    client = client_for(agent)
    response = client.post(f"/cases/{case.pk}/spam/", {"spam": "1", "version": "1"})
    assert response.status_code == 200 and response.json()["is_spam"] is True and response.json()["version"] == 2
    assert Case.objects.get(pk=case.pk).is_spam
    stale = client.post(f"/cases/{case.pk}/spam/", {"spam": "0", "version": "1"})
    assert stale.status_code == 409 and "Someone else saved this case" in stale.json()["detail"]
    refused = client.post(f"/cases/{case.pk}/spam/", {"spam": "maybe", "version": "2"})
    assert refused.status_code == 400 and refused.json()["detail"] == "Say whether the case is spam."
    no_version = client.post(f"/cases/{case.pk}/spam/", {"spam": "0", "version": "abc"})
    assert no_version.status_code == 400 and "version of the case you edited is missing" in no_version.json()["detail"]
    assert client.post(f"/cases/{case.pk}/spam/", {"spam": "0", "version": "2"}).json()["is_spam"] is False
