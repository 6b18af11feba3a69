"""The list engine (centrala.worklists.lists.ListQuery) on the case views: keyset paging over ties
and NULLs in both directions, and bad parameters reported without losing the rows."""

import base64
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.http import urlencode

from centrala.cases.lists import CASE_LISTS
from centrala.cases.models import Case
from centrala.worklists.lists import ListQuery


def quick_case(campaign, contact, **fields):
    """A case row straight in the table (these tests are about reading lists, not making cases)."""
    fields.setdefault("subject", "A case")
    fields.setdefault("status", campaign.script.initial_status)
    return Case.objects.create(campaign=campaign, contact=contact, **fields)


def lq(listdef, params, user):
    """ListQuery of a dict of parameters (values may be lists), as a request would give it."""
    return ListQuery(listdef, urlencode(params, doseq=True), user)


def encode(value, pk):
    raw = json.dumps([value, pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def walk_forward(listdef, user, params, size):
    """Every page from the first one on: the rows in order, and the queries that made each page."""
    seen, pages, query = [], [], lq(listdef, params, user)
    while True:
        page = query.page(size=size)
        assert not query.errors, query.errors
        pages.append((query, page))
        seen.extend(row.pk for row in page.rows)
        if page.next_cursor is None:
            return seen, pages
        assert len(seen) < 1000, "paging does not end"
        query = lq(listdef, {**params, "after": page.next_cursor}, user)


def walk_backward(listdef, user, params, size, last_page):
    """From the last page back to the first through the "previous" links."""
    seen = [row.pk for row in last_page.rows]
    page = last_page
    while page.previous_cursor is not None:
        query = lq(listdef, {**params, "before": page.previous_cursor}, user)
        page = query.page(size=size)
        assert not query.errors, query.errors
        seen = [row.pk for row in page.rows] + seen
        assert len(seen) < 1000, "paging does not end"
    return seen


def expected_order(cases, key, descending):
    """NULLs last either way; ties by number in the direction of the sort."""
    present = [case for case in cases if key(case) is not None]
    missing = [case for case in cases if key(case) is None]
    present.sort(key=lambda case: (key(case), case.pk), reverse=descending)
    missing.sort(key=lambda case: case.pk, reverse=descending)
    return [case.pk for case in present + missing]


@pytest.fixture
def spread(rental, contact, make_contact, agent, home_agent):
    """Cases with equal and missing due times, subjects, owners and priorities."""
    now = timezone.now().replace(microsecond=0)
    anna = make_contact("Anna", "Nowak")
    due = [None, now, now + timedelta(hours=1), None, now, now, None, now + timedelta(hours=1), None, now - timedelta(days=1), now]
    owners = [agent, None, home_agent, agent, None, None, home_agent, agent, None, agent, home_agent]
    cases = []
    for index, when in enumerate(due):
        cases.append(quick_case(rental, anna if index % 3 else contact, callback_at=when, owner=owners[index],
                                subject=["Van", "Car", "Van"][index % 3], priority=index % 2))
    return cases


SORTS = {
    "due": lambda case: case.callback_at,
    "subject": lambda case: case.subject,
    "owner": lambda case: case.owner.last_name if case.owner else None,  # both agents are "Test": ties
    "priority": lambda case: case.priority,
    "number": lambda case: case.pk,
    "contact": lambda case: case.contact.display_name,
}


@pytest.mark.parametrize("sort", sorted(SORTS))
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_keyset_paging_gives_every_row_once_in_order_both_ways(spread, manager, sort, descending, size):
    listdef = CASE_LISTS["cases"]
    params = {"sort": ("-" if descending else "") + sort}
    cases = Case.objects.select_related("owner", "contact").filter(pk__in=[case.pk for case in spread])
    expected = expected_order(list(cases), SORTS[sort], descending)

    forward, pages = walk_forward(listdef, manager, params, size)
    assert forward == expected
    assert all(len(page.rows) == size for _query, page in pages[:-1])
    assert pages[0][1].previous_cursor is None
    backward = walk_backward(listdef, manager, params, size, pages[-1][1])
    assert backward == expected


def test_paging_backward_from_the_middle_gives_the_page_before(spread, manager):
    listdef = CASE_LISTS["cases"]
    params = {"sort": "due"}
    _rows, pages = walk_forward(listdef, manager, params, 3)
    third = pages[2][1]
    previous = lq(listdef, {**params, "before": third.previous_cursor}, manager).page(size=3)
    assert [row.pk for row in previous.rows] == [row.pk for row in pages[1][1].rows]
    assert previous.next_cursor and previous.previous_cursor
    # Its "next" leads to the third page again.
    again = lq(listdef, {**params, "after": previous.next_cursor}, manager).page(size=3)
    assert [row.pk for row in again.rows] == [row.pk for row in third.rows]


def test_a_cursor_survives_changes_to_other_rows(spread, manager, rental, contact):
    """Keyset paging: rows added before the cursor do not shift the next page."""
    listdef = CASE_LISTS["cases"]
    first = lq(listdef, {}, manager).page(size=4)
    quick_case(rental, contact)  # a new case: the highest number, so on page one
    second = lq(listdef, {"after": first.next_cursor}, manager).page(size=4)
    expected = sorted((case.pk for case in spread), reverse=True)[4:8]
    assert [row.pk for row in second.rows] == expected


def test_the_count_is_capped(spread, manager):
    query = lq(CASE_LISTS["cases"], {}, manager)
    assert query.count() == (len(spread), False)
    assert query.count(cap=5) == (5, True)
    assert query.exact_count() == len(spread)


@pytest.mark.parametrize("params, message", [
    ({"sort": "colour"}, "This list cannot be sorted by “colour”."),
    ({"sort": "-spam"}, "This list cannot be sorted by “spam”."),  # a column without a sort
    ({"created_from": "2026-13-45"}, "Created: “2026-13-45” is not a date (YYYY-MM-DD)."),
    ({"due_to": "tomorrow"}, "Callback due: “tomorrow” is not a date (YYYY-MM-DD)."),
    ({"created_from": "2026-05-02", "created_to": "2026-05-01"}, "Created: the start is after the end."),
    ({"created": "someday"}, "Created: unknown period."),
    ({"after": "not-a-cursor"}, "This page of the list does not exist; showing the first page."),
    ({"before": encode(1, "x")}, "This page of the list does not exist; showing the first page."),
    ({"after": encode([1, 2], 3)}, "This page of the list does not exist; showing the first page."),
    ({"after": encode({"dt": "yesterday"}, 3)}, "This page of the list does not exist; showing the first page."),
    ({"campaign": "999999"}, "Campaign: a chosen value does not exist or is not yours to see."),
    ({"status_type": "sleeping"}, "Status type: a chosen value does not exist or is not yours to see."),
    ({"owner": "somebody"}, "Owner: a chosen value does not exist or is not yours to see."),
    ({"source": "pigeon"}, "Source: a chosen value does not exist or is not yours to see."),
    ({"priority": "9"}, "Priority: a chosen value does not exist or is not yours to see."),
])
def test_bad_parameters_are_reported_and_ignored(spread, manager, params, message):
    query = lq(CASE_LISTS["cases"], params, manager)
    page = query.page()
    assert query.errors == [message]
    assert len(page.rows) == len(spread)  # the bad part is ignored; the rest of the list still answers


@pytest.mark.parametrize("sort, value", [
    ("due", "not a time"),      # a text where the column holds times
    ("priority", "high"),        # a text where the column holds numbers
    ("priority", 10 ** 30),      # a number no database column holds
    ("due", 5),
])
def test_a_cursor_of_the_wrong_kind_for_the_sort_shows_the_first_page(spread, manager, sort, value):
    query = lq(CASE_LISTS["cases"], {"sort": sort, "after": encode(value, spread[0].pk)}, manager)
    page = query.page(size=3)
    assert query.errors == ["This page of the list does not exist; showing the first page."]
    expected = expected_order(list(Case.objects.all()), SORTS[sort], False)[:3]
    assert [row.pk for row in page.rows] == expected


def test_a_cursor_with_a_huge_number_is_refused(spread, manager):
    query = lq(CASE_LISTS["cases"], {"after": encode(10 ** 30, 10 ** 30)}, manager)
    page = query.page(size=3)
    assert query.errors and len(page.rows) == 3


def test_the_page_answers_400_with_its_rows_when_a_parameter_is_bad(client_for, manager, spread):
    response = client_for(manager).get("/cases/", {"sort": "colour", "created_from": "nope"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "This list cannot be sorted by “colour”." in html and "“nope” is not a date" in html
    assert len(response.context["rows"]) == len(spread)
    assert response.context["query"].sort_key == "number"  # the default sort instead


def test_filter_query_keeps_filters_and_sort_only(manager, db):
    query = ListQuery(CASE_LISTS["cases"], "q=van&sort=due&after=abc&variant=3&page_size=9&campaign=", manager)
    assert query.filter_query() == "q=van&sort=due"
    assert query.url_with(sort="-due") == "?q=van&sort=-due&variant=3&page_size=9&campaign="
