"""The traffic journal and the client history in a real browser: filters swap the rows in place,
a row opens the traffic card, and the contact card loads the client's history."""

import re

import pytest
from playwright.sync_api import expect

from centrala.dealership.tests.test_journal import world  # noqa: F401  (the shared fixture)

pytestmark = pytest.mark.browser


def test_filter_the_journal_and_open_a_row(browser_for, world, manager):  # noqa: F811
    page = browser_for(manager)
    page.goto("/dealership/journal/")
    rows = page.locator("[data-testid=list-table] tbody tr[data-row-id]")
    expect(rows).to_have_count(4)
    page.get_by_test_id("filter-channel").locator("summary").click()
    page.get_by_test_id("filter-channel").get_by_label("Visit").check()
    expect(rows).to_have_count(2)
    expect(page.locator(f"tr[data-row-id='{world.rows.stranger.pk}']")).to_contain_text("Tall man, red jacket")
    assert "channel=visit" in page.url
    page.get_by_test_id("filter-client").fill("viktor")
    expect(rows).to_have_count(1)
    card = f"/dealership/traffic/{world.rows.visit.pk}/"
    page.locator(f"tr[data-row-id='{world.rows.visit.pk}'] a[href='{card}']").click()
    expect(page).to_have_url(re.compile(re.escape(card) + "$"))


def test_the_contact_card_shows_the_clients_history(browser_for, world, manager):  # noqa: F811
    page = browser_for(manager)
    page.goto(f"/contacts/{world.dmitry.pk}/")
    history = page.get_by_test_id("history-table")
    expect(history.locator("tr[data-history-kind]")).to_have_count(2)
    expect(history.locator("tr[data-history-kind=traffic]")).to_contain_text("Service. Car repair")
    expect(history.locator("tr[data-history-kind=document]")).to_contain_text(f"PB-{world.booking.pk}")
    expect(page.get_by_test_id("client-vehicles")).to_contain_text("WX 123AB")
