"""The in-place form editor in a real browser: each edit saves at once, and a reload shows it."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect


@pytest.mark.browser
def test_manager_renames_a_field_and_hides_a_choice(browser_for, manager, rental):
    form = rental.script.form
    page = browser_for(manager)
    page.goto(reverse("campaigns:form_edit_page", args=[form.pk]))
    editor = page.locator("[data-testid=form-editor]")
    expect(editor).to_have_attribute("data-form-version", "1")

    vehicle = page.locator("[data-field-key=vehicle_type]")
    title = vehicle.locator(".field-row input[name=title]")
    title.fill("Vehicle class")
    title.press("Enter")
    expect(editor).to_have_attribute("data-form-version", "2")
    expect(page.locator("[data-testid=editor-saved]")).to_be_visible()

    van = page.locator("[data-choice-key=van]")
    van.get_by_role("button", name="Hide").click()
    expect(van).to_have_class("editor-choice is-hidden")
    expect(editor).to_have_attribute("data-form-version", "3")

    page.reload()
    expect(page.locator("[data-field-key=vehicle_type] .field-row input[name=title]")).to_have_value("Vehicle class")
    expect(page.locator("[data-choice-key=van]")).to_have_class("editor-choice is-hidden")
    expect(page.locator("[data-choice-key=van]").get_by_role("button", name="Show")).to_be_visible()

    # "Done" swaps the editor for the form as agents see it: the new title, no Van.
    page.get_by_test_id("editor-done").click()
    preview = page.locator("[data-testid=form-preview]")
    expect(preview).to_contain_text("Vehicle class")
    expect(preview).to_contain_text("Passenger car")
    expect(preview.get_by_text("Van", exact=True)).to_have_count(0)
    # ... and its "Edit the form" button brings the editor back in place.
    page.get_by_test_id("preview-edit").click()
    expect(page.locator("[data-testid=form-editor]")).to_be_visible()

    form.refresh_from_db()
    assert form.version == 3
    assert form.fields.get(key="vehicle_type").label == "Vehicle class"
    assert form.fields.get(key="vehicle_type").choices.get(key="van").hidden


@pytest.mark.browser
def test_manager_adds_a_button_and_toggles_required(browser_for, manager, rental):
    form = rental.script.form
    page = browser_for(manager)
    page.goto(reverse("campaigns:form_edit_page", args=[form.pk]))
    editor = page.locator("[data-testid=form-editor]")
    add = page.get_by_test_id("add-button")
    add.get_by_label("Title").fill("Check availability")
    add.get_by_label("Sets status").select_option(label="Waiting for availability")
    add.get_by_role("button", name="Add button").click()
    expect(page.locator("[data-field-key=check_availability]")).to_be_visible()

    notes = page.locator("[data-field-key=notes]")
    notes.get_by_label("Required for saving").check()
    expect(editor).to_have_attribute("data-form-version", "3")
    expect(page.locator("[data-field-key=notes]").get_by_label("Required for saving")).to_be_checked()

    assert form.fields.get(key="notes").required
    assert form.fields.get(key="check_availability").sets_status.name == "Waiting for availability"
