"""Live case presence over the socket (CASE-11): who has a case open, and who may learn it.

Driven through the whole ASGI stack like test_consumer.py. Absence of a message is proven with
a marker (assert_marker_comes_first), never by waiting.
"""

import json

import pytest
from asgiref.sync import sync_to_async

from centrala.accounts import actions as accounts
from centrala.accounts.models import Team
from centrala.cases import actions as cases
from centrala.cases.models import CaseViewer
from centrala.realtime import consumers
from centrala.realtime.tests.communicator import run_async
from centrala.realtime.tests.test_consumer import assert_marker_comes_first, next_event, signed_in

NAMES = {"agent": "Agent Test", "homeagent": "Homeagent Test", "manager": "Manager Test"}


@pytest.fixture
def rental_case(rental, contact, make_case, agent):
    return make_case(rental, contact, agent)


@pytest.fixture
def service_case(service, contact, make_case):
    """A case of a campaign nobody is assigned to: agents may not see it, managers may."""
    return make_case(service, contact)


async def watch(socket, case_id, kind="case.watch"):
    await socket.send_json_to({"type": kind, "case_id": case_id})


async def expect_viewers(socket, case_id, *usernames):
    event = await next_event(socket)
    assert event["type"] == "case.viewers", event
    assert event["payload"]["case_id"] == case_id
    assert [v["name"] for v in event["payload"]["viewers"]] == [NAMES[u] for u in usernames]
    return event["payload"]["viewers"]


async def expect_error(socket):
    event = await next_event(socket)
    assert event["type"] == "error", event
    assert event["payload"]["message"]
    return event["payload"]["message"]


def viewer_rows():
    return sorted(CaseViewer.objects.values_list("case_id", "user__username"))


async def rows():
    return await sync_to_async(viewer_rows)()


# --- watching a case one may see ----------------------------------------------------------------

def test_watchers_of_a_case_see_each_other_join_and_leave(
    agent, home_agent, rental_case, session_cookie, own_origin
):
    case_id = rental_case.pk
    a_cookie, b_cookie = session_cookie(agent), session_cookie(home_agent)

    async def scenario():
        a, _ = await signed_in(own_origin, a_cookie)
        b, _ = await signed_in(own_origin, b_cookie)

        await watch(a, case_id)
        viewers = await expect_viewers(a, case_id, "agent")
        assert viewers == [{"user_id": agent.pk, "name": "Agent Test"}]

        await watch(b, case_id)
        await expect_viewers(a, case_id, "agent", "homeagent")  # first opener first
        await expect_viewers(b, case_id, "agent", "homeagent")
        assert await rows() == [(case_id, "agent"), (case_id, "homeagent")]

        await watch(b, case_id, "case.unwatch")
        await expect_viewers(a, case_id, "agent")
        assert await rows() == [(case_id, "agent")]
        # b left the case's group: it hears nothing more about it.
        await watch(a, case_id)  # a heartbeat answers a alone
        await expect_viewers(a, case_id, "agent")
        await assert_marker_comes_first(b, 501, users=[home_agent])

        await a.disconnect()
        await b.disconnect()
        assert await rows() == []

    run_async(scenario)


def test_several_tabs_of_one_user_count_once_and_closing_one_keeps_the_user(
    agent, home_agent, rental_case, session_cookie, own_origin
):
    case_id = rental_case.pk
    a_cookie, b_cookie = session_cookie(agent), session_cookie(home_agent)

    async def scenario():
        a1, _ = await signed_in(own_origin, a_cookie)
        a2, _ = await signed_in(own_origin, a_cookie)
        b, _ = await signed_in(own_origin, b_cookie)
        await watch(b, case_id)
        await expect_viewers(b, case_id, "homeagent")
        await watch(a1, case_id)
        await expect_viewers(b, case_id, "homeagent", "agent")
        await expect_viewers(a1, case_id, "homeagent", "agent")
        await watch(a2, case_id)
        for socket in (b, a1, a2):
            await expect_viewers(socket, case_id, "homeagent", "agent")

        await a1.disconnect()
        for socket in (b, a2):  # agent still has the card open in the other tab
            await expect_viewers(socket, case_id, "homeagent", "agent")
        await a2.disconnect()
        await expect_viewers(b, case_id, "homeagent")
        assert await rows() == [(case_id, "homeagent")]
        await b.disconnect()

    run_async(scenario)


