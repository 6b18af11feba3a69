"""The six case views and their filters (VIEW-01, VIEW-03, CASE-13) on the working-lists engine:
who sees which case in which view, every filter, search by phone in any format, an agent never
reaching another campaign's cases, and a page's query count that does not grow with its rows."""

import base64
import json
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import urlencode

from centrala.campaigns.models import Status
from centrala.cases.lists import CASE_LISTS
from centrala.cases.models import Case
from centrala.worklists.lists import ListQuery

VIEWS = ("tickets", "mine", "distribute", "cases", "reminders", "spam")


def quick_case(campaign, contact, status=None, **fields):
    """A case row straight in the table (these tests are about reading lists, not making cases)."""
    fields.setdefault("subject", "A case")
    return Case.objects.create(campaign=campaign, contact=contact, status=status or campaign.script.initial_status,
                               **fields)


def status(campaign, name):
    return Status.objects.get(script=campaign.script, name=name)


def rows(key, user, params=None, size=500):
    query = ListQuery(CASE_LISTS[key], urlencode(params or {}, doseq=True), user)
    page = query.page(size=size)
    assert not query.errors, query.errors
    return [row.pk for row in page.rows]


def all_rows(key, user, params, size=2):
    """Every row of every page (the next-page links followed), in order."""
    query, seen = ListQuery(CASE_LISTS[key], urlencode(params, doseq=True), user), []
    while True:
        page = query.page(size=size)
        seen.extend(row.pk for row in page.rows)
        if not page.next_cursor:
            return seen, query.errors
        query = ListQuery(CASE_LISTS[key], urlencode({**params, "after": page.next_cursor}, doseq=True), user)


def ids(*cases):
    return {case.pk for case in cases}


@pytest.fixture
def world(rental, service, contact, make_contact, agent, home_agent):
    now = timezone.now()
    anna = make_contact("Anna", "Nowak", phones=["+48 500 100 200"], emails=["anna@example.org"])
    w = {
        "new_mine": quick_case(rental, contact, owner=agent, subject="Van for Saturday"),
        "new_free": quick_case(rental, anna, subject="Minibus for a school trip"),
        "colleague": quick_case(rental, anna, status(rental, "No answer"), owner=home_agent, source="email"),
        "private_mine": quick_case(rental, contact, status(rental, "Call back (me)"), owner=agent,
                                   callback_at=now + timedelta(hours=1)),
        "private_colleague": quick_case(rental, anna, status(rental, "Call back (me)"), owner=home_agent,
                                        callback_at=now + timedelta(hours=2)),
        "public": quick_case(rental, anna, status(rental, "Call back in 30 minutes"), owner=home_agent,
                             callback_at=now - timedelta(hours=1), priority=3),
        "undated": quick_case(rental, contact, status(rental, "Call back in 30 minutes"), owner=agent),
        "booked": quick_case(rental, contact, status(rental, "Booked"), owner=agent, source="web"),
        "spam": quick_case(rental, anna, is_spam=True, subject="Buy cheap watches"),
        "hidden": quick_case(service, contact, subject="Invoice question"),
        "hidden_spam": quick_case(service, anna, is_spam=True),
    }
    w["anna"], w["contact"] = anna, contact
    return w


# --- who sees what in which view ---------------------------------------------------------------

def test_an_agent_sees_in_each_view(world, agent):
    w = world
    assert set(rows("tickets", agent)) == ids(w["new_mine"], w["new_free"], w["private_mine"], w["undated"])
    assert set(rows("mine", agent)) == ids(w["new_mine"], w["private_mine"], w["undated"])
    assert set(rows("distribute", agent)) == ids(w["new_free"])
    assert set(rows("cases", agent)) == ids(w["new_mine"], w["new_free"], w["colleague"], w["private_mine"],
                                            w["private_colleague"], w["public"], w["undated"], w["booked"])
    # Reminders: dated callbacks, soonest first; a colleague's private callback is theirs alone.
    assert rows("reminders", agent) == [w["public"].pk, w["private_mine"].pk]
    assert rows("spam", agent) == [w["spam"].pk]


