"""A filter's choices load when its menu opens (docs/performance.md): in a real browser, choosing
from one filter and then another keeps both, and the page shows what was chosen after a reload."""

import re

import pytest
from playwright.sync_api import expect

from centrala.campaigns.models import Status

from .test_engine import quick_case

pytestmark = pytest.mark.browser


def test_choices_load_when_a_menu_opens_and_filters_add_up(browser_for, manager, agent, rental, service, contact):
    new = rental.script.initial_status
    other = Status.objects.filter(script=rental.script).exclude(pk=new.pk).first()
    wanted = quick_case(rental, contact, owner=agent)
    quick_case(rental, contact, owner=agent, status=other)
    quick_case(rental, contact)  # nobody's
    quick_case(service, contact, owner=agent)
    page = browser_for(manager)
    page.goto("/cases/")
    page.wait_for_load_state()
    rows = page.locator("#list-results tbody tr[data-row-id]")
    expect(rows).to_have_count(4)

    owner = page.get_by_test_id("filter-owner")
    expect(owner.get_by_label("Agent Test", exact=True)).to_have_count(0)  # not in the page until the menu opens
    owner.locator("summary").click()
    owner.get_by_label("Agent Test", exact=True).check()
    expect(rows).to_have_count(3)
    expect(page).to_have_url(re.compile(rf"owner={agent.pk}"))

    status = page.get_by_test_id("filter-status")
    status.locator("summary").click()
    status.locator(f'input[value="{new.pk}"]').check()  # (both scripts have a status of that name)
    expect(rows).to_have_count(1)
    assert rows.first.get_attribute("data-row-id") == str(wanted.pk)
    expect(page).to_have_url(re.compile(rf"owner={agent.pk}.*status={new.pk}|status={new.pk}.*owner={agent.pk}"))
    expect(owner.locator("summary")).to_have_text("Owner: Agent Test")

    # After a reload the page holds the chosen values; opening the menu keeps them checked.
    page.reload()
    page.wait_for_load_state()
    expect(rows).to_have_count(1)
    owner = page.get_by_test_id("filter-owner")
    expect(owner.locator("summary")).to_have_text("Owner: Agent Test")
    owner.locator("summary").click()
    expect(owner.get_by_label("Homeagent Test", exact=True)).to_be_visible()
    expect(owner.get_by_label("Agent Test", exact=True)).to_be_checked()
    owner.get_by_label("Agent Test", exact=True).uncheck()
    expect(rows).to_have_count(2)  # the status filter alone: both new cases
