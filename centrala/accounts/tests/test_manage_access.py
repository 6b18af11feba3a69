"""Every administration page: only administrators get in; others get 403, anonymous goes to login."""

import pytest
from django.urls import reverse

ROLES = ["agent", "home_agent", "manager", "receptionist", "specialist"]


@pytest.fixture
def team(db):
    from centrala.accounts.models import Team

    return Team.objects.create(name="Sales")


@pytest.fixture
def pages(agent, team):
    return [
        ("GET", reverse("accounts:users")),
        ("GET", reverse("accounts:user_create")),
        ("POST", reverse("accounts:user_create")),
        ("GET", reverse("accounts:user_edit", args=[agent.pk])),
        ("POST", reverse("accounts:user_edit", args=[agent.pk])),
        ("POST", reverse("accounts:user_unlock", args=[agent.pk])),
        ("GET", reverse("accounts:teams")),
        ("GET", reverse("accounts:team_create")),
        ("POST", reverse("accounts:team_create")),
        ("GET", reverse("accounts:team_edit", args=[team.pk])),
        ("POST", reverse("accounts:team_edit", args=[team.pk])),
        ("GET", reverse("accounts:team_delete", args=[team.pk])),
        ("POST", reverse("accounts:team_delete", args=[team.pk])),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_other_roles_get_403_everywhere(role, pages, client_for, make_user):
    from centrala.accounts.models import Team
    from centrala.audit.models import AuditEntry

    outsider = make_user(f"someone-{role}", role)
    client = client_for(outsider)
    for method, url in pages:
        response = client.get(url) if method == "GET" else client.post(url, {"name": "X", "username": "x"})
        assert response.status_code == 403, (role, method, url)
        assert b"No access" in response.content
    assert Team.objects.filter(name="Sales").exists()
    assert not AuditEntry.objects.exists()


def test_anonymous_goes_to_login(client, pages):
    for method, url in pages:
        response = client.get(url) if method == "GET" else client.post(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(reverse("accounts:login") + "?next=")


def test_administrator_gets_in(client_for, administrator, pages):
    client = client_for(administrator)
    for method, url in pages:
        if method == "GET":
            assert client.get(url).status_code == 200, url


def test_deactivated_administrator_is_refused(client_for, administrator):
    client = client_for(administrator)
    administrator.is_active = False
    administrator.save(update_fields=["is_active"])
    response = client.get(reverse("accounts:users"))
    # The session no longer authenticates an inactive user, so it is treated as anonymous.
    assert response.status_code == 302


def test_unknown_ids_are_404(client_for, administrator):
    client = client_for(administrator)
    for name in ["accounts:user_edit", "accounts:team_edit", "accounts:team_delete"]:
        assert client.get(reverse(name, args=[99999])).status_code == 404
    assert client.post(reverse("accounts:user_unlock", args=[99999])).status_code == 404


def test_wrong_methods_are_refused(client_for, administrator, agent):
    client = client_for(administrator)
    assert client.post(reverse("accounts:users")).status_code == 405
    assert client.get(reverse("accounts:user_unlock", args=[agent.pk])).status_code == 405
