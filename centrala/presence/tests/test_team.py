"""The team page: presence:team."""

import re

import pytest
from django.urls import reverse

from centrala.accounts.models import Team
from centrala.presence.actions import do_set_presence

URL = reverse("presence:team")


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["agent", "home_agent", "receptionist", "specialist"])
def test_roles_without_monitoring_get_403(client_for, make_user, role):
    assert client_for(make_user("someone", role)).get(URL).status_code == 403


@pytest.mark.parametrize("role", ["manager", "administrator"])
def test_supervisors_get_in(client_for, make_user, role):
    assert client_for(make_user("boss", role)).get(URL).status_code == 200


def _row(body, user):
    match = re.search(rf'<tr data-user-id="{user.pk}" data-kind="(\w+)">(.*?)</tr>', body, re.S)
    assert match, f"no row for {user}"
    return match.group(1), match.group(2)


def test_everyone_with_presence_is_listed_with_status_and_counts(
    client_for, manager, agent, home_agent, receptionist, make_user, presence_statuses
):
    agent.phone_extension = "101"
    agent.save(update_fields=["phone_extension"])
    team_a = Team.objects.create(name="Team A")
    agent.teams.add(team_a)
    gone = make_user("gone", "agent", is_active=False)
    do_set_presence(agent, presence_statuses["available"])
    do_set_presence(home_agent, presence_statuses["break"])
    do_set_presence(gone, presence_statuses["available"])

    response = client_for(manager).get(URL)

    body = response.content.decode()
    kind, cells = _row(body, agent)
    assert kind == "work" and "Available" in cells and "101" in cells and "Team A" in cells and "In queue" in cells
    assert 'data-since="' in cells
    kind, cells = _row(body, home_agent)
    assert kind == "break" and "Break" in cells and "In queue" not in cells
    kind, cells = _row(body, receptionist)  # never signed in: no timer
    assert kind == "off" and "Signed out" in cells and "data-since" not in cells
    assert f'data-user-id="{gone.pk}"' not in body
    assert response.context["counts"] == {"work": 1, "break": 1, "off": 2}  # manager + receptionist off
    assert 'src="/static/presence/team.js"' in body


def test_team_filter_and_htmx_fragment(client_for, manager, agent, home_agent, presence_statuses):
    team_a = Team.objects.create(name="Team A")
    agent.teams.add(team_a)

    response = client_for(manager).get(URL, {"team": team_a.pk}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="presence-board"')
    assert "<html" not in body
    assert f'data-user-id="{agent.pk}"' in body and f'data-user-id="{home_agent.pk}"' not in body


@pytest.mark.parametrize("team", ["abc", "999999", "-1"])
def test_unknown_team_is_a_clear_error(client_for, manager, agent, team):
    response = client_for(manager).get(URL, {"team": team})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_query_count_does_not_grow_with_users(client_for, manager, make_user, presence_statuses):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    team_a = Team.objects.create(name="Team A")
    client = client_for(manager)

    def add_agents(prefix, count):
        for index in range(count):
            user = make_user(f"{prefix}{index}", "agent")
            user.teams.add(team_a)
            do_set_presence(user, presence_statuses["available"])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    add_agents("a", 2)
    queries()  # warm the session
    few = queries()
    add_agents("b", 8)
    assert queries() == few
