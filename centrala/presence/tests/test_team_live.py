"""Two people at two computers: an agent switches status, the manager's team page follows live."""

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from centrala.accounts.models import Team
from centrala.presence.actions import day_bounds, day_summary, do_set_presence
from centrala.presence.models import PresenceChange
from conftest import wait_for_socket


def set_presence(*args, **kwargs):
    """do_set_presence from another thread: Playwright's event loop runs in this one, and the
    event sent after the change cannot be pushed from a thread with a running loop."""
    def run():
        try:
            return do_set_presence(*args, **kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


@pytest.mark.browser
def test_manager_sees_agent_go_on_break_without_reload(browser_for, manager, agent, presence_statuses):
    available, on_break = presence_statuses["available"], presence_statuses["break"]
    # The agent signed in five minutes ago and got the status set after login (within
    # PRESENCE_IDLE_MINUTES, so the team page does not sign them out as idle).
    set_presence(agent, available, at=timezone.now() - timedelta(minutes=5))

    board = browser_for(manager)
    console_errors = []  # a CSP refusal or a script error shows up here
    board.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    board.goto("/presence/team/")
    row = board.locator(f'tr[data-user-id="{agent.pk}"]')
    expect(row.locator('[data-role="status"]')).to_have_text("Available")
    expect(board.get_by_test_id("count-break")).to_have_text("0")
    wait_for_socket(board)
    # Mark the document: if the page reloaded, the mark would be gone.
    board.evaluate("window.__notReloaded = true")
    started = row.locator('[data-role="since"]').get_attribute("data-since")

    desk = browser_for(agent)
    desk.goto("/")
    expect(desk.get_by_test_id("presence-status")).to_have_value(str(available.pk))
    desk.get_by_test_id("presence-status").select_option(label="Break")
    expect(desk.locator("#presence-switch")).to_have_class("presence-switch kind-break")

    expect(row.locator('[data-role="status"]')).to_have_text("Break")
    expect(row.locator('[data-role="pill"]')).to_have_class("pill kind-break")
    expect(row).to_have_attribute("data-kind", "break")
    expect(row.locator('[data-role="queue"]')).to_have_text("")
    expect(board.get_by_test_id("count-break")).to_have_text("1")
    expect(row.locator('[data-role="since"]')).not_to_have_attribute("data-since", started)
    expect(row.locator('[data-role="since"]')).to_have_text(re.compile(r"^0:00:\d\d$"))  # restarted
    assert board.evaluate("window.__notReloaded") is True
    assert console_errors == []

    # History: ten minutes of work, then the break the agent is still on.
    work_change, break_change = PresenceChange.objects.filter(user=agent).order_by("at")
    assert (work_change.status, break_change.status) == (available, on_break)
    now = break_change.at + timedelta(minutes=5)
    day = timezone.localdate(break_change.at)
    start, end = day_bounds(day)
    totals = day_summary([agent], day, now=now)[agent.pk]
    assert totals["work"] == int((break_change.at - max(work_change.at, start)).total_seconds()) > 0
    assert totals["break"] == int((min(now, end) - break_change.at).total_seconds()) > 0
    assert totals["statuses"] == {available.pk: totals["work"], on_break.pk: totals["break"]}


@pytest.mark.browser
def test_team_filter_swaps_the_board_and_timers_keep_ticking(browser_for, manager, agent, home_agent,
                                                              presence_statuses):
    team_a = Team.objects.create(name="Team A")
    agent.teams.add(team_a)
    set_presence(agent, presence_statuses["available"])

    board = browser_for(manager)
    board.goto("/presence/team/")
    expect(board.locator("tr[data-user-id]")).to_have_count(3)  # manager, agent, home agent
    board.get_by_label("Team").select_option(label="Team A")

    expect(board.locator("tr[data-user-id]")).to_have_count(1)
    expect(board).to_have_url(re.compile(rf"\?team={team_a.pk}$"))
    expect(board.get_by_test_id("count-work")).to_have_text("1")
    expect(board.get_by_test_id("count-off")).to_have_text("0")
    timer = board.locator(f'tr[data-user-id="{agent.pk}"] time[data-since]')
    shown = timer.inner_text()
    expect(timer).not_to_have_text(shown)  # ticks in the browser, no request needed
