from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from centrala.api.models import ApiToken
from centrala.audit.models import AuditEntry


def issue(*args):
    out, err = StringIO(), StringIO()
    call_command("issue_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_prints_a_working_token_once(manager):
    out, err = issue("manager", "--name", "CRM sync", "--days", "30")
    raw = out.strip()
    assert raw.startswith("cnt_") and "\n" not in raw  # stdout holds the token alone, for scripts
    assert "CRM sync" in err and "cannot be shown again" in err

    token = ApiToken.objects.get(user=manager)
    assert token.name == "CRM sync"
    assert token.expires_at is not None
    assert raw not in (token.key_hash, token.hint)  # only the hash is kept

    response = Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/users")
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="api_token.create")
    assert entry.actor is None
    assert entry.changes["name"] == [None, "CRM sync"]


def test_default_name_and_no_expiry(agent):
    issue("agent")
    token = ApiToken.objects.get(user=agent)
    assert token.name == "Command line"
    assert token.expires_at is None


def test_unknown_user_is_an_error(db):
    with pytest.raises(CommandError, match="There is no user 'nobody'"):
        issue("nobody")
    assert not ApiToken.objects.exists()


def test_disabled_user_is_an_error(make_user):
    make_user("gone", is_active=False)
    with pytest.raises(CommandError, match="disabled"):
        issue("gone")
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("days", ["0", "-3", "99999"])
def test_bad_lifetime_is_an_error(agent, days):
    with pytest.raises(CommandError, match="between 1 and"):
        issue("agent", "--days", days)


def test_blank_name_is_an_error(agent):
    with pytest.raises(CommandError, match="Give the token a name"):
        issue("agent", "--name", "  ")
