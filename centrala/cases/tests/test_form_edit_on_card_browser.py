"""FRM-02 across users: a manager edits the form in place on a case card; agents see it at once."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect


@pytest.mark.browser
def test_manager_renames_a_field_and_hides_a_choice_and_the_agents_card_shows_it(
    browser_for, manager, agent, rental, contact, make_case
):
    case = make_case(rental, contact, agent)
    card_url = reverse("cases:card", args=[case.pk])

    boss = browser_for(manager)
    boss.goto(card_url)
    boss.get_by_test_id("edit-form").click()
    vehicle = boss.locator("[data-field-key=vehicle_type]")
    title = vehicle.locator(".field-row input[name=title]")
    title.fill("Vehicle class")
    title.press("Enter")
    editor = boss.locator("[data-testid=form-editor]")
    expect(editor).to_have_attribute("data-form-version", "2")
    boss.locator("[data-choice-key=van]").get_by_role("button", name="Hide").click()
    expect(editor).to_have_attribute("data-form-version", "3")
    boss.get_by_test_id("editor-done").click()
    # Back on the card's Form tab, as agents see it.
    expect(boss.locator("[data-form-field=vehicle_type] label")).to_contain_text("Vehicle class")

    worker = browser_for(agent)
    worker.goto(card_url)
    field = worker.locator("[data-form-field=vehicle_type]")
    expect(field.locator("label")).to_contain_text("Vehicle class")
    options = field.locator("select option")
    expect(options.filter(has_text="Passenger car")).to_have_count(1)
    expect(options.filter(has_text="Van")).to_have_count(0)


@pytest.mark.browser
def test_an_open_case_shows_as_a_top_bar_tab_with_its_source(browser_for, agent, rental, contact, make_case):
    case = make_case(rental, contact, agent, source="email")
    page = browser_for(agent)
    page.goto(reverse("cases:card", args=[case.pk]))
    tab = page.locator("#card-tabs .card-tab").filter(has_text=f"#{case.pk}")
    expect(tab).to_have_count(1)
    expect(tab.locator(".source-icon.source-email")).to_have_count(1)
    page.goto("/")
    expect(page.locator("#card-tabs .card-tab").filter(has_text=f"#{case.pk}")).to_have_count(1)
