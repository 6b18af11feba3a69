"""Each role signs in through the real form and sees exactly its own left menu."""

import pytest
from playwright.sync_api import expect

from centrala.accounts.models import Role
from centrala.accounts.permissions import CAPABILITIES
from centrala.core.menu import MENU
from conftest import PASSWORD

pytestmark = pytest.mark.browser

ROLE_FIXTURES = {
    Role.AGENT: "agent",
    Role.HOME_AGENT: "home_agent",
    Role.MANAGER: "manager",
    Role.ADMINISTRATOR: "administrator",
    Role.RECEPTIONIST: "receptionist",
    Role.SPECIALIST: "specialist",
}

# The policy spelled out, so a change to the capability table that breaks it is noticed here.
MUST_SEE = {
    Role.ADMINISTRATOR: {"accounts:users", "accounts:teams", "presence:statuses", "core:tasks", "audit:list"},
    Role.MANAGER: {"presence:team", "audit:list"},
}
MUST_NOT_SEE = {
    Role.AGENT: {"accounts:users", "audit:list", "presence:team"},
    Role.HOME_AGENT: {"accounts:users", "audit:list", "presence:team"},
    Role.MANAGER: {"accounts:users", "accounts:teams", "core:tasks"},
    Role.RECEPTIONIST: {"accounts:users", "audit:list"},
    Role.SPECIALIST: {"accounts:users", "audit:list"},
}


def expected_menu(role):
    """Menu entries of `role`, read from the menu and capability tables (not via menu_for)."""
    return [e.url_name for e in MENU if e.capability is None or role in CAPABILITIES[e.capability]]


def sign_in_through_the_form(page, username):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("[data-testid=user-menu]")).to_be_visible()


@pytest.mark.parametrize("role", list(ROLE_FIXTURES), ids=str)
def test_each_role_sees_exactly_its_menu(role, request, browser_for, presence_statuses):
    user = request.getfixturevalue(ROLE_FIXTURES[role])
    page = browser_for()
    sign_in_through_the_form(page, user.username)
    links = page.locator("#sidebar [data-menu]")
    expected = expected_menu(role)
    expect(links).to_have_count(len(expected))
    shown = links.evaluate_all("links => links.map(link => link.dataset.menu)")
    assert shown == expected
    assert MUST_SEE.get(role, set()) <= set(shown)
    assert not MUST_NOT_SEE.get(role, set()) & set(shown)
    expect(page.locator("[data-testid=user-menu]")).to_contain_text(str(role.label))


def test_agent_gets_the_no_access_page(browser_for, agent):
    page = browser_for()
    sign_in_through_the_form(page, agent.username)
    for path in ["/accounts/users/", "/audit/", "/accounts/teams/"]:
        response = page.goto(path)
        assert response.status == 403, path
        expect(page.locator("main h1")).to_have_text("No access")
        expect(page.locator("#sidebar [data-menu='core:home']")).to_be_visible()


def test_anonymous_browser_lands_on_the_login_page(browser_for, db):
    page = browser_for()
    page.goto("/")
    expect(page).to_have_url("/accounts/login/?next=/")
    expect(page.locator("input[name=username]")).to_be_visible()
    expect(page.locator("#sidebar")).to_have_count(0)


def test_locked_out_user_sees_the_reason_in_the_browser(browser_for, agent, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    page = browser_for()
    page.goto("/accounts/login/")
    for password in ["wrong-1", "wrong-2", PASSWORD]:
        page.fill("input[name=username]", agent.username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
    expect(page.locator(".form-error")).to_contain_text("Too many failed sign-ins for this user.")
    expect(page.locator("[data-testid=user-menu]")).to_have_count(0)


def test_administrator_creates_a_user_who_then_signs_in(browser_for, administrator):
    page = browser_for(administrator)
    page.goto("/accounts/users/")
    page.click("[data-testid=new-user]")
    form = page.locator("[data-testid=user-form]")
    for name, value in {
        "username": "ewa", "first_name": "Ewa", "last_name": "Lis", "email": "ewa@example.com",
        "phone_extension": "321", "password1": "Amber-river-stone-19", "password2": "Amber-river-stone-19",
    }.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("[name=role]").select_option("receptionist")
    form.locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("User ewa was created.")
    page.fill("input[name=q]", "321")
    expect(page.locator("[data-testid=users] tbody tr")).to_have_count(1)
    expect(page.locator("[data-testid=users] tbody tr")).to_contain_text("Receptionist")

    newcomer = browser_for()
    newcomer.goto("/accounts/login/")
    newcomer.fill("input[name=username]", "ewa")
    newcomer.fill("input[name=password]", "Amber-river-stone-19")
    newcomer.click("button[type=submit]")
    expect(newcomer.locator("[data-testid=user-menu]")).to_contain_text("Receptionist")
