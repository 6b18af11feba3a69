import pytest
from django.utils.html import escape

from centrala.audit.models import AuditEntry
from centrala.notifications.models import Notification

URL = "/notifications/send/"


def test_anonymous_user_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["agent", "home_agent", "receptionist", "specialist"])
def test_roles_without_send_notice_get_403(make_user, client_for, role, agent):
    user = make_user("someone", role)
    assert client_for(user).get(URL).status_code == 403
    assert client_for(user).post(URL, {"title": "x", "users": [agent.pk]}).status_code == 403
    assert not Notification.objects.exists()


@pytest.mark.parametrize("role", ["manager", "administrator"])
def test_supervisors_see_the_form_with_active_users_and_teams(make_user, client_for, team_with, role):
    sender = make_user("sender", role)
    make_user("active_agent")
    make_user("left_agent", is_active=False)
    team_with("Sales")

    response = client_for(sender).get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="title"' in html and 'name="users"' in html and 'name="teams"' in html
    assert "Active_agent Test" in html and "Left_agent" not in html
    assert "Sales" in html


def test_a_notice_reaches_chosen_people_and_teams_once_with_confirmation(
    manager, make_user, team_with, client_for, sent_events, django_capture_on_commit_callbacks
):
    alice, bob, carol, dave = (make_user(n) for n in ["alice", "bob", "carol", "dave"])
    sales = team_with("Sales", alice, bob, make_user("gone", is_active=False))
    client = client_for(manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {
            "users": [alice.pk, carol.pk], "teams": [sales.pk],
            "title": "Fire drill at 11", "body": "Leave by the east stairs.", "url": "/presence/team/",
        }, follow=True)

    assert response.redirect_chain == [(URL, 302)]
    assert "The notice “Fire drill at 11” was sent to 3 people." in response.content.decode()
    notes = Notification.objects.filter(title="Fire drill at 11")
    assert sorted(n.recipient.username for n in notes) == ["alice", "bob", "carol"]
    assert all(n.body == "Leave by the east stairs." and n.url == "/presence/team/" and n.created_by == manager
               for n in notes)
    assert not dave.notifications.exists()
    assert sorted(e["users"] for e in sent_events) == sorted([[alice.pk], [bob.pk], [carol.pk]])
    entry = AuditEntry.objects.get(action="notification.send")
    assert entry.actor == manager and entry.changes["recipient_count"] == [None, 3]


def test_one_recipient_gets_the_singular_confirmation(manager, agent, client_for, sent_events):
    response = client_for(manager).post(URL, {"users": [agent.pk], "title": "Hi"}, follow=True)
    assert "was sent to 1 person." in response.content.decode()


@pytest.mark.parametrize("data, field, message", [
    ({"title": ""}, "title", "This field is required."),
    ({"title": "   "}, "title", "This field is required."),
    ({"title": "x" * 201}, "title", "at most 200 characters"),
    ({"users": ["abc"]}, "users", "“abc” is not a valid value."),
    ({"users": ["999999"]}, "users", "Select a valid choice."),
    ({"teams": ["999999"]}, "teams", "Select a valid choice."),
    ({"url": "https://evil.example/"}, "url", "Only links to pages of Centrala"),
    ({"url": "//evil.example/"}, "url", "Only links to pages of Centrala"),
    ({"url": "/no-such-page/"}, "url", "There is no page of Centrala at this address."),
    ({"users": []}, None, "Choose at least one person or team."),
])
def test_bad_input_is_refused_with_a_clear_error(manager, agent, client_for, data, field, message):
    post = {"users": [agent.pk], "title": "Hello", **data}

    response = client_for(manager).post(URL, post)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in error for error in errors.get(field or "__all__", [])), errors
    assert escape(message) in response.content.decode()
    assert not Notification.objects.exists() and not AuditEntry.objects.exists()


def test_an_inactive_user_cannot_be_chosen(manager, make_user, client_for):
    gone = make_user("gone", is_active=False)
    response = client_for(manager).post(URL, {"users": [gone.pk], "title": "Hello"})
    assert "users" in response.context["form"].errors
    assert not Notification.objects.exists()


def test_a_team_without_active_members_is_refused(manager, make_user, team_with, client_for):
    team = team_with("Night", make_user("sleeper", is_active=False))
    response = client_for(manager).post(URL, {"teams": [team.pk], "title": "Hello"})
    assert response.context["form"].non_field_errors() == ["The chosen teams have no active members."]
    assert not Notification.objects.exists()


def test_only_get_and_post_are_allowed(manager, client_for):
    assert client_for(manager).put(URL).status_code == 405