def test_a_manager_sees_in_each_view(world, manager, agent):
    w = world
    assert set(rows("tickets", manager)) == ids(w["new_mine"], w["new_free"], w["colleague"], w["private_mine"],
                                                w["private_colleague"], w["public"], w["undated"], w["hidden"])
    assert rows("mine", manager) == []
    assert set(rows("distribute", manager)) == ids(w["new_free"], w["hidden"])
    assert set(rows("cases", manager)) == ids(*(case for key, case in w.items()
                                                if isinstance(case, Case) and not case.is_spam))
    assert rows("reminders", manager) == [w["public"].pk, w["private_mine"].pk, w["private_colleague"].pk]
    assert rows("spam", manager) == [w["hidden_spam"].pk, w["spam"].pk]


def test_spam_shows_only_in_spam(world, manager):
    for key in VIEWS[:-1]:
        assert not ids(world["spam"], world["hidden_spam"]) & set(rows(key, manager)), key


@pytest.mark.parametrize("key", VIEWS)
def test_each_view_page_answers_and_others_are_refused(client_for, agent, manager, receptionist, specialist, client,
                                                       world, key):
    url = {"cases": "/cases/"}.get(key, f"/cases/{key}/")
    for user in (agent, manager):
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert [item["row"].pk for item in response.context["rows"]] == rows(key, user, size=50)
    for user in (receptionist, specialist):
        assert client_for(user).get(url).status_code == 403
    assert client.get(url).status_code == 302


# --- filters -------------------------------------------------------------------------------------

def test_filter_by_campaign_status_and_status_type(world, manager, rental, service):
    w = world
    in_rental = set(rows("cases", manager, {"campaign": rental.pk}))
    assert w["hidden"].pk not in in_rental and w["new_mine"].pk in in_rental
    assert set(rows("cases", manager, {"campaign": [rental.pk, service.pk]})) == set(rows("cases", manager))
    assert rows("cases", manager, {"status": status(rental, "Booked").pk}) == [w["booked"].pk]
    assert set(rows("cases", manager, {"status": [status(rental, "No answer").pk, status(rental, "Booked").pk]})) == \
        ids(w["colleague"], w["booked"])
    assert rows("cases", manager, {"status_type": "success"}) == [w["booked"].pk]
    assert set(rows("cases", manager, {"status_type": ["private_callback", "public_callback"]})) == \
        ids(w["private_mine"], w["private_colleague"], w["public"], w["undated"])
    # Filters combine: campaign and status type.
    assert set(rows("cases", manager, {"campaign": service.pk, "status_type": "unused"})) == ids(w["hidden"])


def test_status_choices_are_grouped_by_the_campaigns_a_user_sees(world, agent, manager, rental, service):
    item = CASE_LISTS["cases"].filters_by_key["status"]
    agent_groups = dict(ListQuery(CASE_LISTS["cases"], "", agent).choices_of(item))
    assert list(agent_groups) == ["Vehicle rental"]
    manager_groups = dict(ListQuery(CASE_LISTS["cases"], "", manager).choices_of(item))
    assert set(manager_groups) == {"Vehicle rental", "Customer service"}


def test_filter_by_owner(world, manager, agent, home_agent):
    w = world
    mine = ids(w["new_mine"], w["private_mine"], w["undated"], w["booked"])
    assert set(rows("cases", agent, {"owner": "me"})) == mine
    assert set(rows("cases", manager, {"owner": agent.pk})) == mine
    assert set(rows("cases", manager, {"owner": "none"})) == ids(w["new_free"], w["hidden"])
    assert set(rows("cases", manager, {"owner": home_agent.pk})) == ids(w["colleague"], w["private_colleague"], w["public"])
    assert set(rows("cases", agent, {"owner": ["me", "none"]})) == mine | ids(w["new_free"])
    assert rows("cases", manager, {"owner": "me"}) == []


def test_filter_by_source_and_priority(world, manager):
    assert rows("cases", manager, {"source": "email"}) == [world["colleague"].pk]
    assert set(rows("cases", manager, {"source": ["email", "web"]})) == ids(world["colleague"], world["booked"])
    assert rows("cases", manager, {"priority": 3}) == [world["public"].pk]
    assert world["public"].pk not in rows("cases", manager, {"priority": [0, 1]})


def local_midnight(days_ago):
    today = timezone.localtime().date()
    return timezone.make_aware(datetime.combine(today - timedelta(days=days_ago), time.min))