def test_a_save_of_the_case_reaches_its_watchers(agent, home_agent, rental_case, session_cookie, own_origin):
    case_id = rental_case.pk
    a_cookie = session_cookie(agent)

    async def scenario():
        a, _ = await signed_in(own_origin, a_cookie)
        await watch(a, case_id)
        await expect_viewers(a, case_id, "agent")
        await sync_to_async(cases.do_update_case)(
            home_agent, case_id, base_version=rental_case.version, changes={"subject": "Van for the weekend"}
        )
        event = await next_event(a)
        assert event["type"] == "case.updated"
        assert event["payload"] == {
            "case_id": case_id, "version": rental_case.version + 1, "changed": ["subject"],
            "by_user_id": home_agent.pk, "by_name": "Homeagent Test",
        }
        await a.disconnect()

    run_async(scenario)


# --- what must have no effect -----------------------------------------------------------------------

def test_watching_a_case_one_may_not_see_is_refused_and_tells_nobody(
    agent, manager, service_case, session_cookie, own_origin
):
    case_id = service_case.pk
    a_cookie, m_cookie = session_cookie(agent), session_cookie(manager)

    async def scenario():
        boss, _ = await signed_in(own_origin, m_cookie)
        await watch(boss, case_id)
        await expect_viewers(boss, case_id, "manager")

        intruder, _ = await signed_in(own_origin, a_cookie)
        await watch(intruder, case_id)
        assert await expect_error(intruder) == "Case not found."
        # The manager was not told, the agent joined nothing and left no trace.
        await assert_marker_comes_first(boss, 601, users=[manager])
        assert await rows() == [(case_id, "manager")]
        await watch(boss, case_id, "case.unwatch")
        await assert_marker_comes_first(intruder, 602, users=[agent])
        # Unwatching what was never watched changes nothing either.
        await watch(intruder, case_id, "case.unwatch")
        await assert_marker_comes_first(intruder, 603, users=[agent])
        for socket in (boss, intruder):
            await socket.disconnect()

    run_async(scenario)


def malformed_ids(existing):
    return [
        str(existing), f" {existing}", float(existing), True, None, -existing, 0,
        2**63, 10**40, [existing], {"id": existing}, "1; DROP TABLE cases_case", "",
    ]


def test_malformed_and_unknown_case_ids_get_an_error_and_change_nothing(
    agent, home_agent, rental_case, session_cookie, own_origin
):
    case_id = rental_case.pk
    a_cookie, b_cookie = session_cookie(agent), session_cookie(home_agent)

    async def scenario():
        watcher, _ = await signed_in(own_origin, b_cookie)
        await watch(watcher, case_id)
        await expect_viewers(watcher, case_id, "homeagent")

        attacker, _ = await signed_in(own_origin, a_cookie)
        for forged in malformed_ids(case_id):
            for kind in ("case.watch", "case.unwatch"):
                await watch(attacker, forged, kind)
                assert await expect_error(attacker) == "case_id must be a case number.", (kind, forged)
        for unknown in (case_id + 1, 2**63 - 1):
            await watch(attacker, unknown)
            assert await expect_error(attacker) == "Case not found."
        await attacker.send_json_to({"type": "case.watch"})  # no case_id at all
        await expect_error(attacker)
        await attacker.send_to(text_data=json.dumps({"type": "case.watch", "case_id": case_id})[:-1])
        await expect_error(attacker)

        await assert_marker_comes_first(watcher, 701, users=[home_agent])
        assert await rows() == [(case_id, "homeagent")]
        # Still a working socket afterwards.
        await watch(attacker, case_id)
        await expect_viewers(attacker, case_id, "homeagent", "agent")
        for socket in (watcher, attacker):
            await socket.disconnect()

    run_async(scenario)


