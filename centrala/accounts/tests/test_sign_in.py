"""Signing in (with throttling), and changing one's own password."""

import pytest
from django.test import Client
from django.urls import reverse

from centrala.accounts import actions
from centrala.accounts.models import LoginFailure
from centrala.audit.models import AuditEntry
from conftest import PASSWORD

LOCKED = "Too many failed sign-ins for this user."


def sign_in(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_sign_in_with_the_right_password(client, agent):
    response = sign_in(client, "agent", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("core:home")
    assert client.get(reverse("core:home")).status_code == 200


def test_wrong_password_is_refused_with_a_clear_message(client, agent):
    response = sign_in(client, "agent", "wrong")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert LoginFailure.objects.filter(username="agent").count() == 1


def test_after_the_limit_even_the_right_password_is_refused(client, agent, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_LOCKOUT_MINUTES = 15
    for _attempt in range(3):
        sign_in(client, "agent", "wrong")
    response = sign_in(client, "AGENT", PASSWORD)
    assert response.status_code == 200
    assert f"{LOCKED} Wait 15 minutes or ask an administrator." in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Still locked: the refused attempt did not reset anything.
    assert sign_in(Client(), "agent", PASSWORD).status_code == 200


def test_lockout_ends_when_the_failures_are_old(client, agent, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.LOGIN_FAILURE_LIMIT = 2
    for _attempt in range(2):
        sign_in(client, "agent", "wrong")
    LoginFailure.objects.update(at=timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES + 1))
    assert sign_in(client, "agent", PASSWORD).status_code == 302


def test_a_success_clears_earlier_failures(client, agent, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    sign_in(client, "agent", "wrong")
    sign_in(client, "agent", "wrong")
    assert sign_in(client, "agent", PASSWORD).status_code == 302
    assert not LoginFailure.objects.filter(username="agent").exists()
    # Two more failures are again below the limit.
    other = Client()
    sign_in(other, "agent", "wrong")
    sign_in(other, "agent", "wrong")
    assert sign_in(other, "agent", PASSWORD).status_code == 302


def test_lockout_is_per_username(client, agent, manager, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    for _attempt in range(2):
        sign_in(client, "agent", "wrong")
    assert actions.is_locked_out("agent")
    assert sign_in(client, "manager", PASSWORD).status_code == 302


def test_inactive_user_cannot_sign_in(client, make_user):
    make_user("left", is_active=False)
    response = sign_in(client, "left", PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_password_change_works_and_is_audited(client_for, agent):
    client = client_for(agent)
    url = reverse("accounts:password_change")
    assert client.get(url).status_code == 200
    new = "Brisk-meadow-owl-58"
    response = client.post(url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.check_password(new)
    entry = AuditEntry.objects.get(action="user.password")
    assert entry.actor == agent and entry.object_id == str(agent.pk) and entry.changes == {}
    # The session survives the change; the old password no longer works.
    assert client.get(reverse("core:home")).status_code == 200
    assert not Client().login(username="agent", password=PASSWORD)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"old_password": "wrong", "new_password1": "Brisk-meadow-owl-58", "new_password2": "Brisk-meadow-owl-58"}, "old_password"),
        ({"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"}, "new_password2"),
        ({"old_password": PASSWORD, "new_password1": "Brisk-meadow-owl-58", "new_password2": "other-value-1234"}, "new_password2"),
    ],
)
def test_password_change_refuses_bad_input(client_for, agent, data, field):
    response = client_for(agent).post(reverse("accounts:password_change"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    agent.refresh_from_db()
    assert agent.check_password(PASSWORD)
    assert not AuditEntry.objects.exists()


def test_password_change_needs_sign_in(client, db):
    response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
