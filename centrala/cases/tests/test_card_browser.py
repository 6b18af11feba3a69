"""The case card in a real browser: "+", saving, the campaign warning, drafts, closing, conflicts."""

import re

import pytest
from playwright.sync_api import expect

from centrala.cases import actions
from centrala.cases.models import Case, CaseDraft
from conftest import RENTAL_FORM, wait_for_socket

pytestmark = pytest.mark.browser
HOME = re.compile(r"^http://[^/]+/$")


def fill_rental_form(page):
    page.locator("#field-vehicle-type").select_option("van")
    page.locator("#field-pickup-at").fill("2026-12-01T09:00")
    page.locator("#field-pickup-place").fill("Warszawa, Okęcie")
    page.locator("#field-return-at").fill("2026-12-05T18:00")


def test_an_agent_creates_a_case_with_plus_fills_it_saves_and_sees_it_again(browser_for, agent, rental, contact):
    page = browser_for(agent)
    page.goto("/")
    page.get_by_test_id("topbar-new-case").click()
    expect(page).to_have_url(re.compile(r"/cases/new/$"))
    page.get_by_test_id("contact-search").fill("Kowal")
    page.locator(f'[data-contact-suggestions] button[data-contact-id="{contact.pk}"]').click()
    expect(page.get_by_test_id("picked-contact")).to_have_text("Jan Kowalski")
    page.get_by_test_id("create-submit").click()

    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get()
    assert case.owner == agent and case.source == "outbound"
    expect(page.locator("#card-tabs")).to_contain_text(f"#{case.pk} Jan Kowalski")
    expect(page.get_by_test_id("case-source")).to_contain_text("Outbound campaign")
    fill_rental_form(page)
    page.locator("#field-notes").fill("Needs a tow bar")
    expect(page.locator('[data-header-field="form.vehicle_type"] [data-header-value]')).to_have_text("Van")
    page.get_by_test_id("case-save").click()
    expect(page.get_by_test_id("case-card")).to_have_attribute("data-outcome", "saved")
    expect(page.locator(".toast")).to_contain_text("Case saved.")

    case.refresh_from_db()
    assert case.form_data["vehicle_type"] == "van" and case.form_data["notes"] == "Needs a tow bar"
    assert not CaseDraft.objects.exists()
    page.goto(f"/cases/{case.pk}/")
    expect(page.locator("#field-vehicle-type")).to_have_value("van")
    expect(page.locator("#field-pickup-place")).to_have_value("Warszawa, Okęcie")
    expect(page.locator("#field-notes")).to_have_value("Needs a tow bar")
    expect(page.get_by_test_id("draft-notice")).to_be_hidden()


def test_changing_the_campaign_warns_then_sets_the_initial_status_and_the_new_form(
        browser_for, agent, rental, service, contact, make_case):
    service.agents.add(agent)
    case = make_case(rental, contact, agent, form_data=RENTAL_FORM)
    page = browser_for(agent)
    page.goto(f"/cases/{case.pk}/")

    page.get_by_test_id("case-campaign").select_option(str(service.pk))
    dialog = page.get_by_test_id("campaign-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Customer service")
    expect(dialog).to_contain_text("New ticket")
    expect(dialog).to_contain_text("all data entered in the current form will be lost")
    page.get_by_test_id("campaign-cancel").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("case-campaign")).to_have_value(str(rental.pk))  # reverted
    assert Case.objects.get(pk=case.pk).campaign == rental

    page.get_by_test_id("case-campaign").select_option(str(service.pk))
    page.get_by_test_id("campaign-confirm").click()
    expect(page.get_by_test_id("case-card")).to_have_attribute("data-outcome", "saved")
    expect(page.get_by_test_id("case-status").locator("option:checked")).to_have_text("New ticket")
    expect(page.get_by_test_id("form-tab")).to_contain_text("Category")
    expect(page.get_by_test_id("form-tab")).not_to_contain_text("Vehicle type")
    case.refresh_from_db()
    assert case.campaign == service and case.status == service.script.initial_status and case.form_data == {}