def test_one_socket_may_watch_only_so_many_cases(
    agent, rental, contact, make_case, session_cookie, own_origin, monkeypatch
):
    monkeypatch.setattr(consumers, "MAX_WATCHED_CASES", 2)
    ids = [make_case(rental, contact, agent).pk for _ in range(3)]
    cookie = session_cookie(agent)

    async def scenario():
        socket, _ = await signed_in(own_origin, cookie)
        for case_id in ids[:2]:
            await watch(socket, case_id)
            await expect_viewers(socket, case_id, "agent")
        await watch(socket, ids[2])
        assert "at most 2" in await expect_error(socket)
        # A heartbeat for a watched case still works at the limit, and closing one frees a place.
        await watch(socket, ids[0])
        await expect_viewers(socket, ids[0], "agent")
        await watch(socket, ids[1], "case.unwatch")
        await watch(socket, ids[2])
        await expect_viewers(socket, ids[2], "agent")
        assert await rows() == [(ids[0], "agent"), (ids[2], "agent")]
        await socket.disconnect()

    run_async(scenario)


def test_a_flood_of_watch_messages_is_throttled(agent, rental_case, session_cookie, own_origin, monkeypatch):
    monkeypatch.setattr(consumers, "MAX_WATCH_MESSAGES_PER_MINUTE", 3)
    cookie = session_cookie(agent)

    async def scenario():
        socket, _ = await signed_in(own_origin, cookie)
        for _ in range(3):
            await watch(socket, rental_case.pk)
            await expect_viewers(socket, rental_case.pk, "agent")
        await watch(socket, rental_case.pk)
        assert "Too many" in await expect_error(socket)
        await socket.send_json_to({"type": "ping"})  # other messages are not throttled
        assert await next_event(socket) == {"type": "pong", "payload": {}}
        await socket.disconnect()

    run_async(scenario)


# --- losing access while watching ------------------------------------------------------------------

def test_leaving_the_team_that_gives_access_stops_the_watch(
    agent, manager, administrator, service_case, session_cookie, own_origin
):
    team = Team.objects.create(name="Service desk")
    team.members.set([agent])
    service_case.campaign.teams.add(team)
    case_id = service_case.pk
    a_cookie, m_cookie = session_cookie(agent), session_cookie(manager)

    async def scenario():
        a, _ = await signed_in(own_origin, a_cookie)
        boss, _ = await signed_in(own_origin, m_cookie)
        await watch(a, case_id)
        await expect_viewers(a, case_id, "agent")
        await watch(boss, case_id)
        await expect_viewers(a, case_id, "agent", "manager")
        await expect_viewers(boss, case_id, "agent", "manager")

        await sync_to_async(accounts.do_save_team)(administrator, team, name=team.name, description="", members=[])
        await expect_viewers(boss, case_id, "manager")
        assert await next_event(a) == {"type": "access.changed", "payload": {}}
        # The agent hears nothing more of the case's watchers.
        await watch(boss, case_id, "case.unwatch")
        # A socket handles its messages in order: the pong proves the unwatch was handled
        # (with the Redis layer the marker below can otherwise overtake it).
        await boss.send_json_to({"type": "ping"})
        assert await next_event(boss) == {"type": "pong", "payload": {}}
        await assert_marker_comes_first(a, 801, users=[agent])
        assert await rows() == []
        for socket in (a, boss):
            await socket.disconnect()

    run_async(scenario)


def test_a_heartbeat_after_being_taken_off_the_campaign_ends_the_watch(
    agent, home_agent, rental_case, session_cookie, own_origin
):
    case_id = rental_case.pk
    a_cookie, b_cookie = session_cookie(agent), session_cookie(home_agent)

    async def scenario():
        a, _ = await signed_in(own_origin, a_cookie)
        b, _ = await signed_in(own_origin, b_cookie)
        await watch(a, case_id)
        await expect_viewers(a, case_id, "agent")
        await watch(b, case_id)
        await expect_viewers(a, case_id, "agent", "homeagent")
        await expect_viewers(b, case_id, "agent", "homeagent")

        await sync_to_async(rental_case.campaign.agents.remove)(agent)
        await watch(a, case_id)  # the minute's heartbeat
        assert await expect_error(a) == "Case not found."
        await expect_viewers(b, case_id, "homeagent")
        assert await rows() == [(case_id, "homeagent")]
        for socket in (a, b):
            await socket.disconnect()

    run_async(scenario)
