import pytest
from django.conf import settings
from django.test import Client


@pytest.fixture
def session_cookie(transactional_db):
    """session_cookie(user) -> "sessionid=..." for a real, committed session of user.

    The websocket's auth middleware reads sessions from the database in another thread,
    so these tests use committed data (transactional_db), not the per-test transaction.
    """

    def make(user):
        client = Client()
        client.force_login(user)
        return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    return make


@pytest.fixture
def own_origin():
    """An Origin the socket accepts: a host Centrala serves (ALLOWED_HOSTS)."""
    host = next(h for h in settings.ALLOWED_HOSTS if h not in {"*", ""} and not h.startswith("."))
    return f"http://{host}"