def test_an_unsaved_edit_survives_closing_the_tab(browser_for, agent, rental, contact, make_case):
    case = make_case(rental, contact, agent)
    page = browser_for(agent)
    page.goto(f"/cases/{case.pk}/")
    page.locator("#field-notes").fill("Customer asks for a van with a tow bar")
    page.get_by_test_id("case-subject").fill("Van with a tow bar")
    expect(page.locator("[data-draft-state]")).to_have_text("Draft saved")
    context = page.context
    page.close()

    page = context.new_page()
    page.goto(f"/cases/{case.pk}/")
    expect(page.get_by_test_id("draft-notice")).to_be_visible()
    expect(page.get_by_test_id("draft-notice")).to_contain_text("Unsaved changes restored")
    expect(page.locator("#field-notes")).to_have_value("Customer asks for a van with a tow bar")
    expect(page.get_by_test_id("case-subject")).to_have_value("Van with a tow bar")
    assert Case.objects.get(pk=case.pk).subject == "Jan Kowalski (Vehicle rental)"

    # "Discard draft" goes back to the saved case.
    page.get_by_test_id("discard-draft").click()
    expect(page.get_by_test_id("draft-notice")).to_be_hidden()
    expect(page.locator("#field-notes")).to_have_value("")
    assert not CaseDraft.objects.exists()


def test_typing_offline_is_kept_in_the_browser_and_restored(browser_for, agent, rental, contact, make_case):
    case = make_case(rental, contact, agent)
    page = browser_for(agent)
    page.goto(f"/cases/{case.pk}/")
    page.route("**/draft/", lambda route: route.abort())  # the server cannot be reached
    page.locator("#field-notes").fill("Typed while offline")
    expect(page.locator("[data-draft-state]")).to_contain_text("Draft kept on this computer")
    context = page.context
    page.close()
    assert not CaseDraft.objects.exists()

    page = context.new_page()
    page.goto(f"/cases/{case.pk}/")
    expect(page.locator("#field-notes")).to_have_value("Typed while offline")
    expect(page.get_by_test_id("draft-notice")).to_be_visible()
    expect(page.locator("[data-draft-state]")).to_have_text("Draft saved")  # and now the server has it
    assert CaseDraft.objects.get(case=case, user=agent).data["form.notes"] == ["Typed while offline"]


def test_an_empty_required_field_blocks_the_save_and_closing_unsaved_changes_asks(
        browser_for, agent, rental, contact, make_case):
    case = make_case(rental, contact, agent)
    page = browser_for(agent)
    page.goto(f"/cases/{case.pk}/")
    expect(page.locator('label[for="field-vehicle-type"] .asterisk')).to_be_visible()
    page.locator("#field-pickup-place").fill("Kraków")
    page.get_by_test_id("case-save").click()
    errors = page.get_by_test_id("case-errors")
    expect(errors).to_contain_text("“Vehicle type” is required.")
    expect(page.locator("#field-vehicle-type-error")).to_have_text("“Vehicle type” is required.")
    expect(page.locator("#field-pickup-place")).to_have_value("Kraków")  # nothing typed is lost
    assert Case.objects.get(pk=case.pk).form_data == {}

    # The card's × asks; "keep editing" stays.
    page.get_by_test_id("case-close").click()
    close_dialog = page.get_by_test_id("close-dialog")
    expect(close_dialog).to_be_visible()
    page.get_by_test_id("close-keep").click()
    expect(close_dialog).to_be_hidden()
    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/$"))

    # The tab's × in the top bar asks the same; "discard" closes and forgets the draft.
    page.locator("#card-tabs .card-tab", has_text=f"#{case.pk}").get_by_role("button").click()
    expect(close_dialog).to_be_visible()
    page.get_by_test_id("close-discard").click()
    expect(page).to_have_url(HOME)
    expect(page.locator("#card-tabs")).not_to_contain_text(f"#{case.pk}")
    assert not CaseDraft.objects.exists()


