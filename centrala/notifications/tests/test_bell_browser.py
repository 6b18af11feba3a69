"""The bell in real browsers: live notices, opening one, and tabs that agree with each other."""

import re

import pytest
from playwright.sync_api import expect

from centrala.notifications.models import Notification
from conftest import wait_for_socket


def _bell_count(page):
    return page.get_by_test_id("bell-count")


def _send_notice(page, recipient, title, body="", url=""):
    page.goto("/notifications/send/")
    page.select_option("select[name=users]", value=str(recipient.pk))
    page.fill("input[name=title]", title)
    page.fill("textarea[name=body]", body)
    page.fill("input[name=url]", url)
    page.get_by_test_id("send-notice").locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text(f"“{title}” was sent to 1 person.")


@pytest.mark.browser
def test_a_notice_reaches_only_its_recipient_live_and_opens_its_page(browser_for, make_user, manager):
    alice, bob = make_user("alice"), make_user("bob")
    page_a, page_b, boss = browser_for(alice), browser_for(bob), browser_for(manager)
    for page in (page_a, page_b):
        page.goto("/")
        wait_for_socket(page)
        expect(_bell_count(page)).to_have_text("0")
        # Survives only as long as the page is not reloaded.
        page.evaluate("window.centralaTestMark = 'same page'")

    _send_notice(boss, alice, "Team meeting at 3 pm", "Room B, bring the figures.", "/accounts/profile/")

    expect(_bell_count(page_a)).to_have_text("1")
    expect(_bell_count(page_a)).to_be_visible()
    expect(page_a.locator(".toast")).to_contain_text("Team meeting at 3 pm — Room B, bring the figures.")
    # Bob, checked after Alice got hers, has nothing; a notice of his own then arrives alone.
    expect(_bell_count(page_b)).to_have_text("0")
    expect(page_b.locator(".toast")).to_have_count(0)
    page_b.get_by_test_id("bell").click()
    expect(page_b.get_by_test_id("notification-list")).to_have_text("No notifications.")
    _send_notice(boss, bob, "Only for Bob")
    expect(page_b.locator(".toast")).to_have_text("Only for Bob")
    expect(_bell_count(page_b)).to_have_text("1")
    # An open panel shows the newcomer without being reopened.
    expect(page_b.get_by_test_id("notification-list").locator("li.unread")).to_have_text(re.compile("Only for Bob"))
    expect(page_a.locator(".toast")).to_have_count(1)
    expect(_bell_count(page_a)).to_have_text("1")
    for page in (page_a, page_b):
        assert page.evaluate("window.centralaTestMark") == "same page"

    page_a.get_by_test_id("bell").click()
    panel = page_a.get_by_test_id("notification-list")
    expect(panel.locator("li.unread")).to_have_count(1)
    panel.get_by_text("Team meeting at 3 pm").click()

    page_a.wait_for_url(re.compile(r"/accounts/profile/$"))
    expect(_bell_count(page_a)).to_have_text("0")
    expect(_bell_count(page_a)).to_be_hidden()
    assert Notification.objects.get(recipient=alice).read_at is not None
    assert Notification.objects.get(recipient=bob).read_at is None


@pytest.mark.browser
def test_marking_read_in_one_tab_updates_the_users_other_tabs(browser_for, agent):
    for title in ["First", "Second"]:
        Notification.objects.create(recipient=agent, kind="test", title=title)
    tab1 = browser_for(agent)
    tab2 = tab1.context.new_page()
    for tab in (tab1, tab2):
        tab.goto("/")
        wait_for_socket(tab)
        expect(_bell_count(tab)).to_have_text("2")

    tab2.get_by_test_id("bell").click()
    tab2_list = tab2.get_by_test_id("notification-list")
    expect(tab2_list.locator("li.unread")).to_have_count(2)

    tab1.get_by_test_id("bell").click()
    tab1_list = tab1.get_by_test_id("notification-list")
    tab1_list.locator("li", has_text="First").get_by_role("button", name="Mark read").click()
    expect(tab1_list.locator("li.unread")).to_have_count(1)
    expect(_bell_count(tab1)).to_have_text("1")
    expect(_bell_count(tab2)).to_have_text("1")
    # The other tab's open panel follows too.
    expect(tab2_list.locator("li.unread")).to_have_count(1)

    tab1.get_by_test_id("mark-all-read").click()
    expect(_bell_count(tab1)).to_have_text("0")
    expect(_bell_count(tab2)).to_have_text("0")
    expect(tab2_list.locator("li.unread")).to_have_count(0)
    assert not Notification.objects.filter(recipient=agent, read_at__isnull=True).exists()
