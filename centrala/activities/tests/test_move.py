"""Moving entries between cases (ACT-02): a move, not a copy, with a trace on both cases."""

import pytest
from django.core.exceptions import ValidationError

from centrala.activities import actions
from centrala.activities.models import Activity, ActivityKind, Attachment
from centrala.audit.models import AuditEntry
from centrala.cases.models import Case

from .conftest import HTMX, PDF, upload


def move_url(activity):
    return f"/activities/{activity.pk}/move/"


@pytest.fixture
def other_case(rental, make_contact, agent, make_case):
    return make_case(rental, make_contact("Anna", "Nowak"), agent)


def timeline_ids(client, case):
    import re

    html = client.get(f"/activities/case/{case.pk}/").content.decode()
    return [int(found) for found in re.findall(r'id="activity-(\d+)"', html)]


def test_a_note_moves_with_its_short_notes(
    rental_case, other_case, agent, client_for, sent_events, django_capture_on_commit_callbacks
):
    note = actions.do_add_note(agent, rental_case.pk, "Meant for Anna")
    short = actions.do_add_note(agent, rental_case.pk, "see above", parent_id=note.pk)
    client = client_for(agent)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(move_url(note), {"case": f"#{other_case.pk}"}, headers=HTMX)

    assert response.status_code == 200
    assert f"Moved to case #{other_case.pk}." in response.content.decode()
    for activity in (note, short):
        activity.refresh_from_db()
        assert activity.case_id == other_case.pk and activity.contact_id == other_case.contact_id
    assert Activity.objects.filter(pk__in=[note.pk, short.pk]).count() == 2  # moved, not copied

    source_ids, target_ids = timeline_ids(client, rental_case), timeline_ids(client, other_case)
    assert note.pk not in source_ids and short.pk not in source_ids
    assert note.pk in target_ids and short.pk in target_ids

    out = Activity.objects.get(case=rental_case, data__field="activity_moved_out")
    into = Activity.objects.get(case=other_case, data__field="activity_moved_in")
    assert out.data["new"] == f"#{other_case.pk}" and into.data["new"] == f"#{rental_case.pk}"
    assert out.body == into.body == "Note: Meant for Anna"
    assert out.author == into.author == agent

    audit = AuditEntry.objects.get(action="activity.move", object_id=str(note.pk))
    assert audit.actor == agent
    assert audit.changes["case"] == [rental_case.pk, other_case.pk]
    changes = {(e["payload"]["case_id"], e["payload"]["change"])
               for e in sent_events if e["type"] == "activity.changed"}
    assert changes == {(rental_case.pk, "moved_out"), (other_case.pk, "moved_in")}


def test_an_attachment_moves_and_stays_downloadable(rental_case, other_case, agent, client_for):
    [activity] = actions.do_add_attachments(agent, rental_case.pk, [upload("offer.pdf", PDF)])
    actions.do_move_activity(agent, activity.pk, other_case.pk)
    attachment = Attachment.objects.get(activity=activity)
    response = client_for(agent).get(f"/activities/files/{attachment.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert Activity.objects.get(case=rental_case, data__field="activity_moved_out").body == "Attachment: offer.pdf"


@pytest.mark.parametrize("kind", ["email", "sms", "call"])
def test_messages_and_calls_move_too(kind, rental_case, other_case, agent, make_activity):
    activity = make_activity(rental_case, kind, "text", agent)
    actions.do_move_activity(agent, activity.pk, other_case.pk)
    activity.refresh_from_db()
    assert activity.case_id == other_case.pk


def test_a_target_case_the_user_may_not_see_is_not_found(rental_case, service_case, agent, client_for):
    note = actions.do_add_note(agent, rental_case.pk, "stay")
    client = client_for(agent)
    # Without htmx: 404, the same for a hidden case and for a number nobody has.
    assert client.post(move_url(note), {"case": service_case.pk}).status_code == 404
    assert client.post(move_url(note), {"case": 987654}).status_code == 404
    # With htmx the answer stays in the entry, with the same words for both.
    hidden = client.post(move_url(note), {"case": service_case.pk}, headers=HTMX)
    missing = client.post(move_url(note), {"case": 987654}, headers=HTMX)
    assert f"There is no case #{service_case.pk} that you can see." in hidden.content.decode()
    assert "There is no case #987654 that you can see." in missing.content.decode()
    assert "centrala:error" in hidden["HX-Trigger"]
    with pytest.raises(Case.DoesNotExist):
        actions.do_move_activity(agent, note.pk, service_case.pk)
    note.refresh_from_db()
    assert note.case_id == rental_case.pk
    assert not AuditEntry.objects.filter(action="activity.move").exists()


def test_informational_entries_and_lone_short_notes_cannot_be_moved(rental_case, other_case, agent, client_for):
    info = Activity.objects.get(case=rental_case, kind=ActivityKind.INFO)
    short = actions.do_add_note(agent, rental_case.pk, "remark", parent_id=info.pk)
    client = client_for(agent)
    html = client.post(move_url(info), {"case": other_case.pk}, headers=HTMX).content.decode()
    assert "Informational entries stay on the case where the change happened." in html
    with pytest.raises(ValidationError, match="moves together with the entry"):
        actions.do_move_activity(agent, short.pk, other_case.pk)
    assert 'data-testid="move-form"' not in client.get(f"/activities/{info.pk}/").content.decode()
    assert Activity.objects.filter(case=rental_case).count() == 2


def test_bad_targets_are_explained(rental_case, agent, client_for):
    note = actions.do_add_note(agent, rental_case.pk, "here")
    client = client_for(agent)
    assert "already on case" in client.post(move_url(note), {"case": rental_case.pk}, headers=HTMX).content.decode()
    assert "Enter the number of the case" in client.post(move_url(note), {"case": ""}, headers=HTMX).content.decode()
    assert "There is no case #abc that you can see." in client.post(
        move_url(note), {"case": "abc"}, headers=HTMX).content.decode()


def test_entries_of_invisible_cases_cannot_be_moved(service_case, rental_case, manager, agent, receptionist,
                                                    client_for):
    note = actions.do_add_note(manager, service_case.pk, "hidden")
    assert client_for(agent).post(move_url(note), {"case": rental_case.pk}).status_code == 404
    assert client_for(receptionist).post(move_url(note), {"case": rental_case.pk}).status_code == 403
    note.refresh_from_db()
    assert note.case_id == service_case.pk


def test_the_contact_timeline_shows_the_moved_entry_in_place(rental_case, other_case, contact, agent, client_for):
    note = actions.do_add_note(agent, rental_case.pk, "goes to Anna")
    response = client_for(agent).post(move_url(note), {"case": other_case.pk, "show_case": "1"}, headers=HTMX)
    html = response.content.decode()
    assert f'id="activity-{note.pk}"' in html and f">#{other_case.pk}</a>" in html
