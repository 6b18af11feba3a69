"""The audit trail page: who may read it, what it shows, its filters and its pages."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from centrala.accounts.actions import do_update_user
from centrala.accounts.models import Team
from centrala.audit.actions import diff, record
from centrala.audit.models import AuditEntry
from centrala.audit.views import PAGE_SIZE

URL = "/audit/"


def entry_ids(response):
    return [entry.pk for entry in response.context["entries"]]


def at(entry, moment):
    AuditEntry.objects.filter(pk=entry.pk).update(at=moment)
    entry.refresh_from_db()
    return entry


@pytest.fixture
def team(db):
    return Team.objects.create(name="Sales")


# --- access -----------------------------------------------------------------------------------

def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["agent", "home_agent", "receptionist", "specialist"])
def test_other_roles_get_403(client_for, make_user, role):
    assert client_for(make_user(role, role)).get(URL).status_code == 403


@pytest.mark.parametrize("role", ["manager", "administrator"])
def test_managers_and_administrators_read_the_trail(client_for, make_user, role):
    response = client_for(make_user(role, role)).get(URL)
    assert response.status_code == 200
    assert "Audit trail" in response.content.decode()


def test_only_get(client_for, manager):
    assert client_for(manager).post(URL).status_code == 405


# --- what an entry shows ------------------------------------------------------------------------

def test_entries_are_newest_first_with_who_what_and_readable_changes(client_for, administrator, manager, agent):
    do_update_user(administrator, agent, role="manager", is_active=False)
    first = AuditEntry.objects.get(action="user.update")
    at(first, timezone.now() - timedelta(hours=1))
    record(manager, "user.password", agent, {})
    response = client_for(manager).get(URL)
    html = response.content.decode()

    latest, earlier = response.context["entries"]
    assert (latest.action, earlier.pk) == ("user.password", first.pk)
    assert "Password changed" in html and "User changed" in html  # labels, not codes
    assert 'title="user.update"' in html  # the code is still there for those who need it
    assert "Admin Test" in html and "Manager Test" in html
    assert "Agent Test" in html and "User #" in html  # the object: its name and type
    rows = {change.field: change for change in earlier.change_rows}
    # Field names and choice values come from the model: "Role: Agent → Manager".
    assert (rows["Role"].old, rows["Role"].new) == ("Agent", "Manager")
    assert (rows["Active"].old, rows["Active"].new) == ("Yes", "No")
    assert '<span class="old">Agent</span> → <span class="new">Manager</span>' in html


def test_when_is_shown_in_the_local_time_zone(client_for, manager, settings):
    settings.TIME_ZONE = "Europe/Warsaw"
    entry = at(record(manager, "user.password", manager, {}), datetime(2026, 1, 15, 23, 30, tzinfo=UTC))
    html = client_for(manager).get(URL).content.decode()
    assert f'datetime="{timezone.localtime(entry.at):%Y-%m-%dT%H:%M:%S}' in html
    assert "01/16/2026 12:30 a.m." in html  # 00:30 in Warsaw, English short format


def test_created_and_deleted_values(client_for, manager, team):
    record(manager, "team.create", team, diff({}, {"name": "Sales", "description": ""}))
    record(manager, "team.delete", team, diff({"name": "Sales", "members": ["Ann", "Bob"]}, {}))
    response = client_for(manager).get(URL)
    deleted, created = response.context["entries"]
    assert [(c.field, c.old, c.new) for c in created.change_rows] == [("Name", None, "Sales")]
    assert [(c.field, c.old, c.new) for c in deleted.change_rows] == [
        ("Name", "Sales", "—"), ("Members", "Ann, Bob", "—"),
    ]


def test_dates_in_changes_are_local_and_unknown_fields_readable(client_for, manager, settings):
    settings.TIME_ZONE = "UTC"
    record(manager, "api_token.revoke", manager, {
        "last_login": [None, "2026-03-01T10:00:00+00:00"], "login_failures": [3, 0], "title": "Hello",
    })
    rows = client_for(manager).get(URL).context["entries"][0].change_rows
    assert [(r.field, r.old, r.new, r.is_change) for r in rows] == [
        ("Last login", None, "03/01/2026 10 a.m.", True),
        ("Login failures", "3", "0", True),
        ("Title", None, "Hello", False),
    ]


def test_unknown_actions_and_object_types_are_shown_raw(client_for, manager):
    entry = record(manager, "case.reopen", manager, {"state": ["closed", "open"]})
    AuditEntry.objects.filter(pk=entry.pk).update(object_type="legacy.thing")
    html = client_for(manager).get(URL).content.decode()
    assert ">case.reopen</a>" in html
    assert "legacy.thing #" in html
    assert "State:" in html


def test_system_entries_have_no_actor(client_for, manager, agent):
    record(None, "user.unlock", agent, {"login_failures": [5, 0]})
    html = client_for(manager).get(URL).content.decode()
    assert "System" in html and "Sign-in lockout lifted" in html


def test_query_count_does_not_grow_with_entries(client_for, manager, make_user, django_assert_max_num_queries):
    client = client_for(manager)
    for number in range(30):
        actor = make_user(f"user{number}", "manager")
        record(actor, "user.update", actor, {"role": ["agent", "manager"], "teams": [[], ["Sales"]]})
    with django_assert_max_num_queries(8):
        response = client.get(URL)
    assert len(response.context["entries"]) == 30


# --- filters ------------------------------------------------------------------------------------

@pytest.fixture
def trail(manager, administrator, agent, team):
    """Five entries by two people about three objects over three days."""
    day = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    return {
        "a": at(record(administrator, "user.create", agent, {}), day - timedelta(days=2)),
        "b": at(record(administrator, "team.create", team, {}), day - timedelta(days=1)),
        "c": at(record(manager, "user.update", agent, {"role": ["agent", "manager"]}), day),
        "d": at(record(manager, "team.update", team, {"name": ["Sales", "Sales 2"]}), day + timedelta(hours=1)),
        "e": at(record(manager, "user.update", manager, {"email": ["", "m@example.com"]}), day + timedelta(days=1)),
    }


def test_filter_by_actor(client_for, manager, administrator, trail):
    response = client_for(manager).get(URL, {"actor": administrator.pk})
    assert entry_ids(response) == [trail["b"].pk, trail["a"].pk]


def test_filter_by_action(client_for, manager, trail):
    response = client_for(manager).get(URL, {"action": "user.update"})
    assert entry_ids(response) == [trail["e"].pk, trail["c"].pk]


def test_filter_by_a_well_formed_action_missing_from_the_label_table(client_for, manager, trail):
    entry = record(manager, "case.reopen", manager, {})
    response = client_for(manager).get(URL, {"action": "case.reopen"})
    assert response.status_code == 200
    assert entry_ids(response) == [entry.pk]


def test_filter_by_object(client_for, manager, agent, trail):
    client = client_for(manager)
    by_type = client.get(URL, {"object_type": "accounts.team"})
    assert entry_ids(by_type) == [trail["d"].pk, trail["b"].pk]
    history = client.get(URL, {"object_type": "accounts.user", "object_id": agent.pk})
    assert entry_ids(history) == [trail["c"].pk, trail["a"].pk]
    assert entry_ids(client.get(URL, {"object_id": "999999"})) == []


def test_filter_by_dates_uses_whole_local_days(client_for, manager, settings, trail):
    settings.TIME_ZONE = "Europe/Warsaw"
    client = client_for(manager)
    one_day = client.get(URL, {"date_from": "2026-03-10", "date_to": "2026-03-10"})
    assert entry_ids(one_day) == [trail["d"].pk, trail["c"].pk]
    since = client.get(URL, {"date_from": "2026-03-10"})
    assert entry_ids(since) == [trail["e"].pk, trail["d"].pk, trail["c"].pk]
    until = client.get(URL, {"date_to": "2026-03-09"})
    assert entry_ids(until) == [trail["b"].pk, trail["a"].pk]
    # 23:30 UTC on the 10th is already the 11th in Warsaw.
    late = at(record(manager, "user.password", manager, {}), datetime(2026, 3, 10, 23, 30, tzinfo=UTC))
    assert late.pk in entry_ids(client.get(URL, {"date_from": "2026-03-11", "date_to": "2026-03-11"}))


def test_filters_combine(client_for, manager, agent, trail):
    response = client_for(manager).get(
        URL, {"actor": manager.pk, "action": "user.update", "object_type": "accounts.user", "object_id": agent.pk},
    )
    assert entry_ids(response) == [trail["c"].pk]


def test_links_in_a_row_filter_by_that_value(client_for, manager, agent, trail):
    html = client_for(manager).get(URL).content.decode()
    assert f'href="?actor={manager.pk}"' in html
    assert 'href="?action=user.update"' in html
    assert f'href="?object_type=accounts.user&amp;object_id={agent.pk}"' in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"actor": "abc"}, "Who: Select a valid choice"),
        ({"actor": "999999"}, "Who: Select a valid choice"),
        ({"action": "DROP TABLE audit"}, "Action: This is not a valid code."),
        ({"object_type": "accounts"}, "Object type: This is not a valid code."),
        ({"object_id": "x" * 65}, "Object id: Ensure this value has at most 64 characters"),
        ({"date_from": "yesterday"}, "From: Enter a valid date."),
        ({"date_to": "2026-02-30"}, "To: Enter a valid date."),
        ({"date_from": "2026-03-11", "date_to": "2026-03-10"}, "To: The end date is before the start date."),
        ({"before": "999999"}, "There is no audit entry 999999 to page from."),
        ({"before": "abc"}, "Page: Enter a whole number."),
        ({"before": "1", "after": "2"}, "Ask for older or for newer entries, not both."),
    ],
)
def test_bad_filters_are_a_clear_error(client_for, manager, trail, params, message):
    response = client_for(manager).get(URL, params)
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert response.context["entries"] == []


def test_htmx_gets_just_the_results(client_for, manager, trail):
    response = client_for(manager).get(URL, {"action": "team.update"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="audit-results">')
    assert "<html" not in html
    assert entry_ids(response) == [trail["d"].pk]


# --- pages --------------------------------------------------------------------------------------

@pytest.fixture
def many(manager):
    """PAGE_SIZE * 2 + 10 entries; the first 20 share one timestamp, as in a bulk change."""
    start = timezone.now() - timedelta(days=1)
    entries = []
    for number in range(PAGE_SIZE * 2 + 10):
        entry = record(manager, "user.update", manager, {"phone_extension": [str(number), str(number + 1)]})
        entries.append(at(entry, start + timedelta(seconds=max(number, 20))))
    return sorted(entries, key=lambda e: (e.at, e.pk), reverse=True)  # as the page orders them


def test_pages_walk_the_whole_trail_without_gaps_or_repeats(client_for, manager, many):
    client = client_for(manager)
    seen, params, pages = [], {}, []
    while True:
        response = client.get(URL, params)
        assert response.status_code == 200
        pages.append(response)
        seen += entry_ids(response)
        if not response.context["has_older"]:
            break
        params = {"before": response.context["oldest_id"]}
    assert seen == [entry.pk for entry in many]
    assert [len(entry_ids(page)) for page in pages] == [PAGE_SIZE, PAGE_SIZE, 10]
    assert [page.context["has_newer"] for page in pages] == [False, True, True]


def test_newer_goes_back_to_the_same_page(client_for, manager, many):
    client = client_for(manager)
    first = client.get(URL)
    second = client.get(URL, {"before": first.context["oldest_id"]})
    back = client.get(URL, {"after": second.context["newest_id"]})
    assert entry_ids(back) == entry_ids(first)
    assert back.context["has_newer"] is False and back.context["has_older"] is True
    html = second.content.decode()
    assert 'data-testid="audit-newer"' in html and 'data-testid="audit-older"' in html


def test_pages_keep_the_filters(client_for, manager, administrator, many):
    record(administrator, "user.password", administrator, {})
    client = client_for(manager)
    first = client.get(URL, {"actor": manager.pk})
    assert f'href="?actor={manager.pk}&amp;before={first.context["oldest_id"]}"' in first.content.decode()
    second = client.get(URL, {"actor": manager.pk, "before": first.context["oldest_id"]})
    assert all(entry.actor_id == manager.pk for entry in second.context["entries"])


def test_a_short_trail_has_no_pager(client_for, manager, trail):
    response = client_for(manager).get(URL)
    assert (response.context["has_newer"], response.context["has_older"]) == (False, False)
    assert 'data-testid="audit-older"' not in response.content.decode()


# --- the recording side the page relies on ----------------------------------------------------------

def test_diff_reports_fields_that_disappeared():
    assert diff({"name": "Break", "kind": "break"}, {}) == {"name": ["Break", None], "kind": ["break", None]}
    assert diff({}, {"name": "Break"}) == {"name": [None, "Break"]}
    assert diff({"teams": ["b", "a"]}, {"teams": ["a", "b"]}) == {}


def test_record_keeps_the_order_of_old_and_new(manager):
    entry = record(manager, "user.update", manager, {"is_active": [True, False], "position": [5, 2]})
    assert entry.changes == {"is_active": [True, False], "position": [5, 2]}


@pytest.mark.browser
def test_choosing_a_filter_updates_the_list_in_place(browser_for, manager, trail):
    from playwright.sync_api import expect

    page = browser_for(manager)
    page.goto(URL)
    rows = page.locator("[data-testid=audit] tbody tr")
    expect(rows).to_have_count(5)
    page.select_option("select[name=action]", "team.update")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Team changed")
    expect(rows.first).to_contain_text("Sales 2")
    expect(page).to_have_url(re.compile(r"/audit/\?.*action=team\.update"))
    # The object's link narrows the trail to that object's history.
    page.click("[data-testid=audit] tbody tr >> text=Sales")
    expect(page).to_have_url(re.compile(rf"object_type=accounts\.team&object_id={trail['d'].object_id}"))
    expect(rows).to_have_count(1)