def test_a_stale_save_shows_the_conflict_and_keep_mine_saves(browser_for, agent, home_agent, rental, contact, make_case):
    case = make_case(rental, contact, agent, form_data=RENTAL_FORM)
    page = browser_for(agent)
    page.goto(f"/cases/{case.pk}/")
    page.get_by_test_id("case-subject").fill("My subject")
    actions.do_update_case(home_agent, case.pk, base_version=case.version,
                           changes={"subject": "Their subject", "priority": 3})
    page.get_by_test_id("case-save").click()
    panel = page.get_by_test_id("conflict-panel")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("Their subject")
    expect(panel).to_contain_text("My subject")
    expect(panel).to_contain_text("Urgent")
    expect(page.get_by_test_id("case-subject")).to_have_value("My subject")
    assert Case.objects.get(pk=case.pk).subject == "Their subject"

    page.get_by_test_id("keep-mine").click()
    expect(page.get_by_test_id("case-card")).to_have_attribute("data-outcome", "saved")
    case.refresh_from_db()
    assert case.subject == "My subject" and case.priority == 3
    expect(page.get_by_test_id("case-priority")).to_have_value("3")


def test_a_form_button_sets_its_status_and_saves(browser_for, agent, rental, contact, make_case):
    case = make_case(rental, contact, agent, form_data=RENTAL_FORM)
    page = browser_for(agent)
    page.goto(f"/cases/{case.pk}/")
    page.get_by_test_id("form-button-booked").click()
    expect(page.get_by_test_id("case-card")).to_have_attribute("data-outcome", "saved")
    expect(page.get_by_test_id("case-status")).to_have_class(re.compile("status-type-success"))
    assert Case.objects.get(pk=case.pk).status.name == "Booked"


def test_a_picked_callback_status_asks_for_the_time(browser_for, agent, rental, contact, make_case):
    case = make_case(rental, contact, agent, form_data=RENTAL_FORM)
    page = browser_for(agent)
    page.goto(f"/cases/{case.pk}/")
    callback = page.get_by_test_id("case-callback")
    expect(callback).to_be_hidden()
    page.get_by_test_id("case-status").select_option(label="Call back (me)")
    expect(callback).to_be_visible()
    callback.fill("2026-12-24T10:30")
    page.get_by_test_id("case-save-close").click()
    expect(page).to_have_url(HOME)
    case.refresh_from_db()
    assert case.status.name == "Call back (me)" and case.callback_at is not None


def test_refresh_with_unsaved_changes_shows_their_values_beside_mine(
        browser_for, agent, home_agent, rental, contact, make_case):
    case = make_case(rental, contact, agent, form_data=RENTAL_FORM)
    anna, olga = browser_for(agent), browser_for(home_agent)
    for page in (anna, olga):
        page.goto(f"/cases/{case.pk}/")
        wait_for_socket(page)
    anna.locator("#field-notes").fill("Typed by Anna")
    olga.get_by_test_id("case-subject").fill("Saved by Olga")
    olga.get_by_test_id("case-save").click()
    expect(olga.get_by_test_id("case-card")).to_have_attribute("data-outcome", "saved")

    anna.locator("#case-presence").get_by_role("button", name="Refresh").click()
    panel = anna.get_by_test_id("conflict-panel")
    expect(panel).to_contain_text("Saved by Olga")
    expect(anna.locator("#field-notes")).to_have_value("Typed by Anna")
    anna.get_by_test_id("keep-mine").click()
    expect(anna.get_by_test_id("case-card")).to_have_attribute("data-outcome", "saved")
    case.refresh_from_db()
    assert case.subject == "Saved by Olga" and case.form_data["notes"] == "Typed by Anna"


