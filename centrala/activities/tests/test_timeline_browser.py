"""The Activities timeline in a real browser: every action works through htmx under our CSP, and
another person's change is offered without wiping what this user is typing."""

import pytest
from playwright.sync_api import expect

from centrala.activities.models import Activity, Attachment
from conftest import wait_for_socket

from .conftest import PDF


@pytest.mark.browser
def test_notes_short_notes_edits_uploads_and_moves(browser_for, agent, home_agent, rental, contact, make_contact,
                                                   make_case, tmp_path):
    case = make_case(rental, contact, agent)
    other = make_case(rental, make_contact("Anna", "Nowak"), agent)
    page = browser_for(agent)
    blocked = []
    page.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text
            else None)
    page.goto(f"/activities/case/{case.pk}/")
    timeline = page.get_by_test_id("timeline")

    timeline.get_by_test_id("note-form").locator("textarea").fill("Wants a van on Friday")
    timeline.get_by_test_id("note-form").get_by_role("button", name="Add note").click()
    note = page.locator("[data-testid=activity][data-kind=note]")
    expect(note).to_contain_text("Wants a van on Friday")
    expect(page.get_by_test_id("note-form").locator("textarea")).to_have_value("")

    note.get_by_test_id("edit").click()
    note.get_by_test_id("edit-form").locator("textarea").fill("Wants a van on Saturday")
    note.get_by_test_id("edit-form").get_by_role("button", name="Save").click()
    expect(note).to_contain_text("Wants a van on Saturday")
    expect(note.locator(".edited")).to_be_visible()

    info = page.locator("[data-testid=activity][data-kind=info]")
    info.locator("summary", has_text="Add a note").click()
    info.get_by_test_id("annotate-form").locator("textarea").fill("Created from the phone call")
    info.get_by_test_id("annotate-form").get_by_role("button", name="Add").click()
    expect(info.get_by_test_id("annotation")).to_contain_text("Created from the phone call")

    offer = tmp_path / "offer.pdf"
    offer.write_bytes(PDF)
    page.get_by_test_id("note-form").locator("textarea").fill("still typing")
    form = page.get_by_test_id("upload-form")
    form.locator("input[type=file]").set_input_files(str(offer))
    form.get_by_role("button", name="Upload").click()
    attachment = page.locator("[data-testid=activity][data-kind=attachment]")
    expect(attachment.get_by_test_id("download")).to_have_text("offer.pdf")
    assert Attachment.objects.get().activity.case_id == case.pk
    expect(page.get_by_test_id("note-form").locator("textarea")).to_have_value("still typing")

    page.get_by_test_id("timeline-filters").locator("select[name=kind]").select_option("attachment")
    expect(page.locator("[data-testid=activity]")).to_have_count(1)
    page.get_by_test_id("timeline-filters").locator("select[name=kind]").select_option("")
    expect(page.locator("[data-testid=activity]")).to_have_count(3)

    fake = tmp_path / "invoice.pdf"
    fake.write_bytes(b"<html><script>alert(1)</script></html>")
    page.get_by_test_id("upload-form").locator("input[type=file]").set_input_files(str(fake))
    page.get_by_test_id("upload-form").get_by_role("button", name="Upload").click()
    expect(page.get_by_test_id("upload-form").locator(".field-error")).to_contain_text("not a real PDF file")

    note = page.locator("[data-testid=activity][data-kind=note]")
    note.locator("summary", has_text="Move").click()
    note.get_by_test_id("move-form").locator("input[name=case]").fill(str(other.pk))
    note.get_by_test_id("move-form").get_by_role("button", name="Move").click()
    expect(page.get_by_test_id("moved")).to_contain_text(f"Moved to case #{other.pk}.")
    assert Activity.objects.get(body="Wants a van on Saturday").case_id == other.pk
    assert blocked == []


@pytest.mark.browser
def test_another_persons_note_is_offered_not_forced(browser_for, agent, home_agent, rental, contact, make_case):
    case = make_case(rental, contact, agent)
    page, colleague = browser_for(agent), browser_for(home_agent)
    for each in (page, colleague):
        each.goto(f"/activities/case/{case.pk}/")
        wait_for_socket(each)
    page.get_by_test_id("note-form").locator("textarea").fill("half-typed")

    colleague.get_by_test_id("note-form").locator("textarea").fill("From the home office")
    colleague.get_by_test_id("note-form").get_by_role("button", name="Add note").click()
    expect(colleague.locator("[data-testid=activity][data-kind=note]")).to_contain_text("From the home office")
    # The author's own page shows it already: no bar for one's own change.
    expect(colleague.locator("[data-timeline-refresh]")).to_be_hidden()

    bar = page.locator("[data-timeline-refresh]")
    expect(bar).to_be_visible()
    expect(page.get_by_test_id("note-form").locator("textarea")).to_have_value("half-typed")
    bar.get_by_role("button").click()
    expect(page.locator("[data-testid=activity][data-kind=note]")).to_contain_text("From the home office")
    expect(bar).to_be_hidden()
    expect(page.get_by_test_id("note-form").locator("textarea")).to_have_value("half-typed")
