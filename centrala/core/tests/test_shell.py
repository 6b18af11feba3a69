import pytest

from conftest import PASSWORD, wait_for_socket


def test_anonymous_user_is_sent_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_healthz_reports_database_and_channel_layer(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "channel_layer": "ok"}


@pytest.mark.browser
def test_agent_signs_in_through_the_form_and_the_socket_connects(browser_for, agent, presence_statuses):
    page = browser_for()
    page.goto("/")
    page.fill("input[name=username]", agent.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    assert page.locator("[data-testid=user-menu]").inner_text().startswith("Agent")
    wait_for_socket(page)
