"""The event socket's guarantees, driven through the whole ASGI stack (origin check, auth, routing).

Each test runs one coroutine (run_async): the communicators and the channel layer must
share one event loop. Absence of a message is proven without waiting: after the event that
must not arrive, a marker is sent to the same socket, and the marker has to come first.
"""

import json

import pytest
from asgiref.sync import sync_to_async

from centrala.accounts.models import Team
from centrala.realtime.publish import publish
from centrala.realtime.tests.communicator import WebsocketCommunicator, run_async
from config.asgi import application

TIMEOUT = 5
PATH = "/ws/events/"


def communicator(origin, cookie=None):
    headers = []
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    if cookie is not None:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, PATH, headers=headers)


async def signed_in(origin, cookie):
    socket = communicator(origin, cookie)
    connected, _ = await socket.connect(timeout=TIMEOUT)
    assert connected
    hello = await socket.receive_json_from(TIMEOUT)
    assert hello["type"] == "hello"
    return socket, hello


async def send_unread(count, **recipients):
    # publish() runs on commit; outside a transaction that is at once.
    await sync_to_async(publish)("notification.unread", {"unread_count": count}, **recipients)


async def next_event(socket):
    return await socket.receive_json_from(TIMEOUT)


async def assert_marker_comes_first(socket, marker, **recipients):
    """Nothing else is queued for `socket`: a marker sent now is the next message it gets."""
    await send_unread(marker, **recipients)
    assert await next_event(socket) == {"type": "notification.unread", "payload": {"unread_count": marker}}


# --- who may connect ---------------------------------------------------------------------------

def test_a_signed_in_user_connects_and_is_greeted(agent, session_cookie, own_origin):
    async def scenario():
        socket, hello = await signed_in(own_origin, session_cookie(agent))
        assert hello == {"type": "hello", "payload": {"user_id": agent.pk}}
        await socket.send_json_to({"type": "ping"})
        assert await next_event(socket) == {"type": "pong", "payload": {}}
        await socket.disconnect()

    run_async(scenario)


def test_an_anonymous_socket_is_closed_with_4401(transactional_db, own_origin):
    async def scenario():
        socket = communicator(own_origin)
        connected, _ = await socket.connect(timeout=TIMEOUT)
        # Accepted only to carry the close code: a refused handshake would reach the page as 1006.
        assert connected
        closing = await socket.receive_output(TIMEOUT)
        assert closing["type"] == "websocket.close" and closing["code"] == 4401

    run_async(scenario)


def test_a_forged_or_expired_session_is_closed_with_4401(transactional_db, own_origin):
    async def scenario():
        socket = communicator(own_origin, "sessionid=forged-session-key")
        await socket.connect(timeout=TIMEOUT)
        closing = await socket.receive_output(TIMEOUT)
        assert closing["code"] == 4401

    run_async(scenario)


def test_a_deactivated_user_is_closed_with_4401(agent, session_cookie, own_origin):
    cookie = session_cookie(agent)
    agent.is_active = False
    agent.save(update_fields=["is_active"])

    async def scenario():
        socket = communicator(own_origin, cookie)
        await socket.connect(timeout=TIMEOUT)
        closing = await socket.receive_output(TIMEOUT)
        assert closing["code"] == 4401

    run_async(scenario)


@pytest.mark.parametrize("origin", ["https://evil.example", "http://127.0.0.1.evil.example", "null", None])
def test_a_socket_from_a_foreign_or_missing_origin_is_refused(agent, session_cookie, origin):
    cookie = session_cookie(agent)

    async def scenario():
        socket = communicator(origin, cookie)
        connected, _ = await socket.connect(timeout=TIMEOUT)
        assert not connected

    run_async(scenario)


# --- what clients may send ---------------------------------------------------------------------

