"""Notes (ACT-02): adding, editing (author, manager, administrator), short notes on any entry."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from centrala.activities import actions
from centrala.activities.models import Activity, ActivityKind
from centrala.audit.models import AuditEntry

from .conftest import HTMX


def add_url(case):
    return f"/activities/case/{case.pk}/notes/"


def test_an_agent_adds_a_note_with_htmx_and_gets_the_timeline_back(
    rental_case, agent, client_for, sent_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(agent).post(add_url(rental_case), {"body": "  Wants a van.  ", "kind": "note"},
                                          headers=HTMX)
    assert response.status_code == 200
    note = Activity.objects.get(case=rental_case, kind=ActivityKind.NOTE)
    assert note.body == "Wants a van." and note.author == agent and note.contact_id == rental_case.contact_id
    html = response.content.decode()
    # The results under the filters (still filtered by kind), and a fresh note form out of band.
    assert html.lstrip().startswith(f'<div class="timeline-results" id="activities-case-{rental_case.pk}-results"')
    assert "Wants a van." in html and "Case created" not in html
    assert f'id="note-form-{rental_case.pk}"' in html and 'hx-swap-oob="true"' in html
    assert f'id="upload-form-{rental_case.pk}"' not in html  # the other form keeps what is typed in it
    assert AuditEntry.objects.filter(action="activity.create", object_id=str(note.pk)).exists()
    [event] = [e for e in sent_events if e["type"] == "activity.changed"]
    assert event["payload"] == {"case_id": rental_case.pk, "activity_id": note.pk, "kind": "note",
                                "change": "created", "by_user_id": agent.pk}
    assert agent.pk in event["users"] and "manager" in event["roles"]


def test_without_htmx_the_note_form_redirects_back(rental_case, agent, client_for):
    response = client_for(agent).post(add_url(rental_case), {"body": "Plain form"})
    assert response.status_code == 302
    assert response["Location"] == f"/activities/case/{rental_case.pk}/"
    assert Activity.objects.filter(kind=ActivityKind.NOTE, body="Plain form").exists()


@pytest.mark.parametrize(("body", "message"), [
    ("   ", "Write the note first."),
    ("x" * 20001, "The note is 20001 characters long; at most 20000 fit."),
])
def test_an_empty_or_too_long_note_is_refused_and_the_text_kept(rental_case, agent, client_for, body, message):
    response = client_for(agent).post(add_url(rental_case), {"body": body}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and message in html
    assert response["HX-Retarget"] == f"#note-form-{rental_case.pk}"
    assert not Activity.objects.filter(kind=ActivityKind.NOTE).exists()
    if body.strip():
        assert body in html


def test_notes_cannot_be_added_to_invisible_cases_or_by_other_roles(
    client, rental_case, service_case, agent, receptionist, client_for
):
    assert client.post(add_url(rental_case), {"body": "x"}).status_code == 302
    assert client_for(receptionist).post(add_url(rental_case), {"body": "x"}).status_code == 403
    assert client_for(agent).post(add_url(service_case), {"body": "x"}).status_code == 404
    assert client_for(agent).get(add_url(rental_case)).status_code == 405
    assert not Activity.objects.filter(kind=ActivityKind.NOTE).exists()


# --- editing ------------------------------------------------------------------------------------

def edit_url(activity):
    return f"/activities/{activity.pk}/edit/"


def test_the_author_edits_a_note_inline(rental_case, agent, client_for):
    note = actions.do_add_note(agent, rental_case.pk, "Wants a van")
    client = client_for(agent)
    form = client.get(edit_url(note), headers=HTMX).content.decode()
    assert "<textarea" in form and "Wants a van" in form

    response = client.post(edit_url(note), {"body": "Wants a minibus"}, headers=HTMX)
    assert response.status_code == 200
    note.refresh_from_db()
    assert note.body == "Wants a minibus" and note.edited_at is not None
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li class="activity kind-note" id="activity-{note.pk}"')
    assert "Wants a minibus" in html and "edited" in html
    entry = AuditEntry.objects.get(action="activity.edit", object_id=str(note.pk))
    assert entry.actor == agent and entry.changes == {"body": ["Wants a van", "Wants a minibus"]}


def test_an_unchanged_edit_writes_nothing(rental_case, agent):
    note = actions.do_add_note(agent, rental_case.pk, "Same")
    actions.do_edit_note(agent, note.pk, "Same ")
    note.refresh_from_db()
    assert note.edited_at is None
    assert not AuditEntry.objects.filter(action="activity.edit").exists()


def test_an_empty_edit_is_refused_in_place(rental_case, agent, client_for):
    note = actions.do_add_note(agent, rental_case.pk, "Keep me")
    response = client_for(agent).post(edit_url(note), {"body": ""}, headers=HTMX)
    assert response.status_code == 200
    assert "Write the note first." in response.content.decode()
    assert response["HX-Retarget"] == f"#note-body-{note.pk}"
    note.refresh_from_db()
    assert note.body == "Keep me"


def test_agents_cannot_edit_other_peoples_notes(rental_case, agent, home_agent, client_for):
    note = actions.do_add_note(home_agent, rental_case.pk, "Mine")
    client = client_for(agent)
    assert client.get(edit_url(note)).status_code == 403
    assert client.post(edit_url(note), {"body": "Changed"}).status_code == 403
    with pytest.raises(PermissionDenied):
        actions.do_edit_note(agent, note.pk, "Changed")
    note.refresh_from_db()
    assert note.body == "Mine"
    assert 'data-testid="edit"' not in client.get(f"/activities/case/{rental_case.pk}/").content.decode()


@pytest.mark.parametrize("role", ["manager", "administrator"])
def test_managers_and_administrators_edit_any_note(request, role, rental_case, agent, client_for):
    note = actions.do_add_note(agent, rental_case.pk, "Agent's note")
    supervisor = request.getfixturevalue(role)
    response = client_for(supervisor).post(edit_url(note), {"body": "Corrected"}, headers=HTMX)
    assert response.status_code == 200
    note.refresh_from_db()
    assert note.body == "Corrected"
    assert AuditEntry.objects.get(action="activity.edit").actor == supervisor


def test_only_notes_can_be_edited(rental_case, agent, manager, client_for):
    info = Activity.objects.get(case=rental_case, kind=ActivityKind.INFO)
    assert client_for(manager).post(edit_url(info), {"body": "x"}).status_code == 403
    with pytest.raises(ValidationError):
        actions.do_edit_note(manager, info.pk, "x")


def test_notes_on_invisible_cases_are_not_found(service_case, manager, agent, client_for):
    note = actions.do_add_note(manager, service_case.pk, "Hidden")
    assert client_for(agent).get(edit_url(note)).status_code == 404
    assert client_for(agent).post(edit_url(note), {"body": "x"}).status_code == 404
    assert client_for(agent).get(f"/activities/{note.pk}/").status_code == 404


# --- short notes on entries -----------------------------------------------------------------------

def annotate_url(activity):
    return f"/activities/{activity.pk}/annotate/"


@pytest.mark.parametrize("kind", ["info", "note", "attachment", "email", "sms", "call"])
def test_a_short_note_can_be_added_to_any_entry(kind, rental_case, agent, client_for, make_activity):
    if kind == "info":
        entry = Activity.objects.get(case=rental_case, kind=ActivityKind.INFO)
    else:
        entry = make_activity(rental_case, kind, "something", agent)
    response = client_for(agent).post(annotate_url(entry), {"body": "Customer confirmed."}, headers=HTMX)
    assert response.status_code == 200
    short = Activity.objects.get(parent=entry)
    assert short.kind == ActivityKind.NOTE and short.author == agent and short.case_id == rental_case.pk
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li class="activity kind-{kind}" id="activity-{entry.pk}"')
    assert "Customer confirmed." in html


def test_short_notes_are_short_and_flat(rental_case, agent, client_for):
    info = Activity.objects.get(case=rental_case, kind=ActivityKind.INFO)
    client = client_for(agent)
    html = client.post(annotate_url(info), {"body": "y" * 2001}, headers=HTMX).content.decode()
    assert "at most 2000 fit" in html and "<details class=\"inline-form\" open>" in html
    short = actions.do_add_note(agent, rental_case.pk, "first", parent_id=info.pk)
    with pytest.raises(ValidationError, match="not to one of its notes"):
        actions.do_add_note(agent, rental_case.pk, "nested", parent_id=short.pk)
    assert Activity.objects.filter(parent__isnull=False).count() == 1


def test_a_short_note_must_belong_to_the_same_case(rental_case, make_case, rental, contact, agent):
    other = make_case(rental, contact, agent)
    info = Activity.objects.get(case=rental_case, kind=ActivityKind.INFO)
    with pytest.raises(ValidationError, match="another case"):
        actions.do_add_note(agent, other.pk, "wrong case", parent_id=info.pk)


def test_the_author_edits_a_short_note_and_the_entry_is_redrawn(rental_case, agent, home_agent, client_for):
    info = Activity.objects.get(case=rental_case, kind=ActivityKind.INFO)
    short = actions.do_add_note(agent, rental_case.pk, "typo", parent_id=info.pk)
    response = client_for(agent).post(edit_url(short), {"body": "fixed"}, headers=HTMX)
    assert response.content.decode().lstrip().startswith(f'<li class="activity kind-info" id="activity-{info.pk}"')
    short.refresh_from_db()
    assert short.body == "fixed" and short.edited_at
    assert client_for(home_agent).post(edit_url(short), {"body": "not mine"}).status_code == 403


def test_short_notes_on_invisible_entries_are_not_found(service_case, agent, client_for, receptionist):
    info = Activity.objects.get(case=service_case, kind=ActivityKind.INFO)
    assert client_for(agent).post(annotate_url(info), {"body": "x"}).status_code == 404
    assert client_for(receptionist).post(annotate_url(info), {"body": "x"}).status_code == 403
    assert not Activity.objects.filter(parent=info).exists()
