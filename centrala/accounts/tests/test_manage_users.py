"""Users list, create and edit pages, and the actions behind them."""

import html

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from centrala.accounts import actions
from centrala.accounts.models import Role, Team, User
from centrala.audit.models import AuditEntry
from conftest import PASSWORD

NEW_PASSWORD = "Quiet-harbour-lamp-73"


def user_data(**overrides):
    data = {
        "username": "nowak", "first_name": "Jan", "last_name": "Nowak", "email": "jan@example.com",
        "role": "agent", "phone_extension": "104", "outgoing_email": "sales@example.com",
        "language": "pl", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def edit_data(user, **overrides):
    data = {
        "username": user.username, "first_name": user.first_name, "last_name": user.last_name,
        "email": user.email, "role": user.role, "phone_extension": user.phone_extension,
        "outgoing_email": user.outgoing_email, "language": user.language,
        "teams": [t.pk for t in user.teams.all()], "is_active": "on" if user.is_active else "",
        "new_password1": "", "new_password2": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value not in (None, "")}


@pytest.fixture
def admin_client(client_for, administrator):
    return client_for(administrator)


@pytest.fixture
def teams(db):
    return {name: Team.objects.create(name=name) for name in ("Sales", "Service")}


# --- list ---------------------------------------------------------------------------------

def listed(response):
    return [user.username for user in response.context["page"].object_list]


def test_list_shows_every_column(admin_client, make_user, teams):
    anna = make_user("anna", Role.MANAGER, phone_extension="120", outgoing_email="out@example.com", language="ru")
    anna.teams.set([teams["Sales"]])
    response = admin_client.get(reverse("accounts:users"))
    assert response.status_code == 200
    row = response.content.decode().split('data-user="anna"')[1].split("</tr>")[0]
    for text in ["Anna Test", "Manager", "Sales", "120", "out@example.com", "Russian", "Active", "Never"]:
        assert text in row, text


def test_list_searches_name_username_email_and_extension(admin_client, make_user):
    make_user("kowalski", first_name="Jan", last_name="Kowalski", email="jk@firm.pl", phone_extension="311")
    make_user("zielinska", first_name="Ewa", last_name="Zielińska", email="ez@other.pl", phone_extension="412")
    url = reverse("accounts:users")
    assert listed(admin_client.get(url, {"q": "kowal"})) == ["kowalski"]
    assert listed(admin_client.get(url, {"q": "jan kowalski"})) == ["kowalski"]
    assert listed(admin_client.get(url, {"q": "other.pl"})) == ["zielinska"]
    assert listed(admin_client.get(url, {"q": "412"})) == ["zielinska"]
    assert listed(admin_client.get(url, {"q": "nobody"})) == []


def test_list_filters_by_role_team_and_active(admin_client, make_user, teams, administrator):
    sales = make_user("seller", Role.AGENT)
    sales.teams.set([teams["Sales"]])
    make_user("boss", Role.MANAGER)
    make_user("gone", Role.AGENT, is_active=False)
    url = reverse("accounts:users")
    assert listed(admin_client.get(url, {"role": "manager"})) == ["boss"]
    assert listed(admin_client.get(url, {"team": teams["Sales"].pk})) == ["seller"]
    # Active users only unless asked otherwise.
    assert "gone" not in listed(admin_client.get(url))
    assert listed(admin_client.get(url, {"active": "inactive"})) == ["gone"]
    assert "gone" in listed(admin_client.get(url, {"active": "all"}))


def test_list_reports_bad_filter_values_and_ignores_them(admin_client, make_user):
    make_user("someone")
    response = admin_client.get(reverse("accounts:users"), {"team": "abc", "role": "pilot", "sort": "salary"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "That team does not exist." in content
    assert "pilot is not one of the available choices" in content
    assert "someone" in listed(response)


def test_list_sorts(admin_client, make_user, administrator):
    make_user("b-user", first_name="Bea", last_name="Alpha", phone_extension="300")
    make_user("a-user", first_name="Ada", last_name="Zulu", phone_extension="200")
    url = reverse("accounts:users")
    assert listed(admin_client.get(url, {"sort": "name", "q": "-user"})) == ["b-user", "a-user"]
    assert listed(admin_client.get(url, {"sort": "-name", "q": "-user"})) == ["a-user", "b-user"]
    assert listed(admin_client.get(url, {"sort": "username", "q": "-user"})) == ["a-user", "b-user"]
    assert listed(admin_client.get(url, {"sort": "extension", "q": "-user"})) == ["a-user", "b-user"]
    response = admin_client.get(url, {"sort": "-extension", "q": "-user"})
    assert listed(response) == ["b-user", "a-user"]
    assert 'aria-sort="descending"' in response.content.decode()


def test_list_paginates_and_keeps_filters_in_page_links(admin_client, make_user):
    for number in range(55):
        make_user(f"user{number:02}")
    response = admin_client.get(reverse("accounts:users"), {"q": "user", "sort": "username"})
    assert len(listed(response)) == 50
    assert "q=user&amp;sort=username&amp;page=2" in response.content.decode()
    second = admin_client.get(reverse("accounts:users"), {"q": "user", "sort": "username", "page": 2})
    assert listed(second) == [f"user{n}" for n in range(50, 55)]


def test_list_answers_htmx_with_the_results_fragment(admin_client, make_user):
    make_user("fragment")
    response = admin_client.get(reverse("accounts:users"), {"q": "frag"}, headers={"HX-Request": "true"})
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="user-results">')
    assert "<html" not in content and "fragment" in content


def test_list_query_count_does_not_grow_with_users(admin_client, make_user, teams, django_assert_max_num_queries):
    def add_users(prefix, count):
        for number in range(count):
            make_user(f"{prefix}{number}").teams.set(teams.values())

    add_users("few", 2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        admin_client.get(reverse("accounts:users"))
    add_users("many", 30)
    with django_assert_max_num_queries(len(few)):
        admin_client.get(reverse("accounts:users"))


# --- create -------------------------------------------------------------------------------

def test_create_user(admin_client, administrator, teams):
    response = admin_client.post(reverse("accounts:user_create"), user_data(teams=[teams["Sales"].pk]))
    assert response.status_code == 302
    user = User.objects.get(username="nowak")
    assert (user.role, user.phone_extension, user.language, user.outgoing_email) == ("agent", "104", "pl", "sales@example.com")
    assert [t.name for t in user.teams.all()] == ["Sales"]
    assert user.check_password(NEW_PASSWORD)
    assert not user.is_staff
    entry = AuditEntry.objects.get(action="user.create")
    assert entry.actor == administrator and entry.object_id == str(user.pk)
    assert entry.changes["username"] == [None, "nowak"]
    assert entry.changes["teams"] == [None, ["Sales"]]
    assert "password" not in str(entry.changes)
    assert Client().login(username="nowak", password=NEW_PASSWORD)


def test_create_page_renders_every_field(admin_client):
    content = admin_client.get(reverse("accounts:user_create")).content.decode()
    for name in ["username", "first_name", "last_name", "email", "role", "phone_extension",
                 "outgoing_email", "language", "password1", "password2"]:
        assert f'name="{name}"' in content, name
    assert "Browser language" in content
    assert "at least 10 characters" in content


def test_create_administrator_gets_admin_site_access(admin_client):
    admin_client.post(reverse("accounts:user_create"), user_data(role="administrator"))
    user = User.objects.get(username="nowak")
    assert user.is_staff and user.is_superuser


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"username": "Agent"}, "username", "A user with this username already exists."),
        ({"username": "bad name!"}, "username", "Enter a valid username."),
        ({"username": ""}, "username", "This field is required."),
        ({"phone_extension": "12a"}, "phone_extension", "An extension is digits only, e.g. 104."),
        ({"phone_extension": "١٢٣"}, "phone_extension", "An extension is digits only, e.g. 104."),
        ({"phone_extension": "555"}, "phone_extension", "Extension 555 is already used by Agent Test."),
        ({"password1": "short", "password2": "short"}, "password1", "at least 10 characters"),
        ({"password1": "password123", "password2": "password123"}, "password1", "too common"),
        ({"password1": "jan@example.com1", "password2": "jan@example.com1"}, "password1", "too similar"),
        ({"password2": "something-else-99"}, "password2", "The two passwords do not match."),
        ({"role": "pilot"}, "role", "Select a valid choice."),
        ({"language": "de"}, "language", "Select a valid choice."),
        ({"teams": ["99999"]}, "teams", "Select a valid choice."),
        ({"teams": ["abc"]}, "teams", "is not a valid value"),
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"first_name": ""}, "first_name", "This field is required."),
    ],
)
def test_create_user_refuses_bad_input(admin_client, make_user, overrides, field, message):
    make_user("agent", phone_extension="555")
    users_before = User.objects.count()
    response = admin_client.post(reverse("accounts:user_create"), user_data(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in error for error in errors[field]), errors
    assert message in html.unescape(response.content.decode())
    assert User.objects.count() == users_before
    assert not AuditEntry.objects.exists()


def test_extension_of_an_inactive_user_can_be_reused(admin_client, make_user):
    make_user("former", phone_extension="104", is_active=False)
    response = admin_client.post(reverse("accounts:user_create"), user_data())
    assert response.status_code == 302


def test_action_refuses_what_the_form_would(administrator, make_user):
    from django.core.exceptions import ValidationError

    make_user("taken", phone_extension="200")
    with pytest.raises(ValidationError) as caught:
        actions.do_create_user(administrator, username="TAKEN", password=NEW_PASSWORD, phone_extension="200")
    assert set(caught.value.error_dict) == {"username", "phone_extension"}
    with pytest.raises(ValidationError) as caught:
        actions.do_create_user(administrator, username="fresh", password="123")
    assert set(caught.value.error_dict) == {"password"}
    with pytest.raises(ValidationError) as caught:
        actions.do_create_user(
            administrator, username="bad name!", email="nope", role="pilot", language="de",
            phone_extension="1 2", password=NEW_PASSWORD,
        )
    assert set(caught.value.error_dict) == {"username", "email", "role", "language", "phone_extension"}
    assert not User.objects.filter(username="fresh").exists()


# --- edit ---------------------------------------------------------------------------------

def test_edit_user(admin_client, administrator, make_user, teams):
    user = make_user("editme", phone_extension="101")
    data = edit_data(user, role="manager", phone_extension="102", teams=[teams["Service"].pk], language="")
    response = admin_client.post(reverse("accounts:user_edit", args=[user.pk]), data)
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.role, user.phone_extension, user.language) == ("manager", "102", "")
    assert [t.name for t in user.teams.all()] == ["Service"]
    entry = AuditEntry.objects.get(action="user.update")
    assert entry.actor == administrator
    assert entry.changes == {
        "role": ["agent", "manager"], "phone_extension": ["101", "102"], "teams": [[], ["Service"]],
    }