def test_switching_to_another_contact_and_adding_a_new_one(browser_for, agent, rental, contact, make_contact, make_case):
    anna = make_contact("Anna", "Nowak", phones=["+48 500 100 200"])
    case = make_case(rental, contact, agent, form_data=RENTAL_FORM)
    page = browser_for(agent)
    page.goto(f"/cases/{case.pk}/")

    page.get_by_test_id("contact-switch").click()
    page.get_by_test_id("contact-search").fill("500 100")
    page.locator(f'#case-contact [data-contact-suggestions] button[data-contact-id="{anna.pk}"]').click()
    expect(page.get_by_test_id("contact-name")).to_have_text("Anna Nowak")
    expect(page.get_by_test_id("contact-changed")).to_be_visible()
    page.get_by_test_id("case-save").click()
    expect(page.get_by_test_id("case-card")).to_have_attribute("data-outcome", "saved")
    assert Case.objects.get(pk=case.pk).contact == anna
    expect(page.locator("#card-tabs")).to_contain_text(f"#{case.pk} Anna Nowak")

    page.get_by_test_id("contact-new").click()
    dialog = page.get_by_test_id("contact-dialog")
    expect(dialog).to_be_visible()
    dialog.locator('[data-kind="person"]').click()
    dialog.locator("[name=first_name]").fill("Piotr")
    dialog.locator("[name=last_name]").fill("Zieliński")
    dialog.locator("button[type=submit]").first.click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("contact-name")).to_have_text("Piotr Zieliński")
    page.get_by_test_id("case-save").click()
    expect(page.get_by_test_id("case-card")).to_have_attribute("data-version", "3")
    assert str(Case.objects.get(pk=case.pk).contact) == "Piotr Zieliński"


def test_the_number_copies_and_the_activities_tab_loads_when_opened(browser_for, agent, rental, contact, make_case):
    case = make_case(rental, contact, agent)
    page = browser_for(agent)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"/cases/{case.pk}/")
    page.get_by_test_id("case-number").click()
    expect(page.locator(".toast")).to_contain_text("Case number copied.")
    assert page.evaluate("navigator.clipboard.readText()") == str(case.pk)

    expect(page.locator("#activities-tab")).to_be_hidden()
    page.get_by_test_id("tab-activities").click()
    expect(page.locator("#activities-tab [data-testid=timeline]")).to_contain_text("Case created")
    expect(page.get_by_test_id("form-tab")).to_be_hidden()


def test_a_manager_edits_the_form_in_place_and_keeps_what_was_typed(browser_for, manager, rental, contact, make_case):
    case = make_case(rental, contact, manager, form_data=RENTAL_FORM)
    page = browser_for(manager)
    page.goto(f"/cases/{case.pk}/")
    page.locator("#field-notes").fill("Typed before editing the form")
    page.get_by_test_id("edit-form").click()
    expect(page.get_by_test_id("form-editor")).to_be_visible()
    page.get_by_test_id("editor-done").click()
    expect(page.get_by_test_id("form-tab")).to_be_visible()
    expect(page.locator("#field-notes")).to_have_value("Typed before editing the form")
    page.get_by_test_id("case-save").click()
    expect(page.get_by_test_id("case-card")).to_have_attribute("data-outcome", "saved")
    assert Case.objects.get(pk=case.pk).form_data["notes"] == "Typed before editing the form"


def test_a_header_with_many_fields_expands_and_collapses(browser_for, agent, rental, contact, make_case):
    from centrala.campaigns.models import FormField

    for i in range(12):
        FormField.objects.create(form=rental.script.form, key=f"extra_{i}", label=f"Extra {i}", kind="text",
                                 in_header=True, position=200 + i)
    case = make_case(rental, contact, agent)
    page = browser_for(agent)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/cases/{case.pk}/")
    last = page.locator('[data-header-field="form.extra_11"]')
    toggle = page.get_by_test_id("case-extra-toggle")
    expect(toggle).to_be_visible()
    expect(last).not_to_be_in_viewport()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(toggle).to_have_text("Show fewer fields")
    last.scroll_into_view_if_needed()
    expect(last).to_be_in_viewport()
    toggle.click()
    expect(toggle).to_have_text("Show all fields")


def test_a_new_case_for_a_new_contact_created_in_the_dialog(browser_for, agent, rental):
    page = browser_for(agent)
    page.goto("/cases/new/")
    page.get_by_test_id("contact-new").click()
    dialog = page.get_by_test_id("contact-dialog")
    dialog.locator('[data-kind="company"]').click()
    dialog.locator("[name=company_name]").fill("Trans-Bud sp. z o.o.")
    dialog.locator("button[type=submit]").first.click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("picked-contact")).to_have_text("Trans-Bud sp. z o.o.")
    page.get_by_test_id("create-submit").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get()
    assert case.subject == "Trans-Bud sp. z o.o. (Vehicle rental)" and case.contact.kind == "company"
