"""The profile page: the user's details and their API tokens."""

import re

import pytest
from django.test import Client

from centrala.api.actions import do_create_token
from centrala.api.models import ApiToken, hash_token
from centrala.audit.models import AuditEntry

TOKEN_RE = re.compile(r'value="(cnt_[^"]+)"')


def test_anonymous_is_sent_to_login(db):
    for path, method in [
        ("/accounts/profile/", "get"), ("/accounts/profile/tokens/", "post"), ("/accounts/profile/tokens/1/revoke/", "get"),
    ]:
        response = getattr(Client(), method)(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("fixture", ["agent", "manager", "receptionist", "specialist"])
def test_every_role_sees_its_profile(request, fixture, client_for):
    user = request.getfixturevalue(fixture)
    response = client_for(user).get("/accounts/profile/")
    assert response.status_code == 200
    html = response.content.decode()
    assert user.username in html
    assert str(user.get_role_display()) in html
    assert "no-store" in response["Cache-Control"]


def test_profile_lists_only_own_tokens(agent, manager, client_for):
    do_create_token(agent, agent, "Mine")
    do_create_token(manager, manager, "Not mine")
    html = client_for(agent).get("/accounts/profile/").content.decode()
    assert "Mine" in html
    assert "Not mine" not in html


def test_create_token_shows_it_once(agent, client_for):
    client = client_for(agent)
    response = client.post("/accounts/profile/tokens/", {"name": "Reporting", "expires_in_days": "7"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = TOKEN_RE.search(response.content.decode()).group(1)
    token = ApiToken.objects.get(user=agent)
    assert token.key_hash == hash_token(raw)
    assert token.name == "Reporting"
    assert token.expires_at is not None

    # The token works, and it is never shown again.
    assert Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/me").status_code == 200
    assert raw not in client.get("/accounts/profile/").content.decode()

    entry = AuditEntry.objects.get(action="api_token.create")
    assert entry.actor == agent
    assert entry.object_id == str(token.pk)
    assert raw not in str(entry.changes) and raw not in entry.object_repr


def test_create_token_with_htmx_returns_the_tokens_fragment(agent, client_for):
    response = client_for(agent).post("/accounts/profile/tokens/", {"name": "CLI"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert TOKEN_RE.search(html)
    assert "<html" not in html
    assert 'data-testid="tokens"' in html


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"name": ""}, "This field is required."),
        ({"name": "x", "expires_in_days": "abc"}, "Enter a whole number."),
        ({"name": "x", "expires_in_days": "0"}, "greater than or equal to 1"),
        ({"name": "x" * 101}, "at most 100 characters"),
    ],
)
def test_create_token_rejects_bad_input(agent, client_for, data, error):
    response = client_for(agent).post("/accounts/profile/tokens/", data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not ApiToken.objects.exists()


def test_create_token_needs_post(agent, client_for):
    assert client_for(agent).get("/accounts/profile/tokens/").status_code == 405


def test_revoke_asks_for_confirmation_then_revokes(agent, client_for):
    token, raw = do_create_token(agent, agent, "Old")
    client = client_for(agent)
    confirm = client.get(f"/accounts/profile/tokens/{token.pk}/revoke/")
    assert confirm.status_code == 200
    assert "Revoke the token" in confirm.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None  # GET only asks

    response = client.post(f"/accounts/profile/tokens/{token.pk}/revoke/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/profile/"
    assert "was revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEntry.objects.get(action="api_token.revoke").actor == agent
    assert Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/me").status_code == 401

    again = client.post(f"/accounts/profile/tokens/{token.pk}/revoke/", follow=True)
    assert "already revoked" in again.content.decode()
    assert AuditEntry.objects.filter(action="api_token.revoke").count() == 1


def test_cannot_revoke_another_users_token(agent, manager, client_for):
    token, raw = do_create_token(manager, manager, "Manager's")
    client = client_for(agent)
    assert client.get(f"/accounts/profile/tokens/{token.pk}/revoke/").status_code == 404
    assert client.post(f"/accounts/profile/tokens/{token.pk}/revoke/").status_code == 404
    assert client.post("/accounts/profile/tokens/999999/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert not AuditEntry.objects.filter(action="api_token.revoke").exists()


def test_profile_offers_the_language_choice(agent, client_for):
    html = client_for(agent).get("/accounts/profile/").content.decode()
    assert 'action="/accounts/language/"' in html
    response = client_for(agent).post("/accounts/language/", {"language": "ru", "next": "/accounts/profile/"})
    assert response["Location"] == "/accounts/profile/"
