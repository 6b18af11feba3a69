import re

import pytest
from playwright.sync_api import expect

from centrala.api.models import ApiToken, hash_token


def collect_csp_violations(page):
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    return violations


@pytest.mark.browser
def test_create_copy_and_revoke_a_token(browser_for, agent):
    page = browser_for(agent)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    violations = collect_csp_violations(page)
    page.goto("/accounts/profile/")
    page.fill("input[name=name]", "Reporting script")
    page.fill("input[name=expires_in_days]", "30")
    page.get_by_role("button", name="Create token").click()

    new_token = page.get_by_test_id("new-token")
    expect(new_token).to_be_visible()
    raw = page.locator("#new-token-value").input_value()
    assert ApiToken.objects.get(user=agent).key_hash == hash_token(raw)
    expect(page.get_by_test_id("tokens")).to_contain_text("Reporting script")

    page.get_by_role("button", name="Copy to clipboard").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == raw

    page.reload()
    expect(page.get_by_test_id("new-token")).to_have_count(0)
    page.get_by_role("link", name="Revoke…").click()
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status").first).to_contain_text("was revoked")
    expect(page.get_by_test_id("tokens")).to_contain_text(re.compile("revoked"))
    assert ApiToken.objects.get(user=agent).revoked_at is not None
    assert violations == []


@pytest.mark.browser
def test_api_docs_work_under_the_content_security_policy(browser_for, manager):
    page = browser_for(manager)
    violations = collect_csp_violations(page)
    page.goto("/api/v1/docs")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/users").first).to_be_visible()
    assert violations == []
