"""What keeps the lists fast at a million cases (docs/performance.md), checked for what users rely on:
a page costs a fixed, small number of queries however deep it is; a filter's choices load when its
menu opens and only the user's own; a campaign + status filter narrows the view's own conditions
and still lists exactly the right rows; counts are capped and say so."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from centrala.campaigns.models import Status
from centrala.cases.lists import CASE_LISTS
from centrala.cases.models import Case
from centrala.worklists import lists
from centrala.worklists.lists import ListQuery, memoized, request_memo

from .test_engine import lq, quick_case

# The most queries one page of a list may cost (session and user, the user's campaigns, the
# page, its count, layout, tabs, the base layout's own); it must not depend on the rows or depth.
MAX_QUERIES = 16
CASE_VIEWS = {"tickets": "/cases/tickets/", "mine": "/cases/mine/", "distribute": "/cases/distribute/",
              "cases": "/cases/", "reminders": "/cases/reminders/", "spam": "/cases/spam/"}


def status(campaign, name):
    return Status.objects.get(script=campaign.script, name=name)


@pytest.fixture
def busy(rental, service, contact, agent, home_agent):
    """60 cases over both campaigns: new and callbacks, owned and not, some spam."""
    now = timezone.now()
    made = []
    for index in range(60):
        campaign = rental if index % 4 else service
        callback = index % 3 == 1 and campaign == rental
        made.append(quick_case(
            campaign, contact, status=status(rental, "Call back in 30 minutes") if callback else campaign.script.initial_status,
            owner=[agent, None, home_agent][index % 3], is_spam=index % 10 == 0,
            callback_at=now + timedelta(minutes=index) if callback else None))
    return made


def row_ids(response):
    return [int(pk) for pk in re.findall(r'data-row-id="(\d+)"', response.content.decode())]


def queries_of(client, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content.decode()[:500]
    return response, len(captured)


@pytest.mark.parametrize("role", ["agent", "manager"])
@pytest.mark.parametrize("key", sorted(CASE_VIEWS))
@pytest.mark.parametrize("sort", ["", "due", "-updated"])
def test_a_page_costs_the_same_few_queries_first_and_deep(client_for, request, busy, key, role, sort, monkeypatch):
    monkeypatch.setattr(lists, "PAGE_SIZE", 4)
    client = client_for(request.getfixturevalue(role))
    url = CASE_VIEWS[key]
    params = {"sort": sort} if sort else {}
    client.get(url, params)  # warm caches (content types, sessions)
    first, first_count = queries_of(client, url, params)
    assert first_count <= MAX_QUERIES, first_count
    page = first.context["page"]
    if page.next_cursor:
        deeper, deeper_count = queries_of(client, url + page.next_url)
        # A nullable sort reads the rows without a value in a second query, on the one page where
        # the rows with a value run out: one query more or less there, never more with depth.
        assert deeper_count == first_count or (sort == "due" and abs(deeper_count - first_count) == 1)
        assert not set(row_ids(deeper)) & set(row_ids(first))


def test_the_activity_and_contact_lists_stay_under_the_bound_too(client_for, agent, manager, busy):
    for user in (agent, manager):
        client = client_for(user)
        for url in ("/activities/calls/", "/activities/mail/", "/activities/sms/", "/contacts/"):
            client.get(url)
            assert queries_of(client, url)[1] <= MAX_QUERIES, url


# --- filter choices load when the menu opens ------------------------------------------------------

def test_the_page_holds_the_chosen_values_only_and_the_menu_loads_the_rest(client_for, manager, rental, service, busy):
    client = client_for(manager)
    html = client.get("/cases/tickets/", {"campaign": rental.pk}).content.decode()
    chip = re.search(r'data-testid="filter-campaign".*?</details>', html, re.S).group(0)
    assert f'value="{rental.pk}" checked' in chip and "Customer service" not in chip
    assert 'data-options-url="/lists/tickets/filters/campaign/"' in chip
    assert "Campaign: <span class=\"summary\">Vehicle rental</span>" in chip

    options = client.get("/lists/tickets/filters/campaign/", {"campaign": rental.pk, "owner": "none"})
    body = options.content.decode()
    assert options.status_code == 200
    assert f'value="{rental.pk}" checked data-auto-submit-lazy> Vehicle rental' in body
    assert f'value="{service.pk}" data-auto-submit-lazy> Customer service' in body


def test_an_agent_is_offered_only_their_own_campaigns(client_for, agent, rental, service):
    body = client_for(agent).get("/lists/tickets/filters/campaign/").content.decode()
    assert "Vehicle rental" in body and "Customer service" not in body
    # A forged value of another campaign is not checked, not shown, and the list says why.
    assert "Customer service" not in client_for(agent).get(
        "/lists/tickets/filters/campaign/", {"campaign": service.pk}).content.decode()
    page = client_for(agent).get("/cases/tickets/", {"campaign": service.pk})
    assert page.status_code == 400 and "not yours to see" in page.content.decode()


def test_filter_choices_answer_only_for_a_known_multi_choice_filter_and_a_user_of_the_list(
        client, client_for, agent, receptionist, db):
    agent_client = client_for(agent)
    assert agent_client.get("/lists/tickets/filters/owner/").status_code == 200
    assert agent_client.get("/lists/tickets/filters/colour/").status_code == 404
    assert agent_client.get("/lists/tickets/filters/q/").status_code == 404  # a text filter has no choices
    assert agent_client.get("/lists/nothing/filters/owner/").status_code == 404
    assert client_for(receptionist).get("/lists/tickets/filters/owner/").status_code == 403
    assert client.get("/lists/tickets/filters/owner/").status_code == 302  # to sign in


# --- narrowing the view's own conditions --------------------------------------------------------------

def test_a_campaign_and_status_filter_narrow_the_views_own_conditions(agent, rental, service, busy):
    new = rental.script.initial_status
    query = lq(CASE_LISTS["tickets"], {"campaign": rental.pk, "status": new.pk}, agent)
    sql = str(query.filtered().query)
    assert sql.count('"campaign_id" IN') == 1 and sql.count('"status_id" IN') == 1
    expected = sorted((case.pk for case in busy if case.campaign == rental and case.status == new
                       and not case.is_spam and case.owner in (None, agent)), reverse=True)
    assert [row.pk for row in query.page().rows] == expected and expected
    assert query.count() == (len(expected), False)


def test_a_filter_outside_the_views_own_conditions_lists_nothing(manager, rental, busy):
    closed = Status.objects.filter(script=rental.script, type="success").first()
    assert closed is not None
    query = lq(CASE_LISTS["tickets"], {"status": closed.pk}, manager)  # Tickets lists open cases only
    assert query.page().rows == [] and query.count() == (0, False)


# --- counts -------------------------------------------------------------------------------------------

def test_a_count_over_the_lists_cap_says_more_than(client_for, manager, busy, monkeypatch):
    monkeypatch.setattr(CASE_LISTS["cases"], "count_cap", 10)
    html = client_for(manager).get("/cases/").content.decode()
    assert 'data-testid="list-count">More than 10 rows<' in html
    query = lq(CASE_LISTS["cases"], {}, manager)
    assert query.count() == (10, True)
    assert query.exact_count() == Case.objects.filter(is_spam=False).count()


# --- per-request memo -----------------------------------------------------------------------------------

def test_memoized_keeps_values_for_one_request_only():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert memoized("k", compute) == 1 and memoized("k", compute) == 2  # outside a request: no memory
    with request_memo():
        assert memoized("k", compute) == 3 and memoized("k", compute) == 3
    with request_memo():
        assert memoized("k", compute) == 4


def test_a_users_campaigns_are_read_again_in_the_next_request(client_for, agent, rental, service, contact):
    """Nothing a page remembers outlives it: a campaign given to an agent shows on their next page."""
    theirs = quick_case(service, contact)
    client = client_for(agent)
    assert theirs.pk not in row_ids(client.get("/cases/"))
    service.agents.add(agent)
    assert theirs.pk in row_ids(client.get("/cases/"))


def test_deep_pages_of_a_nullable_sort_give_every_row_once(manager, busy):
    listdef = CASE_LISTS["cases"]
    for sort in ("due", "-due"):
        seen, query = [], ListQuery(listdef, f"sort={sort}", manager)
        while True:
            page = query.page(size=7)
            seen += [row.pk for row in page.rows]
            if not page.next_cursor:
                break
            query = ListQuery(listdef, page.next_url.lstrip("?"), manager)
        visible = Case.objects.filter(is_spam=False)
        with_due = visible.filter(callback_at__isnull=False).order_by(
            "-callback_at" if sort.startswith("-") else "callback_at", "-pk" if sort.startswith("-") else "pk")
        without = visible.filter(callback_at__isnull=True).order_by("-pk" if sort.startswith("-") else "pk")
        assert seen == [case.pk for case in with_due] + [case.pk for case in without]


# --- the dashboard counts up to a cap -------------------------------------------------------------------

def test_the_dashboard_counts_open_and_overdue_up_to_a_cap_and_says_so(client_for, manager, agent, rental, busy,
                                                                       monkeypatch):
    from centrala.core import dashboard

    past = timezone.now() - timedelta(hours=1)
    late = [case for case in busy if case.campaign == rental and case.callback_at and not case.is_spam]
    Case.objects.filter(pk__in=[case.pk for case in late]).update(callback_at=past)
    rows = {row.name: row for row in client_for(manager).get("/").context["dashboard"]["campaigns"]}
    open_rental = Case.objects.filter(campaign=rental, is_spam=False).count()  # every busy case is open
    assert (rows["Vehicle rental"].open, rows["Vehicle rental"].open_capped) == (open_rental, False)
    assert (rows["Vehicle rental"].overdue, rows["Vehicle rental"].overdue_capped) == (len(late), False)

    monkeypatch.setattr(dashboard, "COUNT_CAP", 3)
    response = client_for(manager).get("/")
    rows = {row.name: row for row in response.context["dashboard"]["campaigns"]}
    assert (rows["Vehicle rental"].open, rows["Vehicle rental"].open_capped) == (3, True)
    assert (rows["Vehicle rental"].overdue, rows["Vehicle rental"].overdue_capped) == (3, True)
    html = response.content.decode()
    assert 'data-testid="open">3+</a>' in html and 'data-testid="overdue">3+</a>' in html


# --- bulk: what a job asks once ---------------------------------------------------------------------------

def test_a_bulk_job_asks_each_campaigns_audience_once_and_still_tells_every_chunk(manager, agent, rental, busy,
                                                                                   monkeypatch):
    from centrala.activities.models import Activity, ActivityKind
    from centrala.audit.models import AuditEntry
    from centrala.cases import bulk

    asked, sent = [], []
    real = bulk.case_audience
    monkeypatch.setattr(bulk, "case_audience", lambda campaign: asked.append(campaign.pk) or real(campaign))
    monkeypatch.setattr(bulk, "publish", lambda event, payload, **to: sent.append((payload, to)))
    monkeypatch.setattr(bulk, "CHUNK", 5)
    ids = [case.pk for case in busy if case.campaign == rental and case.owner != agent][:12]
    job = bulk.create_job(manager, "set_owner", {"owner": agent.pk}, ids=ids)
    bulk.run_job(job.pk)
    job.refresh_from_db()
    assert (job.state, job.changed, job.refused) == ("done", 12, {})
    assert asked == [rental.pk]  # once for the job, not once per chunk
    assert len(sent) == 3 and all(agent.pk in to["users"] for _payload, to in sent)
    assert sorted(pk for payload, _to in sent for pk, _version in payload["cases"]) == sorted(ids)
    assert set(Case.objects.filter(pk__in=ids).values_list("owner", flat=True)) == {agent.pk}
    assert AuditEntry.objects.filter(action="case.update", object_id__in=[str(pk) for pk in ids]).count() == 12
    assert Activity.objects.filter(kind=ActivityKind.INFO, case_id__in=ids, data__field="owner").count() == 12


def test_cells_are_escaped_unless_their_column_made_them_html(client_for, manager, rental, contact, monkeypatch):
    """Rows are joined into HTML in Python: a column that returns plain text still gets escaped."""
    from dataclasses import replace

    quick_case(rental, contact, subject="<b>bold</b> & <script>x</script>")
    listdef = CASE_LISTS["cases"]
    columns = [replace(column, render=lambda c: c.subject) if column.key == "contact" else column
               for column in listdef.columns]
    monkeypatch.setattr(listdef, "columns_by_key", {column.key: column for column in columns})
    monkeypatch.setattr(listdef, "columns", columns)
    html = client_for(manager).get("/cases/").content.decode()
    assert "<td>&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;x&lt;/script&gt;</td>" in html  # plain text: escaped
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;x&lt;/script&gt;</a>" in html  # the subject link (format_html)
    assert "<script>x</script>" not in html


def test_the_bulk_bars_options_are_escaped(client_for, manager, rental, make_user):
    make_user("evil", "agent", first_name="<i>Eve</i>", last_name="&Co")
    Status.objects.filter(pk=rental.script.initial_status_id).update(name='New "<b>"')
    html = client_for(manager).get("/cases/").content.decode()
    bar = re.search(r'<form id="bulk-form".*?</form>', html, re.S).group(0)
    assert "&lt;i&gt;Eve&lt;/i&gt; &amp;Co</option>" in bar and "<i>Eve</i>" not in bar
    assert 'New &quot;&lt;b&gt;&quot;</option>' in bar
    assert '<optgroup label="Vehicle rental">' in bar