def test_edit_page_shows_current_values_and_history(admin_client, administrator, make_user):
    user = make_user("shown", phone_extension="333")
    actions.do_update_user(administrator, user, phone_extension="334")
    content = admin_client.get(reverse("accounts:user_edit", args=[user.pk])).content.decode()
    assert 'value="334"' in content
    assert 'name="is_active"' in content and "checked" in content
    assert "user.update" in content and "333 → 334" in content


def test_edit_without_changes_writes_no_audit_entry(admin_client, make_user):
    user = make_user("same")
    response = admin_client.post(reverse("accounts:user_edit", args=[user.pk]), edit_data(user))
    assert response.status_code == 302
    assert not AuditEntry.objects.exists()


def test_edit_sets_a_new_password(admin_client, administrator, make_user):
    user = make_user("forgetful")
    for _attempt in range(3):
        actions.note_login_failure("forgetful", "127.0.0.1")
    data = edit_data(user, new_password1=NEW_PASSWORD, new_password2=NEW_PASSWORD)
    assert admin_client.post(reverse("accounts:user_edit", args=[user.pk]), data).status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert AuditEntry.objects.filter(action="user.password", actor=administrator, object_id=str(user.pk)).exists()
    assert actions.recent_login_failures("forgetful") == 0


def test_edit_refuses_a_weak_new_password(admin_client, make_user):
    user = make_user("weak")
    data = edit_data(user, first_name="Changed", new_password1="12345", new_password2="12345")
    response = admin_client.post(reverse("accounts:user_edit", args=[user.pk]), data)
    assert response.status_code == 200
    assert "new_password1" in response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD) and user.first_name == "Weak"
    assert not AuditEntry.objects.exists()


