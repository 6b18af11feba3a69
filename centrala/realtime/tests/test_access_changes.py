"""Open sockets follow access changes at once: deactivation closes them, team changes regroup them."""

from asgiref.sync import sync_to_async

from centrala.accounts import actions as accounts
from centrala.accounts.models import Team
from centrala.realtime.tests.communicator import run_async
from centrala.realtime.tests.test_consumer import (
    TIMEOUT,
    assert_marker_comes_first,
    next_event,
    send_unread,
    signed_in,
)


def test_deactivating_a_user_closes_their_open_sockets(agent, administrator, session_cookie, own_origin):
    cookie = session_cookie(agent)

    async def scenario():
        socket, _ = await signed_in(own_origin, cookie)
        await sync_to_async(accounts.do_update_user)(administrator, agent, is_active=False)
        closing = await socket.receive_output(TIMEOUT)
        assert closing["type"] == "websocket.close" and closing["code"] == 4401

    run_async(scenario)


def test_joining_and_leaving_a_team_changes_what_an_open_socket_receives(
    agent, administrator, session_cookie, own_origin
):
    sales = Team.objects.create(name="Sales")
    cookie = session_cookie(agent)

    async def scenario():
        socket, _ = await signed_in(own_origin, cookie)
        await sync_to_async(accounts.do_save_team)(
            administrator, sales, name="Sales", description="", members=[agent]
        )
        assert await next_event(socket) == {"type": "access.changed", "payload": {}}
        await send_unread(7, teams=[sales])
        assert await next_event(socket) == {"type": "notification.unread", "payload": {"unread_count": 7}}

        await sync_to_async(accounts.do_save_team)(administrator, sales, name="Sales", description="", members=[])
        assert await next_event(socket) == {"type": "access.changed", "payload": {}}
        await send_unread(8, teams=[sales])  # must not arrive any more
        await assert_marker_comes_first(socket, 9, users=[agent])
        await socket.disconnect()

    run_async(scenario)


def test_a_role_change_moves_an_open_socket_to_the_new_role_group(agent, administrator, session_cookie, own_origin):
    cookie = session_cookie(agent)

    async def scenario():
        socket, _ = await signed_in(own_origin, cookie)
        await sync_to_async(accounts.do_update_user)(administrator, agent, role="manager")
        assert await next_event(socket) == {"type": "access.changed", "payload": {}}
        await send_unread(1, roles=["agent"])  # the old role's group: not any more
        await send_unread(2, roles=["manager"])
        assert await next_event(socket) == {"type": "notification.unread", "payload": {"unread_count": 2}}
        await socket.disconnect()

    run_async(scenario)
