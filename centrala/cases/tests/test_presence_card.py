"""CASE-11 on the case card, two people at two computers: each sees who else has the case open;
when one saves, the other is told and offered a refresh, and nobody silently overwrites a save."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conftest import RENTAL_FORM, wait_for_socket

pytestmark = pytest.mark.browser
ALSO_HERE = "Also working on this case now: "


def open_card(page, case):
    page.goto(reverse("cases:card", args=[case.pk]))
    wait_for_socket(page)
    return page.locator("#case-presence")


def save_subject(page, subject):
    page.get_by_test_id("case-subject").fill(subject)
    page.get_by_test_id("case-save").click()


@pytest.fixture
def case(rental, contact, agent, make_case):
    return make_case(rental, contact, agent, form_data=RENTAL_FORM)


def test_each_sees_the_other_and_a_save_offers_a_refresh(browser_for, agent, home_agent, case):
    anna, olga = browser_for(agent), browser_for(home_agent)
    console_errors = []  # a CSP refusal or a script error shows up here
    anna.on("console", lambda message: message.type == "error" and console_errors.append(message.text))

    anna_notice = open_card(anna, case)
    expect(anna_notice).to_be_hidden()  # alone on the case: nothing to say
    olga_notice = open_card(olga, case)
    # Each sees the other, never themselves.
    expect(anna_notice).to_have_text(ALSO_HERE + "Homeagent Test")
    expect(olga_notice).to_have_text(ALSO_HERE + "Agent Test")

    save_subject(olga, "Van for the weekend")
    expect(olga.get_by_test_id("case-card")).to_have_attribute("data-version", str(case.version + 1))
    expect(anna_notice.locator("[data-presence=saved]")).to_contain_text("Saved in the meantime by: Homeagent Test")
    # Olga's own save is no news to her: her card moved on to the version she saved.
    expect(olga_notice).to_have_attribute("data-version", str(case.version + 1))
    expect(olga_notice).to_have_text(ALSO_HERE + "Agent Test")

    anna_notice.get_by_role("button", name="Refresh").click()
    expect(anna.get_by_test_id("case-subject")).to_have_value("Van for the weekend")
    expect(anna.locator("#case-presence [data-presence=saved]")).to_have_count(0)
    expect(anna.locator("#case-presence")).to_have_text(ALSO_HERE + "Homeagent Test")  # the new page watches again

    olga.close()  # closing the card (here: the whole tab) tells the others at once
    expect(anna.locator("#case-presence")).to_be_hidden()
    assert console_errors == []


def test_saving_over_the_offer_goes_through_the_conflict_and_then_clears_it(browser_for, agent, home_agent, case):
    anna, olga = browser_for(agent), browser_for(home_agent)
    anna_notice = open_card(anna, case)
    open_card(olga, case)
    expect(anna_notice).to_have_text(ALSO_HERE + "Homeagent Test")
    anna.get_by_test_id("case-subject").fill("Anna's subject")

    save_subject(olga, "Olga's subject")
    expect(anna_notice.locator("[data-presence=refresh]")).to_be_visible()

    # Anna saves anyway: she is shown what Olga changed first, and keeps hers knowingly.
    anna.get_by_test_id("case-save").click()
    expect(anna.get_by_test_id("conflict-panel")).to_contain_text("Olga's subject")
    anna.get_by_test_id("keep-mine").click()
    expect(anna.get_by_test_id("case-card")).to_have_attribute("data-outcome", "saved")
    # Her card now holds a version newer than Olga's save: nothing left to refresh.
    expect(anna_notice.locator("[data-presence=saved]")).to_have_count(0)
    expect(anna_notice).to_have_text(ALSO_HERE + "Homeagent Test")
    # And Olga, in turn, is offered Anna's save.
    expect(olga.locator("#case-presence [data-presence=saved]")).to_contain_text("Saved in the meantime by: Agent Test")