def test_administrator_changing_own_password_stays_signed_in(admin_client, administrator):
    data = edit_data(administrator, new_password1=NEW_PASSWORD, new_password2=NEW_PASSWORD)
    assert admin_client.post(reverse("accounts:user_edit", args=[administrator.pk]), data).status_code == 302
    assert admin_client.get(reverse("accounts:users")).status_code == 200


def test_administrator_cannot_deactivate_themselves(admin_client, administrator):
    data = edit_data(administrator)
    del data["is_active"]
    response = admin_client.post(reverse("accounts:user_edit", args=[administrator.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors["is_active"] == ["You cannot deactivate your own account."]
    assert "You cannot deactivate your own account." in response.content.decode()
    administrator.refresh_from_db()
    assert administrator.is_active


def test_administrator_cannot_drop_own_administrator_role(admin_client, administrator):
    response = admin_client.post(
        reverse("accounts:user_edit", args=[administrator.pk]), edit_data(administrator, role="manager")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["role"] == [
        "You cannot remove your own administrator role. Ask another administrator."
    ]
    administrator.refresh_from_db()
    assert administrator.role == "administrator"


def test_another_administrator_can_be_demoted_and_loses_admin_site(admin_client, make_user):
    other = make_user("other-admin", Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    response = admin_client.post(reverse("accounts:user_edit", args=[other.pk]), edit_data(other, role="agent"))
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.role == "agent" and not other.is_staff and not other.is_superuser


def test_edit_refuses_an_extension_in_use(admin_client, make_user):
    make_user("holder", phone_extension="500")
    user = make_user("wants")
    response = admin_client.post(reverse("accounts:user_edit", args=[user.pk]), edit_data(user, phone_extension="500"))
    assert response.context["form"].errors["phone_extension"] == ["Extension 500 is already used by Holder Test."]


def test_reactivating_a_user_whose_extension_was_taken_is_refused(admin_client, make_user):
    former = make_user("former", phone_extension="600", is_active=False)
    make_user("successor", phone_extension="600")
    response = admin_client.post(reverse("accounts:user_edit", args=[former.pk]), edit_data(former, is_active="on"))
    assert response.status_code == 200
    assert "phone_extension" in response.context["form"].errors


def test_deactivation_signs_the_user_out_and_refuses_sign_in(admin_client, administrator, agent, presence_statuses):
    from centrala.presence.actions import current_presence, do_set_presence

    agent_client = Client()
    assert agent_client.login(username="agent", password=PASSWORD)
    do_set_presence(agent, presence_statuses["available"])
    admin_session = admin_client.session.session_key
    data = edit_data(agent)
    del data["is_active"]
    assert admin_client.post(reverse("accounts:user_edit", args=[agent.pk]), data).status_code == 302
    agent.refresh_from_db()
    assert not agent.is_active
    assert AuditEntry.objects.get(action="user.update").changes == {"is_active": [True, False]}
    assert list(Session.objects.values_list("session_key", flat=True)) == [admin_session]
    assert current_presence(agent).status is None
    assert agent_client.get("/").status_code == 302
    assert not Client().login(username="agent", password=PASSWORD)


def test_unlock_clears_failed_sign_ins(admin_client, administrator, agent, settings):
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT):
        actions.note_login_failure("agent", "10.0.0.1")
    page = admin_client.get(reverse("accounts:user_edit", args=[agent.pk])).content.decode()
    assert "Sign-in is locked" in page
    response = admin_client.post(reverse("accounts:user_unlock", args=[agent.pk]))
    assert response.status_code == 302
    assert not actions.is_locked_out("agent")
    entry = AuditEntry.objects.get(action="user.unlock")
    assert entry.actor == administrator and entry.changes == {"login_failures": [settings.LOGIN_FAILURE_LIMIT, 0]}


def test_action_refuses_self_lockout_whoever_calls_it(administrator):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        actions.do_update_user(administrator, administrator, is_active=False, role="agent")
    assert set(caught.value.error_dict) == {"is_active", "role"}
    administrator.refresh_from_db()
    assert administrator.is_active and administrator.role == "administrator"


def test_errors_found_only_when_saving_are_shown_on_the_form(admin_client, monkeypatch):
    from django.core.exceptions import ValidationError

    def racing_create(actor, **kwargs):
        # Between the form's check and the action, another administrator took the extension.
        raise ValidationError({"phone_extension": "Extension 104 is already used by Quick Test."})

    monkeypatch.setattr(actions, "do_create_user", racing_create)
    response = admin_client.post(reverse("accounts:user_create"), user_data())
    assert response.status_code == 200
    assert response.context["form"].errors["phone_extension"] == [
        "Extension 104 is already used by Quick Test."
    ]


def test_the_database_refuses_two_active_users_with_one_extension(make_user):
    from django.db import IntegrityError, transaction

    make_user("first", phone_extension="150")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_user("second", phone_extension="150")
    # An inactive user may keep an old extension, and empty extensions never clash.
    make_user("retired", phone_extension="150", is_active=False)
    make_user("no_ext_1")
    make_user("no_ext_2")
