"""The timeline over the API: read, add notes, edit them, move entries; 404 for what one may not see."""

import pytest
from django.test import Client

from centrala.activities import actions
from centrala.activities.models import Activity, ActivityKind
from centrala.audit.models import AuditEntry

from .conftest import PDF, upload


@pytest.fixture
def api(db):
    from centrala.api.actions import do_create_token

    def make(user):
        return Client(headers={"Authorization": f"Bearer {do_create_token(None, user, 'test', None)[1]}"})

    return make


def send(client, method, path, body):
    return getattr(client, method)(path, body, content_type="application/json")


def test_the_timeline_with_short_notes_and_files(api, agent, rental_case):
    note = actions.do_add_note(agent, rental_case.pk, "Wants a van")
    actions.do_add_note(agent, rental_case.pk, "confirmed", parent_id=note.pk)
    [attached] = actions.do_add_attachments(agent, rental_case.pk, [upload("offer.pdf", PDF)])
    body = api(agent).get(f"/api/v1/cases/{rental_case.pk}/activities").json()
    assert body["count"] == 3  # the case's creation, the note, the file; short notes sit inside
    by_id = {item["id"]: item for item in body["items"]}
    assert by_id[note.pk]["annotations"][0]["body"] == "confirmed"
    assert by_id[note.pk]["author"] == {"id": agent.pk, "name": "Agent Test"}
    file = by_id[attached.pk]["attachments"][0]
    assert file["name"] == "offer.pdf" and file["download_url"] == f"/activities/files/{file['id']}/"
    assert body["items"][0]["id"] == attached.pk  # newest first

    client = api(agent)
    oldest = client.get(f"/api/v1/cases/{rental_case.pk}/activities?order=oldest").json()["items"]
    assert oldest[0]["kind"] == "info" and oldest[0]["data"]["field"] == "created"
    notes = client.get(f"/api/v1/cases/{rental_case.pk}/activities?kind=note").json()["items"]
    assert [item["id"] for item in notes] == [note.pk]
    assert client.get(f"/api/v1/cases/{rental_case.pk}/activities?kind=fax").status_code == 422
    assert client.get(f"/api/v1/cases/{rental_case.pk}/activities?order=up").status_code == 422


def test_add_edit_and_annotate_notes(api, agent, home_agent, manager, rental_case):
    client = api(agent)
    response = send(client, "post", f"/api/v1/cases/{rental_case.pk}/notes", {"body": "Called back"})
    assert response.status_code == 201
    note_id = response.json()["id"]
    assert response.json()["kind"] == "note" and response.json()["edited_at"] is None

    response = send(client, "patch", f"/api/v1/activities/{note_id}", {"body": "Called back twice"})
    assert response.status_code == 200 and response.json()["body"] == "Called back twice"
    assert response.json()["edited_at"] is not None
    assert AuditEntry.objects.filter(action="activity.edit", object_id=str(note_id)).exists()

    refused = send(api(home_agent), "patch", f"/api/v1/activities/{note_id}", {"body": "not mine"})
    assert refused.status_code == 403
    assert send(api(manager), "patch", f"/api/v1/activities/{note_id}", {"body": "by manager"}).status_code == 200

    short = send(client, "post", f"/api/v1/cases/{rental_case.pk}/notes", {"body": "ok", "parent_id": note_id})
    assert short.status_code == 201 and short.json()["parent_id"] == note_id
    assert api(agent).get(f"/api/v1/activities/{note_id}").json()["annotations"][0]["body"] == "ok"


@pytest.mark.parametrize(("body", "field"), [
    ({}, "body"),
    ({"body": ["list"]}, "body"),
    ({"body": "   "}, "body"),
    ({"body": "x" * 20001}, "body"),
    ({"body": "x", "parent_id": "abc"}, "parent_id"),
])
def test_bad_notes_are_422(api, agent, rental_case, body, field):
    response = send(api(agent), "post", f"/api/v1/cases/{rental_case.pk}/notes", body)
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]
    assert not Activity.objects.filter(kind=ActivityKind.NOTE).exists()


def test_only_notes_are_edited(api, manager, rental_case):
    info = Activity.objects.get(case=rental_case, kind=ActivityKind.INFO)
    response = send(api(manager), "patch", f"/api/v1/activities/{info.pk}", {"body": "x"})
    assert response.status_code == 422 and response.json()["detail"] == "Only notes can be edited."


def test_move_over_the_api(api, agent, rental_case, service_case, rental, make_contact, make_case):
    other = make_case(rental, make_contact("Anna", "Nowak"), agent)
    note = actions.do_add_note(agent, rental_case.pk, "for Anna")
    client = api(agent)

    hidden = send(client, "post", f"/api/v1/activities/{note.pk}/move", {"case_id": service_case.pk})
    assert hidden.status_code == 404
    assert hidden.json()["detail"] == "This case does not exist or is not visible to you."

    response = send(client, "post", f"/api/v1/activities/{note.pk}/move", {"case_id": other.pk})
    assert response.status_code == 200 and response.json()["case_id"] == other.pk
    assert AuditEntry.objects.filter(action="activity.move", object_id=str(note.pk)).exists()

    info = Activity.objects.get(case=rental_case, data__field="created")
    refused = send(client, "post", f"/api/v1/activities/{info.pk}/move", {"case_id": other.pk})
    assert refused.status_code == 422 and "Informational entries" in refused.json()["detail"]
    assert send(client, "post", f"/api/v1/activities/{note.pk}/move", {"case_id": "x"}).status_code == 422


def test_invisible_cases_and_entries_are_404(api, agent, home_agent, manager, service_case):
    note = actions.do_add_note(manager, service_case.pk, "hidden")
    for user in (agent, home_agent):
        client = api(user)
        assert client.get(f"/api/v1/cases/{service_case.pk}/activities").status_code == 404
        assert send(client, "post", f"/api/v1/cases/{service_case.pk}/notes", {"body": "x"}).status_code == 404
        assert client.get(f"/api/v1/activities/{note.pk}").status_code == 404
        assert send(client, "patch", f"/api/v1/activities/{note.pk}", {"body": "x"}).status_code == 404
        assert send(client, "post", f"/api/v1/activities/{note.pk}/move", {"case_id": 1}).status_code == 404
    note.refresh_from_db()
    assert note.body == "hidden"


def test_roles_without_case_work(api, receptionist, rental_case):
    client = api(receptionist)
    assert client.get(f"/api/v1/cases/{rental_case.pk}/activities").status_code == 403
    assert send(client, "post", f"/api/v1/cases/{rental_case.pk}/notes", {"body": "x"}).status_code == 403
    assert Client().get(f"/api/v1/cases/{rental_case.pk}/activities").status_code == 401