def test_filter_by_created_presets_and_ranges(world, manager):
    w = world
    Case.objects.filter(pk=w["new_free"].pk).update(created_at=local_midnight(1) + timedelta(hours=12))
    Case.objects.filter(pk=w["colleague"].pk).update(created_at=local_midnight(10) + timedelta(hours=9))
    Case.objects.filter(pk=w["booked"].pk).update(created_at=local_midnight(40) + timedelta(hours=9))
    everything = set(rows("cases", manager))
    old = ids(w["new_free"], w["colleague"], w["booked"])
    assert set(rows("cases", manager, {"created": "today"})) == everything - old
    assert rows("cases", manager, {"created": "yesterday"}) == [w["new_free"].pk]
    assert set(rows("cases", manager, {"created": "7d"})) == everything - ids(w["colleague"], w["booked"])
    assert set(rows("cases", manager, {"created": "30d"})) == everything - ids(w["booked"])
    day = timezone.localtime(local_midnight(10)).date()
    assert rows("cases", manager, {"created_from": day.isoformat(), "created_to": day.isoformat()}) == [w["colleague"].pk]
    assert set(rows("cases", manager, {"created_to": day.isoformat()})) == ids(w["colleague"], w["booked"])
    assert set(rows("cases", manager, {"created_from": (day + timedelta(days=1)).isoformat()})) == \
        everything - ids(w["colleague"], w["booked"])


def test_filter_by_due_and_updated(world, manager):
    w = world
    assert rows("cases", manager, {"due": "overdue"}) == [w["public"].pk]
    assert set(rows("cases", manager, {"due": "future"})) == ids(w["private_mine"], w["private_colleague"])
    tomorrow = timezone.localtime().date() + timedelta(days=1)
    # Pinned, because "now + 1 hour" falls on tomorrow in the last hour of a day.
    Case.objects.filter(pk=w["private_mine"].pk).update(callback_at=local_midnight(-2) + timedelta(hours=10))
    Case.objects.filter(pk=w["private_colleague"].pk).update(callback_at=local_midnight(-1) + timedelta(hours=10))
    assert rows("cases", manager, {"due_from": tomorrow.isoformat(), "due_to": tomorrow.isoformat()}) == \
        [w["private_colleague"].pk]
    Case.objects.filter(pk=w["booked"].pk).update(updated_at=local_midnight(3))
    three_days_ago = timezone.localtime(local_midnight(3)).date().isoformat()
    assert rows("cases", manager, {"updated_from": three_days_ago, "updated_to": three_days_ago}) == [w["booked"].pk]


def test_filter_by_contact_and_number(world, manager):
    w = world
    by_anna = ids(w["new_free"], w["colleague"], w["private_colleague"], w["public"])
    assert set(rows("cases", manager, {"contact": "Nowak"})) == by_anna
    assert set(rows("cases", manager, {"contact": "500 100 200"})) == by_anna
    assert set(rows("cases", manager, {"contact": "anna@example"})) == by_anna
    assert set(rows("cases", manager, {"contact": f"#{w['anna'].pk}"})) == by_anna
    assert rows("cases", manager, {"number": f"#{w['booked'].pk}"}) == [w["booked"].pk]
    assert rows("cases", manager, {"number": str(w["booked"].pk)}) == [w["booked"].pk]
    low, high = w["colleague"].pk, w["public"].pk
    assert set(rows("cases", manager, {"number": f"{low}-{high}"})) == set(range(low, high + 1))
    assert rows("cases", manager, {"number": "twelve"}) == []


@pytest.mark.parametrize("text, expected", [
    ("#{new_free}", ["new_free"]),
    ("{booked}", ["booked"]),
    ("nowak", ["new_free", "colleague", "private_colleague", "public"]),
    ("Anna Nowak", ["new_free", "colleague", "private_colleague", "public"]),
    ("anna@example.org", ["new_free", "colleague", "private_colleague", "public"]),
    ("school", ["new_free"]),
    ("SATURDAY", ["new_mine"]),
    ("+48 500-100-200", ["new_free", "colleague", "private_colleague", "public"]),
])
def test_free_text_finds_number_name_phone_email_and_subject(world, manager, text, expected):
    text = text.format(**{key: case.pk for key, case in world.items() if isinstance(case, Case)})
    found = set(rows("cases", manager, {"q": text}))
    if text.isdigit():  # a bare number may also be part of a phone number: the case is among the rows
        assert {world[key].pk for key in expected} <= found
    else:
        assert found == {world[key].pk for key in expected}


