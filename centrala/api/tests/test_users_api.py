import pytest
from django.test import Client

from centrala.accounts.models import Team
from centrala.presence.actions import do_set_presence


@pytest.fixture
def sales(db):
    return Team.objects.create(name="Sales")


def test_me_describes_the_caller(agent, api_client, presence_statuses, sales):
    agent.teams.add(sales)
    agent.phone_extension = "201"
    agent.language = "pl"
    agent.save()
    do_set_presence(agent, presence_statuses["available"])
    body = api_client(agent).get("/api/v1/me").json()
    assert body["id"] == agent.pk
    assert body["username"] == "agent"
    assert body["first_name"] == "Agent"
    assert body["full_name"] == "Agent Test"
    assert body["role"] == "agent"
    assert body["teams"] == [{"id": sales.pk, "name": "Sales"}]
    assert body["extension"] == "201"
    assert body["language"] == "pl"
    assert body["presence"]["status"]["name"] == "Available"
    assert "use_presence" in body["capabilities"]
    assert "monitor_team" not in body["capabilities"]


def test_me_without_presence(receptionist, api_client):
    assert api_client(receptionist).get("/api/v1/me").json()["presence"] is None


@pytest.mark.parametrize("fixture", ["agent", "home_agent", "receptionist", "specialist"])
def test_roles_without_monitor_team_get_403(request, fixture, api_client):
    client = api_client(request.getfixturevalue(fixture))
    for path in ["/api/v1/users", "/api/v1/users/1", "/api/v1/teams"]:
        response = client.get(path)
        assert response.status_code == 403, path
        assert "monitor_team" in response.json()["detail"]


def test_anonymous_gets_401_on_users(db):
    assert Client().get("/api/v1/users").status_code == 401


def test_manager_lists_users_with_filters(manager, agent, home_agent, make_user, api_client, sales):
    agent.teams.add(sales)
    gone = make_user("gone", "agent", is_active=False)
    client = api_client(manager)

    everyone = client.get("/api/v1/users").json()
    assert everyone["count"] == 4
    assert {u["username"] for u in everyone["items"]} == {"manager", "agent", "homeagent", "gone"}

    assert [u["username"] for u in client.get("/api/v1/users?role=agent&active=true").json()["items"]] == ["agent"]
    assert [u["username"] for u in client.get("/api/v1/users?active=false").json()["items"]] == [gone.username]
    assert [u["id"] for u in client.get(f"/api/v1/users?team={sales.pk}").json()["items"]] == [agent.pk]
    assert [u["username"] for u in client.get("/api/v1/users?q=homea").json()["items"]] == ["homeagent"]


def test_users_are_paginated(administrator, make_user, api_client):
    for number in range(5):
        make_user(f"user{number}", "agent")
    client = api_client(administrator)
    page = client.get("/api/v1/users?page=2&page_size=2").json()
    assert page["count"] == 6
    assert len(page["items"]) == 2
    assert client.get("/api/v1/users?page=9&page_size=2").json()["items"] == []


def test_user_list_query_count_does_not_grow_with_users(manager, make_user, api_client, sales, django_assert_max_num_queries):
    for number in range(10):
        make_user(f"user{number}", "agent").teams.add(sales)
    client = api_client(manager)
    client.get("/api/v1/me")  # stamps last_used_at now, so the next call does not write
    # token lookup, count, users (with presence), teams prefetch
    with django_assert_max_num_queries(4):
        assert len(client.get("/api/v1/users").json()["items"]) == 11


def test_one_user(manager, agent, api_client):
    client = api_client(manager)
    response = client.get(f"/api/v1/users/{agent.pk}")
    assert response.status_code == 200
    assert response.json()["username"] == "agent"

    missing = client.get("/api/v1/users/999999")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "No user with id 999999 is visible to you."}
    assert client.get("/api/v1/users/abc").status_code == 422


def test_teams(manager, agent, make_user, api_client, sales):
    Team.objects.create(name="Back office")
    agent.teams.add(sales)
    make_user("gone", "agent", is_active=False).teams.add(sales)
    body = api_client(manager).get("/api/v1/teams").json()
    assert body["count"] == 2
    assert body["items"] == [
        {"id": body["items"][0]["id"], "name": "Back office", "description": "", "member_count": 0},
        {"id": sales.pk, "name": "Sales", "description": "", "member_count": 1},
    ]
