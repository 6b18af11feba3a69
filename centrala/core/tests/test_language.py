"""The UI language: the browser's choice by default, the user's choice once made."""

import pytest
from playwright.sync_api import expect

from centrala.accounts.models import User


def test_accept_language_chooses_the_login_page_language(client, db):
    response = client.get("/accounts/login/", headers={"accept-language": "ru-RU,ru;q=0.9"})
    assert response.headers["Content-Language"] == "ru"
    assert "Войти" in response.content.decode()


def test_users_choice_wins_over_the_browser(client_for, agent):
    agent.language = "pl"
    agent.save(update_fields=["language"])
    response = client_for(agent).get("/", headers={"accept-language": "ru"})
    assert response.headers["Content-Language"] == "pl"
    assert "Wyloguj" in response.content.decode()


def test_language_switch_is_kept_on_the_user(client_for, agent):
    client = client_for(agent)
    response = client.post("/accounts/language/", {"language": "ru", "next": "/"})
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.language == "ru"
    assert "Выйти" in client.get("/").content.decode()


def test_unknown_language_is_refused(client_for, agent):
    response = client_for(agent).post("/accounts/language/", {"language": "xx"})
    assert response.status_code == 400
    agent.refresh_from_db()
    assert agent.language == ""


def test_language_switch_refuses_an_external_next(client_for, agent):
    response = client_for(agent).post("/accounts/language/", {"language": "pl", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_language_switch_over_https_refuses_a_plain_http_next(client_for, agent):
    client = client_for(agent)
    response = client.post("/accounts/language/", {"language": "pl", "next": "http://testserver/cases/"}, secure=True)
    assert response["Location"] == "/"
    response = client.post("/accounts/language/", {"language": "pl", "next": "/cases/"}, secure=True)
    assert response["Location"] == "/cases/"


@pytest.mark.browser
def test_switching_language_in_the_user_menu_translates_the_ui(browser_for, manager):
    page = browser_for(manager, locale="en-US")
    page.goto("/")
    expect(page.locator("[data-menu='presence:team']")).to_have_text("Team status")
    page.click("[data-testid=user-menu]")
    page.click(".user-menu button[value=pl]")
    expect(page.locator("[data-menu='presence:team']")).to_have_text("Status zespołu")
    expect(page.locator("[data-menu='core:home']")).to_have_text("Strona główna")
    page.click("[data-testid=user-menu]")
    page.click(".user-menu button[value=ru]")
    expect(page.locator("[data-menu='presence:team']")).to_have_text("Статус команды")
    expect(page.locator("[data-menu='core:home']")).to_have_text("Главная")
    assert User.objects.get(pk=manager.pk).language == "ru"


def test_times_follow_the_language(client_for, agent, presence_statuses):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from centrala.presence.actions import do_set_presence

    do_set_presence(agent, presence_statuses["available"], at=datetime(2026, 3, 2, 15, 5, tzinfo=ZoneInfo("Europe/Warsaw")))
    client = client_for(agent)
    assert "3:05 p.m." in client.get("/", headers={"accept-language": "en"}).content.decode()
    page = client.get("/", headers={"accept-language": "ru"}).content.decode()
    assert "15:05" in page and "p.m." not in page
