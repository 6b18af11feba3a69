"""The contact pages in a real browser: rows of numbers, the live duplicate warning, consents."""

import pytest
from playwright.sync_api import expect

from centrala.contacts.models import ConsentEvent, Contact

pytestmark = pytest.mark.browser


def test_create_a_person_with_added_and_removed_rows(browser_for, agent, contact):
    page = browser_for(agent)
    page.goto("/contacts/new/")
    page.click("[data-kind=person]")
    page.fill("input[name=first_name]", "Anna")
    page.fill("input[name=last_name]", "Nowak")
    phones = page.locator("[data-testid=phone-rows] input[name=phone]")
    phones.nth(0).fill("602 000 111")
    page.click("[data-testid=add-phone]")
    expect(phones).to_have_count(2)
    phones.nth(1).fill("0048 601 234 567")  # Jan Kowalski's number
    phones.nth(1).blur()
    warning = page.locator(".live-duplicates [data-testid=duplicate-warning]")
    expect(warning).to_contain_text("Jan Kowalski")
    # Removing the row removes the warning.
    page.locator("[data-testid=phone-rows] [data-row]").nth(1).locator("[data-remove-row]").click()
    expect(phones).to_have_count(1)
    expect(warning).to_have_count(0)
    page.click("[data-testid=add-email]")
    page.locator("[data-testid=email-rows] input[name=email]").nth(1).fill("anna@example.com")
    page.click("[data-testid=save-contact]")
    expect(page.locator("[data-testid=contact-name]")).to_have_text("Anna Nowak")
    created = Contact.objects.get(last_name="Nowak")
    assert [p.e164 for p in created.phones.all()] == ["+48602000111"]
    assert [e.address for e in created.emails.all()] == ["anna@example.com"]
    # The card opened as a tab in the top bar.
    expect(page.locator("#card-tabs .card-tab")).to_contain_text("Anna Nowak")


def test_grant_a_consent_on_the_card(browser_for, agent, contact, consent_types):
    page = browser_for(agent)
    page.goto(f"/contacts/{contact.pk}/")
    row = page.locator(f"[data-testid=consents-current] tr[data-consent='{consent_types['marketing'].pk}']")
    row.locator("select[name=channel]").select_option("email")
    row.locator("input[name=note]").fill("Replied to our mail")
    row.locator("[data-testid=grant]").click()
    expect(row.locator("[data-testid=withdraw]")).to_be_visible()
    expect(page.locator("[data-testid=consents-history]")).to_contain_text("Replied to our mail")
    event = ConsentEvent.objects.get()
    assert (event.granted, event.channel, event.recorded_by) == (True, "email", agent)


def test_new_contact_from_a_case_card_dialog(browser_for, agent, rental, contact, make_case):
    """The create form works inside the case card's dialog and hands the new contact to the card."""
    case = make_case(rental, contact, actor=agent)
    page = browser_for(agent)
    page.goto(f"/cases/{case.pk}/")
    page.get_by_test_id("contact-new").click()
    dialog = page.get_by_test_id("contact-dialog")
    dialog.locator("[data-kind=person]").click()
    dialog.locator("input[name=last_name]").fill("Nowak")
    dialog.locator("input[name=first_name]").fill("Anna")
    dialog.locator("[data-testid=add-phone]").click()
    expect(dialog.locator("input[name=phone]")).to_have_count(2)
    dialog.locator("input[name=phone]").nth(1).fill("602 000 111")
    dialog.locator("[data-testid=save-contact]").click()
    expect(dialog).not_to_be_visible()
    expect(page.locator("#case-contact-name")).to_contain_text("Anna Nowak")
    created = Contact.objects.get(last_name="Nowak")
    assert [p.e164 for p in created.phones.all()] == ["+48602000111"]
