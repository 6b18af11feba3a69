"""The home dashboard in a real browser: it follows changes made elsewhere without a reload."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from centrala.activities.actions import do_add_note
from centrala.cases.actions import do_create_case
from conftest import wait_for_socket

pytestmark = pytest.mark.browser


def elsewhere(work):
    """Run `work` as another server process would: outside this thread, where Playwright's
    event loop runs (events are published from there after commit)."""
    from django.db import connection

    def run():
        try:
            return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result(timeout=30)


def test_the_dashboard_counts_new_cases_and_shows_new_activities_live(browser_for, agent, home_agent, rental,
                                                                       contact):
    page = browser_for(agent)
    refreshes = []
    page.on("request", lambda request: refreshes.append(request.url) if "/dashboard/" in request.url else None)
    page.goto("/")
    wait_for_socket(page)
    row = page.locator(f'[data-testid=dashboard-campaign][data-campaign-id="{rental.pk}"]')
    expect(row.get_by_test_id("new-today")).to_have_text("0")
    expect(page.get_by_test_id("no-activities")).to_be_visible()
    page.evaluate("window.centralaTestMark = 'same page'")

    # A colleague takes five calls in a row: one refresh shows them all.
    cases = elsewhere(lambda: [do_create_case(home_agent, campaign=rental, contact=contact) for _ in range(5)])
    expect(row.get_by_test_id("new-today")).to_have_text("5")
    expect(row.get_by_test_id("open")).to_have_text("5")
    expect(row.locator('[data-stage="unused"]')).to_contain_text("5")
    assert len(refreshes) <= 2

    # The agent writes a note in another tab: it shows among their recent activities.
    elsewhere(lambda: do_add_note(agent, cases[0].pk, "Customer will call back after lunch"))
    activities = page.get_by_test_id("recent-activities")
    expect(activities).to_contain_text("Customer will call back after lunch")
    expect(activities.locator(f'a[href="/cases/{cases[0].pk}/"]')).to_be_visible()
    assert page.evaluate("window.centralaTestMark") == "same page"

    page.get_by_test_id("dashboard").locator(f'a[href="/cases/{cases[0].pk}/"]').click()
    page.wait_for_url(f"**/cases/{cases[0].pk}/")
