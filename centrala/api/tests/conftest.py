import pytest
from django.test import Client


@pytest.fixture
def token_for(db):
    """token_for(user, **kw) -> a raw API token issued to user."""
    from centrala.api.actions import do_create_token

    def make(user, name="test", expires_in_days=None):
        _token, raw = do_create_token(None, user, name, expires_in_days)
        return raw

    return make


@pytest.fixture
def api_client(token_for):
    """api_client(user) -> a client that sends user's bearer token on every request (no session)."""

    def make(user):
        return Client(headers={"Authorization": f"Bearer {token_for(user)}"})

    return make
