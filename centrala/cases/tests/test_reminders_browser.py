"""Reminders in a real browser: the owner's open page hears about a private callback falling due."""

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from centrala.campaigns.models import Status
from centrala.cases.reminders import sweep_due_reminders
from conftest import wait_for_socket

pytestmark = pytest.mark.browser


def sweep(now):
    """Run the sweep as `serve` does: outside this thread, where Playwright's event loop runs."""
    from django.db import connection

    def run():
        try:
            return sweep_due_reminders(now=now)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result(timeout=30)


def test_a_private_callback_due_now_notifies_its_owner_in_the_browser(browser_for, agent, home_agent, rental,
                                                                      contact, make_case):
    due = timezone.now() + timedelta(seconds=1)
    case = make_case(rental, contact, agent, status=Status.objects.get(script=rental.script, name="Call back (me)"),
                     callback_at=due)
    owner, colleague = browser_for(agent), browser_for(home_agent)
    for page in (owner, colleague):
        page.goto("/")
        wait_for_socket(page)
        expect(page.get_by_test_id("bell-count")).to_have_text("0")

    assert sweep(due - timedelta(seconds=1)) == 0  # not yet
    assert sweep(due) == 1

    title = f"Callback due: #{case.pk} Jan Kowalski (Vehicle rental)"
    expect(owner.get_by_test_id("bell-count")).to_have_text("1")
    expect(owner.locator(".toast")).to_contain_text(title)
    owner.get_by_test_id("bell").click()
    owner.get_by_test_id("notification-list").get_by_text(title).click()
    owner.wait_for_url(re.compile(rf"/cases/{case.pk}/$"))
    # The colleague in the same campaign is not told about someone else's private callback.
    expect(colleague.get_by_test_id("bell-count")).to_have_text("0")
    expect(colleague.locator(".toast")).to_have_count(0)
