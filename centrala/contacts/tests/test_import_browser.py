"""A manager imports a small CSV through the pages, watches it finish, and finds the contacts."""

import pytest
from playwright.sync_api import expect

from centrala.contacts import importing
from centrala.contacts.models import Contact, ContactImport, ImportState

from .import_helpers import csv_bytes

pytestmark = pytest.mark.browser


def test_a_manager_imports_a_csv_and_sees_the_contacts(browser_for, manager, make_contact):
    make_contact("Jan", "Kowalski", phones=["+48 601-234-567"])
    data = csv_bytes([["Imię", "Nazwisko", "Telefon", "Miasto"],
                      ["Łucja", "Wiśniewska", "602 111 222", "Łódź"],
                      ["Jan", "Kowalski", "601 234 567", "Kraków"],   # already a contact: skipped
                      ["Bez", "Numeru", "12", ""]], delimiter=";", encoding="windows-1250")
    page = browser_for(manager)
    page.goto("/contacts/")
    page.get_by_test_id("import-contacts").click()
    page.wait_for_load_state()
    page.get_by_test_id("import-file").set_input_files(
        files=[{"name": "kontakty.csv", "mimeType": "text/csv", "buffer": data}])
    page.get_by_test_id("import-upload-submit").click()

    # Mapping: guessed from the Polish headers; the group gets a name of our own.
    expect(page.get_by_test_id("import-target-1")).to_have_value("last_name")
    expect(page.get_by_test_id("import-encoding")).to_have_value("windows-1250")
    expect(page.get_by_test_id("import-columns")).to_contain_text("Wiśniewska")
    page.get_by_test_id("import-target-3").select_option("city")
    page.get_by_test_id("import-group-name").fill("Targi 2026")
    page.get_by_test_id("import-mapping-submit").click()

    # Preview: what each row will do, nothing saved yet.
    preview = page.get_by_test_id("import-preview")
    expect(preview.locator("tr[data-outcome=create]")).to_have_count(1)
    expect(preview.locator("tr[data-outcome=skip]")).to_contain_text("Skipped: the same as contact")
    expect(preview.locator("tr[data-outcome=error]")).to_contain_text("“12” is not a valid phone number.")
    assert Contact.objects.count() == 1
    page.get_by_test_id("import-run").click()

    # Progress: waits for the worker, then follows it to the result without a reload.
    progress = page.get_by_test_id("import-progress")
    expect(progress).to_have_attribute("data-state", "queued")
    imp = ContactImport.objects.get()
    importing.run_import(imp.pk)  # the worker
    expect(progress).to_have_attribute("data-state", ImportState.DONE, timeout=15_000)
    expect(page.get_by_test_id("import-rows")).to_contain_text("3 of 3 rows (100%)")
    expect(page.get_by_test_id("import-created")).to_have_text("1")
    expect(page.get_by_test_id("import-skipped")).to_have_text("1")
    expect(page.get_by_test_id("import-row-errors")).to_contain_text("“12” is not a valid phone number.")

    page.get_by_test_id("import-show-contacts").click()
    page.wait_for_load_state()
    table = page.get_by_test_id("list-table")
    expect(table).to_contain_text("Łucja Wiśniewska")
    expect(table).to_contain_text("602 111 222")
    expect(table).to_contain_text("Łódź")
    expect(table.locator("tbody tr")).to_have_count(1)


def test_an_agent_creates_cases_for_selected_contacts(browser_for, agent, rental, service, make_contact):
    from centrala.cases.models import Case

    people = [make_contact("Ewa", f"Zielińska{n}") for n in range(3)]
    page = browser_for(agent)
    page.goto("/contacts/?q=zielinska")
    page.wait_for_load_state()
    page.locator(f"input[data-select-row][value='{people[0].pk}']").check()
    page.locator(f"input[data-select-row][value='{people[2].pk}']").check()
    expect(page.get_by_test_id("bulk-selected")).to_have_text("Selected: 2")
    campaigns = page.get_by_test_id("bulk-campaign")
    expect(campaigns.locator("option")).to_have_text(["—", "Vehicle rental"])  # not "Customer service"
    campaigns.select_option(str(rental.pk))
    page.get_by_test_id("bulk-apply").click()
    expect(page.get_by_test_id("bulk-confirm-count")).to_contain_text("for each of 2 contacts")
    page.get_by_test_id("bulk-go").click()
    expect(page.get_by_test_id("bulk-changed")).to_have_text("2")
    assert sorted(Case.objects.values_list("contact_id", flat=True)) == [people[0].pk, people[2].pk]
    page.get_by_test_id("bulk-back").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("list-table")).to_contain_text("Zielińska1")
