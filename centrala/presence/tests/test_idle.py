"""Users who close the browser without signing out are signed out at their last sign of life."""

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from centrala.presence import actions
from centrala.presence.models import CurrentPresence, PresenceChange
from centrala.realtime.tests.communicator import run_async
from centrala.realtime.tests.conftest import own_origin, session_cookie  # noqa: F401 (fixtures)
from centrala.realtime.tests.test_consumer import next_event, signed_in


def test_an_idle_user_is_signed_out_at_the_last_sign_of_life(agent, presence_statuses):
    start = timezone.now() - timedelta(hours=3)
    actions.do_set_presence(agent, presence_statuses["available"], at=start)
    last_seen = start + timedelta(minutes=50)
    actions.touch(agent.pk, at=last_seen)

    assert actions.sign_out_idle(now=start + timedelta(hours=3), idle_minutes=10) == 1
    assert CurrentPresence.objects.get(user=agent).status is None
    last = PresenceChange.objects.filter(user=agent).latest("at")
    assert last.status is None and last.at == last_seen
    # The day's work time ends when the pages went quiet, not when someone looked.
    day = timezone.localtime(start).date()
    summary = actions.day_summary([agent], day, now=start + timedelta(hours=3))[agent.pk]
    assert summary["work"] <= 50 * 60


def test_a_user_seen_recently_or_never_seen_by_a_socket_stays(agent, home_agent, presence_statuses):
    now = timezone.now()
    actions.do_set_presence(agent, presence_statuses["available"], at=now - timedelta(hours=1))
    actions.touch(agent.pk, at=now - timedelta(minutes=3))
    assert actions.sign_out_idle(now=now, idle_minutes=10) == 0
    assert CurrentPresence.objects.get(user=agent).status == presence_statuses["available"]


def test_a_status_change_counts_as_a_sign_of_life(agent, presence_statuses):
    now = timezone.now()
    actions.do_set_presence(agent, presence_statuses["available"], at=now - timedelta(hours=2))
    actions.touch(agent.pk, at=now - timedelta(hours=2))
    actions.do_set_presence(agent, presence_statuses["break"], at=now - timedelta(minutes=1))
    assert actions.sign_out_idle(now=now, idle_minutes=10) == 0


def test_the_team_page_and_the_command_sweep(client_for, manager, agent, presence_statuses, settings):
    settings.PRESENCE_IDLE_MINUTES = 10
    past = timezone.now() - timedelta(hours=2)
    actions.do_set_presence(agent, presence_statuses["available"], at=past)
    client_for(manager).get("/presence/team/")
    assert CurrentPresence.objects.get(user=agent).status is None

    actions.do_set_presence(agent, presence_statuses["available"], at=past)
    call_command("presence_sweep")
    assert CurrentPresence.objects.get(user=agent).status is None


def test_the_socket_is_a_sign_of_life_and_brings_an_idle_user_back(
    agent, presence_statuses, session_cookie, own_origin
):
    past = timezone.now() - timedelta(hours=2)
    actions.do_set_presence(agent, presence_statuses["available"], at=past)
    actions.do_set_presence(agent, None, at=past + timedelta(minutes=30))  # signed out as idle
    cookie = session_cookie(agent)

    async def scenario():
        socket, _ = await signed_in(own_origin, cookie)
        back = await next_event(socket)  # the user's own pages hear about the new status
        assert back["type"] == "presence.changed" and back["payload"]["status_id"] == presence_statuses["available"].pk
        await socket.send_json_to({"type": "ping"})
        assert await next_event(socket) == {"type": "pong", "payload": {}}
        await socket.disconnect()

    run_async(scenario)
    current = CurrentPresence.objects.get(user=agent)
    assert current.status == presence_statuses["available"]  # signed back in with the default
    assert current.last_seen > past + timedelta(minutes=30)