@pytest.mark.parametrize("typed", ["+48 601-234-567", "601234567", "0048601234567", "601 234 567", "+48601234567"])
def test_search_finds_a_contacts_cases_by_a_phone_in_any_format(client_for, agent, world, typed):
    w = world
    expected = {w["new_mine"].pk, w["private_mine"].pk, w["undated"].pk, w["booked"].pk}  # Jan's, in rental
    response = client_for(agent).get("/cases/", {"q": typed})
    assert response.status_code == 200
    assert {item["row"].pk for item in response.context["rows"]} == expected
    assert set(rows("cases", agent, {"contact": typed})) == expected


# --- an agent never reaches another campaign's cases ------------------------------------------------

def forged_cursor(value, pk):
    return base64.urlsafe_b64encode(json.dumps([value, pk]).encode()).decode().rstrip("=")


def test_an_agent_never_sees_cases_of_campaigns_they_are_not_in(world, agent, service, contact):
    hidden = ids(world["hidden"], world["hidden_spam"])
    other_status = Status.objects.filter(script=service.script).first()
    attempts = [
        {},
        {"campaign": service.pk},
        {"status": other_status.pk},
        {"status_type": ["unused", "no_qualifier"]},
        {"owner": "none"},
        {"q": f"#{world['hidden'].pk}"},
        {"q": str(world["hidden"].pk)},
        {"q": "Invoice"},
        {"q": "Kowalski"},
        {"contact": f"#{contact.pk}"},
        {"contact": f"#{world['anna'].pk}"},
        {"number": str(world["hidden"].pk)},
        {"number": f"1-{world['hidden_spam'].pk + 10}"},
        {"sort": "campaign"},
        {"sort": "-subject"},
        {"after": forged_cursor(world["hidden"].pk + 1, world["hidden"].pk + 1)},
        {"before": forged_cursor(0, 0)},
        {"sort": "subject", "after": forged_cursor("", 0)},
    ]
    for key in VIEWS:
        for params in attempts:
            seen, _errors = all_rows(key, agent, params)
            assert not hidden & set(seen), (key, params)
            assert len(seen) == len(set(seen)), (key, params)


def test_an_agent_in_a_campaign_through_a_team_sees_its_cases(world, agent, service):
    from centrala.accounts.models import Team

    team = Team.objects.create(name="Service desk")
    service.teams.add(team)
    agent.teams.add(team)
    assert world["hidden"].pk in rows("cases", agent)
    assert world["hidden_spam"].pk in rows("spam", agent)


def test_a_hidden_case_is_not_in_the_page_html(client_for, agent, world):
    html = client_for(agent).get("/cases/", {"q": "Invoice"}).content.decode()
    assert "Invoice question" not in html and f'data-row-id="{world["hidden"].pk}"' not in html


# --- speed: a page costs the same queries whatever its rows ------------------------------------------

@pytest.mark.parametrize("role", ["agent", "manager"])
@pytest.mark.parametrize("key", VIEWS)
def test_the_query_count_of_a_page_does_not_grow_with_its_rows(client_for, request, rental, agent, home_agent,
                                                               make_contact, key, role):
    user = request.getfixturevalue(role)
    now = timezone.now()

    def add(count):
        """Cases for every view: new ones (mine, nobody's, a colleague's), callbacks, some spam."""
        for index in range(count):
            person = make_contact("Person", f"No{index}")
            kind = ["New", "Call back in 30 minutes", "Call back (me)"][index % 3]
            owner = agent if kind == "Call back (me)" else [agent, None, home_agent][index % 4 % 3]
            quick_case(rental, person, status(rental, kind), owner=owner, is_spam=index % 5 == 0,
                       callback_at=None if kind == "New" else now + timedelta(minutes=index),
                       priority=index % 4, source=["email", "web"][index % 2])

    client = client_for(user)
    url = {"cases": "/cases/"}.get(key, f"/cases/{key}/")
    params = {"q": "Person"}
    add(5)
    client.get(url, params)  # warm caches (sessions, content types)
    with CaptureQueriesContext(connection) as few:
        first = client.get(url, params)
    add(55)
    with CaptureQueriesContext(connection) as many:
        second = client.get(url, params)
    assert first.status_code == second.status_code == 200
    if not (key == "mine" and role == "manager"):  # managers own no cases
        assert len(second.context["rows"]) > len(first.context["rows"])
    assert len(many) == len(few), [q["sql"][:120] for q in many]
