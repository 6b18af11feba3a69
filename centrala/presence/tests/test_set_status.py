"""The top-bar switch: POST presence:set."""

import json

import pytest
from django.urls import reverse

from centrala.presence import actions
from centrala.presence.models import CurrentPresence, PresenceChange

URL = reverse("presence:set")
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_anonymous_is_sent_to_login(client, presence_statuses):
    response = client.post(URL, {"status": presence_statuses["break"].pk})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not PresenceChange.objects.exists()


def test_get_is_not_allowed(client_for, agent):
    assert client_for(agent).get(URL).status_code == 405


def test_htmx_change_records_and_answers_with_the_switch(client_for, agent, presence_statuses, monkeypatch):
    sent = []
    monkeypatch.setattr(actions, "publish", lambda *args, **kwargs: sent.append((args, kwargs)))
    on_break = presence_statuses["break"]

    response = client_for(agent).post(URL, {"status": str(on_break.pk)}, **HTMX)

    assert response.status_code == 200
    assert "HX-Trigger" not in response
    body = response.content.decode()
    assert 'id="presence-switch"' in body and "kind-break" in body
    assert f'value="{on_break.pk}" data-kind="break" selected' in body
    assert CurrentPresence.objects.get(user=agent).status == on_break
    assert list(PresenceChange.objects.values_list("status", "kind")) == [(on_break.pk, "break")]
    [(args, kwargs)] = sent
    assert args[0] == "presence.changed"
    assert args[1]["user_id"] == agent.pk and args[1]["status_name"] == "Break" and args[1]["kind"] == "break"
    assert kwargs["users"] == [agent]


def test_choosing_the_current_status_again_records_nothing(client_for, agent, presence_statuses):
    available = presence_statuses["available"]
    actions.do_set_presence(agent, available)
    client_for(agent).post(URL, {"status": available.pk}, **HTMX)
    assert PresenceChange.objects.count() == 1


@pytest.mark.parametrize("value", ["", "abc", "1.5", "-1", "999999", "99999999999999999999999", None])
def test_forged_ids_get_a_clear_error(client_for, agent, presence_statuses, value):
    actions.do_set_presence(agent, presence_statuses["available"])
    data = {} if value is None else {"status": value}

    response = client_for(agent).post(URL, data, **HTMX)

    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"]) == {
        "centrala:error": "That status does not exist or is no longer in use."
    }
    # The switch comes back showing the status the user is really in.
    assert f'value="{presence_statuses["available"].pk}" data-kind="work" selected' in response.content.decode()
    assert PresenceChange.objects.count() == 1


def test_inactive_status_is_refused(client_for, agent, presence_statuses):
    retired = presence_statuses["back_office"]
    retired.active = False
    retired.save(update_fields=["active"])

    response = client_for(agent).post(URL, {"status": retired.pk}, **HTMX)

    assert "no longer in use" in json.loads(response["HX-Trigger"])["centrala:error"]
    assert not PresenceChange.objects.exists()


def test_error_header_survives_non_latin_translations(client_for, agent, presence_statuses):
    client = client_for(agent)
    response = client.post(URL, {"status": "x"}, HTTP_ACCEPT_LANGUAGE="ru", **HTMX)
    message = json.loads(response["HX-Trigger"])["centrala:error"]
    assert message  # decodes to text whatever the language; no MIME-encoded header
    assert response["HX-Trigger"].isascii()


def test_without_htmx_error_is_a_message_and_redirect(client_for, agent, presence_statuses):
    response = client_for(agent).post(URL, {"status": "999999"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("core:home")
    assert "That status does not exist or is no longer in use." in response.content.decode()


def test_without_htmx_redirects_to_a_local_next_only(client_for, agent, presence_statuses):
    client = client_for(agent)
    response = client.post(URL, {"status": presence_statuses["break"].pk, "next": "/presence/report/"})
    assert response["Location"] == "/presence/report/"
    response = client.post(URL, {"status": presence_statuses["available"].pk, "next": "https://evil.example/"})
    assert response["Location"] == reverse("core:home")


def test_user_in_a_retired_status_still_sees_it_selected(client_for, agent, presence_statuses):
    back_office = presence_statuses["back_office"]
    actions.do_set_presence(agent, back_office)
    back_office.active = False
    back_office.save(update_fields=["active"])

    body = client_for(agent).get("/").content.decode()

    assert f'<option value="{back_office.pk}" selected disabled>Back office</option>' in body


def test_signing_in_on_a_second_device_keeps_the_current_status(agent, presence_statuses):
    from centrala.presence.actions import current_presence, do_set_presence, on_sign_in

    do_set_presence(agent, presence_statuses["break"])
    on_sign_in(agent)
    assert current_presence(agent).status == presence_statuses["break"]


def test_signing_in_after_signing_out_sets_the_default_status(agent, presence_statuses):
    from centrala.presence.actions import current_presence, do_set_presence, on_sign_in

    do_set_presence(agent, presence_statuses["break"])
    do_set_presence(agent, None)
    on_sign_in(agent)
    assert current_presence(agent).status == presence_statuses["available"]


def test_a_change_locks_records_and_updates_in_three_queries(agent, presence_statuses):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from centrala.presence.actions import current_presence, do_set_presence

    do_set_presence(agent, presence_statuses["available"])
    # The row locked first is the one saved: no second lookup by update_or_create.
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        do_set_presence(agent, presence_statuses["break"])
    statements = [q["sql"].split()[0].upper() for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert statements == ["SELECT", "INSERT", "UPDATE"]
    current = current_presence(agent)
    assert current.status == presence_statuses["break"]
    assert current.since == current.last_seen
