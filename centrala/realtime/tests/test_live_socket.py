"""The same guarantees over a real network socket, against the live uvicorn server."""

import json

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

TIMEOUT = 10


def _ws_url(live_asgi):
    return live_asgi.url.replace("http://", "ws://") + "/ws/events/"


def _open(live_asgi, cookie=None, origin=None):
    headers = {"Cookie": cookie} if cookie else None
    return connect(_ws_url(live_asgi), origin=origin or live_asgi.url, additional_headers=headers,
                   open_timeout=TIMEOUT, close_timeout=TIMEOUT)


def _next(socket):
    return json.loads(socket.recv(timeout=TIMEOUT))


def test_an_anonymous_socket_is_closed_with_4401(live_asgi):
    with _open(live_asgi) as socket, pytest.raises(ConnectionClosed) as closed:
        socket.recv(timeout=TIMEOUT)
    # 4401 reaches the client as a close frame, so the page knows not to reconnect.
    assert closed.value.rcvd.code == 4401


def test_a_foreign_origin_is_refused_at_the_handshake(live_asgi, agent, session_cookie):
    with pytest.raises(InvalidStatus) as refused:
        _open(live_asgi, session_cookie(agent), origin="https://evil.example")
    assert refused.value.response.status_code == 403


def test_a_signed_in_user_is_greeted_and_forged_messages_are_refused(live_asgi, agent, session_cookie):
    with _open(live_asgi, session_cookie(agent)) as socket:
        assert _next(socket) == {"type": "hello", "payload": {"user_id": agent.pk}}
        for message in [
            json.dumps({"type": "subscribe", "group": "user.1"}),
            "not json",
            json.dumps({"type": "ping", "padding": "x" * 100_000}),
            b"\x00binary",
        ]:
            socket.send(message)
            assert _next(socket)["type"] == "error"
        socket.send(json.dumps({"type": "ping"}))
        assert _next(socket) == {"type": "pong", "payload": {}}