def forged_messages(victim_id):
    return [
        {"text_data": "not json"},
        {"text_data": "{"},
        {"text_data": ""},
        {"text_data": json.dumps({"type": "subscribe", "group": f"user.{victim_id}"})},
        {"text_data": json.dumps({"type": "group_add", "group": f"user.{victim_id}"})},
        {"text_data": json.dumps({"type": "event.push", "event": {"type": "notification.unread",
                                                                   "payload": {"unread_count": 99}}})},
        {"text_data": json.dumps({"type": "websocket.disconnect", "code": 1000})},
        {"text_data": json.dumps({"type": "publish", "users": [victim_id], "event": "notification.created"})},
        {"text_data": json.dumps(["ping"])},
        {"text_data": json.dumps("ping")},
        {"text_data": json.dumps(None)},
        {"text_data": json.dumps({"type": ["ping"]})},
        {"text_data": "[" * 2000 + "]" * 2000},  # deep enough to overflow the JSON parser
        {"text_data": json.dumps({"type": "ping", "padding": "x" * 5000})},
        {"text_data": "ż" * 3000},  # few characters, many bytes
        {"text_data": "x" * 1_000_000},
        {"bytes_data": b"\x00\x01binary"},
    ]


def test_forged_messages_get_an_error_and_never_reach_another_user(agent, home_agent, session_cookie, own_origin):
    attacker_cookie, victim_cookie = session_cookie(agent), session_cookie(home_agent)

    async def scenario():
        attacker, _ = await signed_in(own_origin, attacker_cookie)
        victim, _ = await signed_in(own_origin, victim_cookie)

        for message in forged_messages(home_agent.pk):
            await attacker.send_to(**message)
            reply = await next_event(attacker)
            assert reply["type"] == "error", message
            assert reply["payload"]["message"]

        # Still connected and still only in its own groups.
        await attacker.send_json_to({"type": "ping"})
        assert await next_event(attacker) == {"type": "pong", "payload": {}}
        await send_unread(5, users=[home_agent])
        assert await next_event(victim) == {"type": "notification.unread", "payload": {"unread_count": 5}}
        await assert_marker_comes_first(attacker, 1001, users=[agent])
        # The victim saw nothing of the attacker's attempts either.
        await assert_marker_comes_first(victim, 1002, users=[home_agent])
        await attacker.disconnect()
        await victim.disconnect()

    run_async(scenario)


# --- who receives what -------------------------------------------------------------------------

def test_an_event_for_user_a_reaches_all_of_as_tabs_and_not_user_b(agent, home_agent, session_cookie, own_origin):
    a_cookie, b_cookie = session_cookie(agent), session_cookie(home_agent)

    async def scenario():
        a_tab1, _ = await signed_in(own_origin, a_cookie)
        a_tab2, _ = await signed_in(own_origin, a_cookie)
        b, _ = await signed_in(own_origin, b_cookie)

        await send_unread(3, users=[agent])

        expected = {"type": "notification.unread", "payload": {"unread_count": 3}}
        assert await next_event(a_tab1) == expected
        assert await next_event(a_tab2) == expected
        await assert_marker_comes_first(b, 1000, users=[home_agent])
        for socket in (a_tab1, a_tab2, b):
            await socket.disconnect()

    run_async(scenario)


def test_team_and_role_events_reach_only_members(agent, home_agent, manager, session_cookie, own_origin):
    team = Team.objects.create(name="Sales")
    team.members.set([agent])
    cookies = [session_cookie(u) for u in (agent, home_agent, manager)]

    async def scenario():
        a, b, boss = [(await signed_in(own_origin, c))[0] for c in cookies]

        await send_unread(1, teams=[team])
        assert (await next_event(a))["payload"] == {"unread_count": 1}

        await send_unread(2, roles=["manager", "administrator"])
        assert (await next_event(boss))["payload"] == {"unread_count": 2}

        await assert_marker_comes_first(a, 1000, users=[agent])
        await assert_marker_comes_first(b, 1001, users=[home_agent])
        await assert_marker_comes_first(boss, 1002, users=[manager])
        for socket in (a, b, boss):
            await socket.disconnect()

    run_async(scenario)
