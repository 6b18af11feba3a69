"""An administrator sets up an incoming mailbox in a real browser, tests it and saves it."""

import pytest
from playwright.sync_api import expect

from centrala.mail.models import IncomingMailbox

pytestmark = [pytest.mark.browser, pytest.mark.dovecot]


def test_administrator_adds_and_tests_a_mailbox(browser_for, administrator, dovecot, service):
    page = browser_for(administrator)
    console_errors = []  # a CSP refusal or a script error shows up here
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    page.goto("/")
    page.locator("#sidebar [data-menu='mail:mailboxes']").click()
    page.get_by_role("link", name="New incoming mailbox").click()
    page.locator("#id_name").fill("Service desk")
    page.locator("#id_campaign").select_option(label="Customer service")
    page.locator("#id_host").fill(dovecot.host)
    page.locator("#id_port").fill(str(dovecot.port))
    page.locator("#id_security").select_option("none")
    page.locator("#id_username").fill(dovecot.user)
    page.locator("#id_new_secret").fill("wrong password")
    page.get_by_role("button", name="Test connection").click()
    expect(page.get_by_test_id("test-result")).to_contain_text("refused the user name or password")
    assert "wrong password" not in page.content()  # not even the secret just typed comes back

    page.locator("#id_new_secret").fill(dovecot.password)
    page.get_by_role("button", name="Test connection").click()
    expect(page.get_by_test_id("test-result")).to_contain_text("Connection works.")
    page.locator("#id_new_secret").fill(dovecot.password)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("incoming-mailboxes")).to_contain_text("Service desk")
    assert IncomingMailbox.objects.get().secret == dovecot.password
    assert dovecot.password not in page.content()
    assert not console_errors
