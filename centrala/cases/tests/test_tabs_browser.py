"""Several cards open at once as tabs in the top bar (seed 001), and the shell on a tablet."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_several_cards_stay_open_as_tabs_and_one_closes_alone(browser_for, agent, rental, contact, make_case):
    first, second = make_case(rental, contact, agent), make_case(rental, contact, agent)
    page = browser_for(agent)
    for case in (first, second):
        page.goto(f"/cases/{case.pk}/")
        expect(page.get_by_test_id("case-card")).to_be_visible()
    page.goto(f"/contacts/{contact.pk}/")
    tabs = page.locator("#card-tabs .card-tab")
    expect(tabs).to_have_count(3)
    expect(tabs.filter(has_text="Jan Kowalski").last).to_have_attribute("aria-current", "page")

    # A tab opens its card; the other tabs stay, and the card just used comes last.
    page.locator("#card-tabs .card-tab", has_text=f"#{first.pk}").get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/cases/{first.pk}/$"))
    expect(tabs).to_have_count(3)
    expect(tabs.nth(0)).to_contain_text(f"#{second.pk}")
    expect(tabs.nth(2)).to_contain_text(f"#{first.pk}")
    expect(page.locator("#card-tabs .card-tab", has_text=f"#{first.pk}")).to_have_attribute("aria-current", "page")

    # Closing another card's tab leaves this card and the other tabs alone.
    page.locator("#card-tabs .card-tab", has_text=f"#{second.pk}").get_by_role("button").click()
    expect(tabs).to_have_count(2)
    expect(page).to_have_url(re.compile(rf"/cases/{first.pk}/$"))
    # ... and they are still there on the next page.
    page.goto("/")
    expect(tabs).to_have_count(2)


def test_on_a_tablet_the_menu_opens_from_the_top_bar_and_pages_fit(browser_for, agent, rental, contact, make_case):
    case = make_case(rental, contact, agent)
    page = browser_for(agent)
    page.set_viewport_size({"width": 768, "height": 1024})
    page.goto(f"/cases/{case.pk}/")
    sidebar = page.locator("#sidebar")
    expect(sidebar).not_to_be_in_viewport()  # folded away, the card gets the width
    page.get_by_role("button", name="Menu").click()
    expect(sidebar).to_be_in_viewport()
    expect(sidebar.get_by_role("link").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 768  # nothing runs off the side
