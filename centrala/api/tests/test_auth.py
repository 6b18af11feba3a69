"""Bearer tokens and the browser session as ways into /api/v1/."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from centrala.api.actions import do_revoke_token
from centrala.api.models import ApiToken, hash_token


def bearer(raw):
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_valid_token_authenticates_and_is_stamped_as_used(agent, token_for):
    raw = token_for(agent)
    response = bearer(raw).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["username"] == "agent"
    assert ApiToken.objects.get(key_hash=hash_token(raw)).last_used_at is not None


def test_last_used_is_written_at_most_once_a_minute(agent, token_for, django_assert_num_queries):
    raw = token_for(agent)
    client = bearer(raw)
    client.get("/api/v1/me")
    token = ApiToken.objects.get(key_hash=hash_token(raw))
    first_use = token.last_used_at
    # Token lookup + the /me query and its team prefetch: no UPDATE of last_used_at.
    with django_assert_num_queries(3):
        assert client.get("/api/v1/me").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == first_use

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first_use - timedelta(minutes=2))
    client.get("/api/v1/me")
    token.refresh_from_db()
    assert token.last_used_at > first_use - timedelta(minutes=1)


def test_revoked_token_is_refused(agent, token_for):
    raw = token_for(agent)
    do_revoke_token(agent, ApiToken.objects.get(key_hash=hash_token(raw)))
    response = bearer(raw).get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "This API token was revoked."}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_expired_token_is_refused(agent, token_for):
    raw = token_for(agent, expires_in_days=1)
    ApiToken.objects.filter(key_hash=hash_token(raw)).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = bearer(raw).get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "This API token has expired."}


def test_token_of_a_disabled_user_is_refused(agent, token_for):
    raw = token_for(agent)
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    response = bearer(raw).get("/api/v1/me")
    assert response.status_code == 401
    assert "disabled" in response.json()["detail"]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer cnt_not-a-real-token", "Unknown API token."),
        ("Bearer garbage", "This is not a Centrala API token"),
        ("Bearer ", "Send the API token as"),
        ("Token cnt_abc", "Send the API token as"),
        ("Basic dXNlcjpwYXNz", "Send the API token as"),
    ],
)
def test_garbage_tokens_are_refused_with_a_reason(db, header, message):
    response = Client(headers={"Authorization": header}).get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["detail"].startswith(message)


def test_bad_token_does_not_fall_back_to_the_session(agent, client_for):
    client = client_for(agent)
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer cnt_wrong"})
    assert response.status_code == 401


def test_missing_credentials_get_401_json(db):
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert "Authorization: Bearer" in response.json()["detail"]


def test_anonymous_unsafe_request_gets_401_not_a_csrf_error(db):
    response = Client(enforce_csrf_checks=True).post("/api/v1/notifications/read-all")
    assert response.status_code == 401


def test_session_authenticates_safe_requests(agent, client_for):
    response = client_for(agent).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["id"] == agent.pk


def test_session_needs_csrf_token_for_unsafe_requests(agent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    client.get("/accounts/profile/")  # sets the CSRF cookie, as any Centrala page does
    refused = client.post("/api/v1/notifications/read-all")
    assert refused.status_code == 403
    assert "X-CSRFToken" in refused.json()["detail"]

    accepted = client.post(
        "/api/v1/notifications/read-all", headers={"X-CSRFToken": client.cookies["csrftoken"].value}
    )
    assert accepted.status_code == 200


def test_token_requests_need_no_csrf_token(agent, token_for):
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {token_for(agent)}"})
    assert client.post("/api/v1/notifications/read-all").status_code == 200


def test_disabled_user_session_is_not_accepted(agent, client_for):
    client = client_for(agent)
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert client.get("/api/v1/me").status_code == 401


def test_token_user_language_is_used_for_messages(make_user, token_for):
    user = make_user("polka", "agent", language="pl")
    response = bearer(token_for(user)).get("/api/v1/users")
    assert response.status_code == 403
    assert response["Content-Language"] == "pl"
