"""The case lists in a real browser (VIEW-01..03): a filter saved as a tab, the column layout kept
per user, row height, "select all on this page", and the live "N changes — show" banner."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from playwright.sync_api import expect

from centrala.cases import actions
from centrala.worklists.models import ViewPreference, ViewVariant
from conftest import wait_for_socket

pytestmark = pytest.mark.browser


def row_ids(page):
    return [row.get_attribute("data-row-id") for row in page.locator("#list-results tbody tr[data-row-id]").all()]


def header_keys(page):
    return [th.get_attribute("data-col") for th in page.locator("#list-results thead th[data-col]").all()]


def update_case(actor, case_id, **changes):
    """do_update_case from another thread: Playwright's event loop runs in this one, and the event
    sent after the save cannot be pushed from a thread with a running loop."""
    from centrala.cases.models import Case

    def run():
        try:
            case = Case.objects.get(pk=case_id)
            return actions.do_update_case(actor, case_id, base_version=case.version, changes=changes)
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def test_a_filter_saved_as_a_tab_is_there_after_a_reload_with_the_same_rows(
        browser_for, manager, rental, service, contact, make_case):
    ours = [make_case(rental, contact), make_case(rental, contact)]
    theirs = make_case(service, contact)
    expected = [str(case.pk) for case in reversed(ours)]
    page = browser_for(manager)
    page.goto("/cases/")
    page.wait_for_load_state()
    rows = page.locator("#list-results tbody tr[data-row-id]")
    expect(rows).to_have_count(3)

    chip = page.get_by_test_id("filter-campaign")
    chip.locator("summary").click()
    chip.get_by_label("Vehicle rental").check()
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(rf"campaign={rental.pk}"))
    expect(chip.locator("summary")).to_have_text("Campaign: Vehicle rental")
    assert row_ids(page) == expected

    page.get_by_test_id("save-variant").click()
    page.get_by_test_id("variant-name").fill("Today — Vehicle rental")
    page.get_by_test_id("variant-save").click()
    variant = ViewVariant.objects.get()
    expect(page).to_have_url(re.compile(rf"\?variant={variant.pk}$"))
    assert variant.owner == manager and variant.view == "cases" and f"campaign={rental.pk}" in variant.query

    page.reload()
    page.wait_for_load_state()
    tab = page.get_by_test_id("variant-tab")
    expect(tab).to_have_text("Today — Vehicle rental")
    expect(tab).to_have_attribute("aria-current", "page")
    expect(rows).to_have_count(2)
    assert row_ids(page) == expected

    # From the whole list, the tab gives the same rows again.
    page.goto("/cases/")
    page.wait_for_load_state()
    expect(rows).to_have_count(3)
    assert str(theirs.pk) in row_ids(page)
    page.get_by_test_id("variant-tab").click()
    expect(rows).to_have_count(2)
    assert row_ids(page) == expected
    expect(page.get_by_test_id("filter-campaign").locator("summary")).to_have_text("Campaign: Vehicle rental")


def test_save_as_tab_takes_a_search_typed_a_moment_ago(browser_for, agent, rental, contact, make_contact, make_case):
    anna = make_contact("Anna", "Nowak")
    make_case(rental, contact, agent)
    wanted = make_case(rental, anna, agent, subject="Minibus for a school trip")
    page = browser_for(agent)
    page.goto("/cases/tickets/")
    page.wait_for_load_state()
    page.get_by_test_id("filter-q").fill("school")
    expect(page.locator("#list-results tbody tr[data-row-id]")).to_have_count(1)
    page.get_by_test_id("save-variant").click()
    page.get_by_test_id("variant-name").fill("School trips")
    page.get_by_test_id("variant-save").click()
    expect(page.get_by_test_id("variant-tab")).to_have_attribute("aria-current", "page")
    assert ViewVariant.objects.get().query == "sort=-number&q=school"
    assert row_ids(page) == [str(wanted.pk)]


def test_a_hidden_and_moved_column_stays_so_after_a_reload(browser_for, agent, rental, contact, make_case):
    make_case(rental, contact, agent)
    page = browser_for(agent)
    page.goto("/cases/tickets/")
    page.wait_for_load_state()
    assert header_keys(page)[:3] == ["number", "subject", "contact"] and "owner" in header_keys(page)

    page.get_by_test_id("choose-columns").click()
    page.get_by_test_id("column-toggle-owner").uncheck()
    expect(page.get_by_test_id("column-owner")).to_have_count(0)
    page.keyboard.press("Escape")

    page.get_by_test_id("column-subject").drag_to(page.get_by_test_id("column-number"))
    expect(page.locator("#list-results thead th[data-col]").first).to_have_attribute("data-col", "subject")
    assert header_keys(page)[:3] == ["subject", "number", "contact"]
    # The cells moved with their headers.
    expect(page.locator("#list-results tbody tr[data-row-id] td").nth(1)).to_contain_text("Jan Kowalski (Vehicle rental)")

    page.reload()
    page.wait_for_load_state()
    keys = header_keys(page)
    assert keys[:3] == ["subject", "number", "contact"] and "owner" not in keys
    page.get_by_test_id("choose-columns").click()
    expect(page.get_by_test_id("column-toggle-owner")).not_to_be_checked()
    columns = ViewPreference.objects.get(user=agent, view="tickets").columns
    assert [item["key"] for item in columns][:3] == ["subject", "number", "contact"]
    assert next(item for item in columns if item["key"] == "owner")["visible"] is False

    # The keyboard way (the Columns menu): move "Number" back to the front.
    page.get_by_test_id("column-left-number").click()
    expect(page.locator("#list-results thead th[data-col]").first).to_have_attribute("data-col", "number")
    # The last visible column cannot be hidden.
    for key in header_keys(page)[1:]:
        page.get_by_test_id(f"column-toggle-{key}").uncheck()
        expect(page.get_by_test_id(f"column-{key}")).to_have_count(0)
    page.get_by_test_id("column-toggle-number").click()
    expect(page.locator(".toast.error")).to_contain_text("Keep at least one column visible.")
    expect(page.get_by_test_id("column-toggle-number")).to_be_checked()
    assert header_keys(page) == ["number"]


def test_a_column_width_and_the_row_height_are_kept(browser_for, agent, rental, contact, make_case):
    make_case(rental, contact, agent)
    page = browser_for(agent)
    page.goto("/cases/tickets/")
    page.wait_for_load_state()
    header = page.get_by_test_id("column-subject")
    before = header.bounding_box()["width"]
    assert round(before) == 280
    handle = header.locator("[data-col-resize]").bounding_box()
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 60, y, steps=4)
    page.mouse.move(x + 120, y, steps=4)
    with page.expect_response("**/layout/"):
        page.mouse.up()
    expect(page.locator("col[data-col=subject]")).to_have_attribute("data-width", "400")
    assert round(header.bounding_box()["width"]) == 400
    assert "sort=" not in page.url  # the drag did not sort by the column

    with page.expect_response("**/layout/") as saved:
        page.get_by_test_id("row-height").select_option("compact")
    assert saved.value.ok
    expect(page.get_by_test_id("list-table")).to_have_class(re.compile(r"\brows-compact\b"))

    page.reload()
    page.wait_for_load_state()
    expect(page.locator("col[data-col=subject]")).to_have_attribute("data-width", "400")
    assert round(page.get_by_test_id("column-subject").bounding_box()["width"]) == 400
    expect(page.get_by_test_id("list-table")).to_have_class(re.compile(r"\brows-compact\b"))
    expect(page.get_by_test_id("row-height")).to_have_value("compact")
    preference = ViewPreference.objects.get(user=agent, view="tickets")
    assert preference.row_height == "compact"
    assert next(item for item in preference.columns if item["key"] == "subject")["width"] == 400


def test_select_all_on_the_page(browser_for, agent, rental, contact, make_case):
    for _ in range(3):
        make_case(rental, contact, agent)
    page = browser_for(agent)
    page.goto("/cases/tickets/")
    page.wait_for_load_state()
    boxes = page.locator("[data-select-row]")
    page.get_by_test_id("select-page").check()
    for index in range(3):
        expect(boxes.nth(index)).to_be_checked()
    expect(page.get_by_test_id("bulk-selected")).to_have_text("Selected: 3")
    boxes.nth(1).uncheck()
    expect(page.get_by_test_id("select-page")).not_to_be_checked()
    boxes.nth(1).check()
    expect(page.get_by_test_id("select-page")).to_be_checked()
    page.get_by_test_id("select-page").uncheck()
    for index in range(3):
        expect(boxes.nth(index)).not_to_be_checked()
    # A click beside a checkbox ticks it; a click elsewhere on a row opens its case.
    first = page.locator("#list-results tbody tr[data-row-id]").first
    first.locator("td.select-col").click(position={"x": 2, "y": 2})
    expect(boxes.first).to_be_checked()
    expect(first).to_have_class(re.compile(r"\bselected\b"))
    case_id = first.get_attribute("data-row-id")
    first.locator("td").nth(3).click()  # the contact's name: not a link
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}/$"))


def test_changes_by_others_show_a_banner_and_rows_stay_until_asked(
        browser_for, agent, home_agent, rental, contact, make_case):
    first, second, third = (make_case(rental, contact, agent, subject=f"Case {n}") for n in (1, 2, 3))
    page = browser_for(agent)
    page.goto("/cases/tickets/")
    page.wait_for_load_state()
    wait_for_socket(page)
    banner = page.get_by_test_id("live-banner")
    expect(banner).to_be_hidden()
    before = row_ids(page)

    update_case(agent, third.pk, subject="My own change")  # the author's page needs no banner
    update_case(home_agent, first.pk, subject="Changed by Olga")
    expect(banner).to_be_visible()
    expect(page.get_by_test_id("live-show")).to_have_text("1 change — show")
    update_case(home_agent, first.pk, priority=3)  # the same case again: still one
    update_case(home_agent, second.pk, subject="Also changed")
    expect(page.get_by_test_id("live-show")).to_have_text("2 changes — show")

    # Nothing moved under the cursor; the changed rows are marked.
    assert row_ids(page) == before
    expect(page.locator(f"tr[data-row-id='{first.pk}']")).to_contain_text("Case 1")
    expect(page.locator(f"tr[data-row-id='{first.pk}']")).to_have_class(re.compile(r"\brow-changed\b"))
    expect(page.locator(f"tr[data-row-id='{second.pk}']")).to_have_class(re.compile(r"\brow-changed\b"))
    expect(page.locator(f"tr[data-row-id='{third.pk}']")).not_to_have_class(re.compile(r"\brow-changed\b"))

    page.get_by_test_id("live-show").click()
    expect(banner).to_be_hidden()
    expect(page.locator(f"tr[data-row-id='{first.pk}']")).to_contain_text("Changed by Olga")
    expect(page.locator(f"tr[data-row-id='{third.pk}']")).to_contain_text("My own change")
    expect(page.locator("tr.row-changed")).to_have_count(0)


def test_a_bulk_change_by_someone_else_counts_each_case_once(browser_for, agent, home_agent, rental, contact, make_case):
    from centrala.realtime.publish import send_now

    cases = [make_case(rental, contact, agent) for _ in range(3)]
    page = browser_for(agent)
    page.goto("/cases/tickets/")
    page.wait_for_load_state()
    wait_for_socket(page)

    def push():
        send_now("cases.bulk_updated", {"cases": [[case.pk, case.version + 1] for case in cases] + [[cases[0].pk, 9]],
                                        "changed": ["owner"], "by_user_id": home_agent.pk, "by_name": str(home_agent)},
                 users=[agent])

    with ThreadPoolExecutor(1) as pool:
        pool.submit(push).result()
    expect(page.get_by_test_id("live-show")).to_have_text("3 changes — show")
    expect(page.locator("tr.row-changed")).to_have_count(3)
