"""Replying in a real browser: from the e-mail on the case card to the reply in the timeline,
whose state follows the sending task live."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from centrala.activities.models import Activity, ActivityKind
from centrala.mail import sending
from centrala.mail.models import OutboundMessage, OutgoingMailbox, ReplyTemplate, Security, Signature
from conftest import wait_for_socket


@pytest.mark.browser
def test_an_agent_replies_from_the_case_card_and_sees_the_email_in_the_timeline(
        browser_for, agent, rental, contact, make_case, smtp_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    case = make_case(rental, contact, agent)
    mailbox = OutgoingMailbox.objects.create(name="Desk", from_address="desk@rent.example", host=smtp_server.host,
                                             port=smtp_server.port, security=Security.NONE)
    mailbox.campaigns.add(rental)
    Signature.objects.create(user=agent, text="Anna from the rental desk")
    ReplyTemplate.objects.create(name="Mechanic", body="A mechanic will call you within an hour.")
    incoming = Activity.objects.create(
        case=case, contact_id=case.contact_id, kind=ActivityKind.EMAIL, body="My van has a flat tyre.",
        data={"direction": "in", "subject": "Flat tyre", "from": "jan.kowalski@example.com", "to": ["desk@rent.example"],
              "message_id": "<first@customer.example>", "html": "<p>My van has a <b>flat</b> tyre.</p>"},
    )
    page = browser_for(agent)
    blocked = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"/cases/{case.pk}/")
    expect(page.get_by_test_id("case-write-email")).to_be_visible()
    page.get_by_test_id("tab-activities").click()
    received = page.locator(f"#activity-{incoming.pk}")
    expect(received.get_by_test_id("email")).to_contain_text("My van has a flat tyre.")
    received.get_by_text("Show formatted").click()
    expect(received.locator(".email-html-body b")).to_have_text("flat")

    received.get_by_test_id("email-reply").click()
    form = page.get_by_test_id("reply-form")
    expect(form.get_by_test_id("reply-subject")).to_have_value("Re: Flat tyre")
    expect(form.get_by_test_id("reply-to")).to_have_value("jan.kowalski@example.com")
    quoted = form.get_by_test_id("reply-body").input_value()
    assert quoted.startswith("\n\nOn ") and quoted.endswith("jan.kowalski@example.com wrote:\n> My van has a flat tyre.")
    expect(page.get_by_test_id("reply-signature")).to_contain_text("Anna from the rental desk")
    form.get_by_test_id("reply-body").press("Control+Home")
    form.get_by_test_id("reply-template").select_option(label="Mechanic (all campaigns)")
    assert form.get_by_test_id("reply-body").input_value().startswith("A mechanic will call you within an hour.")
    form.get_by_test_id("reply-send").click()

    page.wait_for_url(f"**/cases/{case.pk}/")
    outbound = OutboundMessage.objects.get()
    sent = page.locator(f"#activity-{outbound.activity_id}")
    expect(sent.get_by_test_id("email-state")).to_contain_text("Waiting to be sent")  # the Activities tab is open
    expect(sent).to_contain_text(f"Re: Flat tyre [#{case.pk}]")
    wait_for_socket(page)

    # The task runs in a worker, not in this thread (Playwright's event loop runs here).
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(sending.deliver, outbound.pk).result() == "sent"
    expect(sent.get_by_test_id("email-state")).to_contain_text("Sent")  # redrawn live, no reload
    message = smtp_server.messages[0].message
    assert message["In-Reply-To"] == "<first@customer.example>"
    assert "Anna from the rental desk" in message.get_body(("plain",)).get_content()
    assert not blocked
