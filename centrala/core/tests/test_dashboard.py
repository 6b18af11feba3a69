"""The home dashboard (DASH-01, ACT-03): today's numbers per campaign and the user's activities."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from centrala.activities.actions import do_add_note
from centrala.activities.models import Activity
from centrala.campaigns.models import Campaign, Status
from centrala.cases.actions import do_update_case
from centrala.cases.models import Case


HTMX = {"HX-Request": "true"}


def status(campaign, name):
    return Status.objects.get(script=campaign.script, name=name)


def created_days_ago(case, days):
    Case.objects.filter(pk=case.pk).update(created_at=timezone.now() - timedelta(days=days))


def rows_by_name(response):
    return {row.name: row for row in response.context["dashboard"]["campaigns"]}


def listed_count(client, url):
    """How many rows the case view behind a dashboard link lists."""
    response = client.get(url)
    assert response.status_code == 200, url
    return int(re.search(r'id="list-results"[^>]* data-count="(\d+)"', response.content.decode()).group(1))


@pytest.fixture
def work(rental, service, contact, agent, home_agent, manager, make_case):
    """Rental: 3 cases today (New, No answer, Booked), an open one and a closed one from last week,
    spam, and callbacks: public overdue, agent's private overdue, home agent's private overdue,
    public in the future. Service (no agent sees it): one new case."""
    past = timezone.now() - timedelta(hours=2)
    cases = {
        "new": make_case(rental, contact, agent),
        "no_answer": make_case(rental, contact, agent, status=status(rental, "No answer")),
        "booked": make_case(rental, contact, agent, status=status(rental, "Booked")),
        "old_open": make_case(rental, contact, agent, status=status(rental, "Waiting for availability")),
        "old_closed": make_case(rental, contact, agent, status=status(rental, "Not interested")),
        "public_late": make_case(rental, contact, agent, status=status(rental, "Call back in 30 minutes"),
                                 callback_at=past),
        "mine_late": make_case(rental, contact, agent, status=status(rental, "Call back (me)"), callback_at=past),
        "theirs_late": make_case(rental, contact, home_agent, status=status(rental, "Call back (me)"),
                                 callback_at=past),
        "public_later": make_case(rental, contact, agent, status=status(rental, "Call back in 30 minutes"),
                                  callback_at=timezone.now() + timedelta(hours=2)),
        "spam": make_case(rental, contact, agent),
        "service": make_case(service, contact, manager),
    }
    for key in ("old_open", "old_closed", "public_late", "mine_late", "theirs_late", "public_later"):
        created_days_ago(cases[key], 7)
    # A relative callback is due its minutes after the status was set, whatever time is given: this
    # one was set long enough ago to be overdue now.
    Case.objects.filter(pk=cases["public_late"].pk).update(callback_at=past)
    spam = cases["spam"]
    do_update_case(agent, spam.pk, base_version=spam.version, changes={"is_spam": True})
    return cases


def test_who_gets_the_dashboard(client, client_for, agent, receptionist, specialist):
    assert client.get("/dashboard/", headers=HTMX).status_code == 302
    for user in (receptionist, specialist):
        assert client_for(user).get("/dashboard/").status_code == 403
        response = client_for(user).get("/")
        assert response.status_code == 200 and "dashboard" not in response.context
        html = response.content.decode()
        assert 'class="cards-grid"' in html and 'data-testid="dashboard"' not in html  # the home page as before
    html = client_for(agent).get("/").content.decode()
    assert 'data-testid="dashboard"' in html and 'data-testid="no-campaigns"' in html


def test_an_agent_sees_todays_numbers_of_their_campaigns(client_for, agent, work):
    response = client_for(agent).get("/")
    rows = rows_by_name(response)
    assert list(rows) == ["Vehicle rental"]  # not "Customer service": not theirs
    rental = rows["Vehicle rental"]
    assert rental.new_today == 3
    assert {stage.type: stage.count for stage in rental.stages} == {"unused": 1, "no_qualifier": 1, "success": 1}
    assert rental.open == 7  # new, no answer, waiting, and four callbacks
    assert rental.overdue == 2  # public and their own private one, not a colleague's private one
    html = response.content.decode()
    assert 'class="status-pill status-type-no_qualifier"' in html and "style=" not in html


def test_a_manager_sees_every_campaign_and_every_overdue_callback(client_for, manager, work):
    rows = rows_by_name(client_for(manager).get("/"))
    assert list(rows) == ["Customer service", "Vehicle rental"]
    assert rows["Vehicle rental"].overdue == 3
    assert rows["Customer service"].new_today == 1 and rows["Customer service"].open == 1


@pytest.mark.parametrize("who", ["agent", "manager"])
def test_every_number_links_to_the_view_listing_those_cases(client_for, work, who, request):
    client = client_for(request.getfixturevalue(who))
    for row in client.get("/").context["dashboard"]["campaigns"]:
        assert listed_count(client, row.urls["new_today"]) == row.new_today
        assert listed_count(client, row.urls["open"]) == row.open
        assert listed_count(client, row.urls["overdue"]) == row.overdue
        for stage in row.stages:
            assert listed_count(client, stage.url) == stage.count
    html = client.get("/").content.decode()
    rental = Campaign.objects.get(name="Vehicle rental")
    assert f'href="/cases/reminders/?campaign={rental.pk}&amp;due=overdue"' in html
    assert f'href="/cases/?campaign={rental.pk}&amp;created=today"' in html


def test_an_inactive_campaign_shows_while_it_has_open_cases(client_for, manager, rental, service, work):
    Campaign.objects.filter(pk=service.pk).update(active=False)
    Campaign.objects.create(name="Finished", script=rental.script, active=False)
    rows = rows_by_name(client_for(manager).get("/"))
    assert "Customer service" in rows and not rows["Customer service"].active
    assert "Finished" not in rows


def test_the_users_recent_activities_with_links_to_their_cases(client_for, agent, manager, rental_case, work):
    notes = [do_add_note(agent, rental_case.pk, f"note number {i}") for i in range(16)]
    do_add_note(manager, rental_case.pk, "the manager's note")
    # An entry the agent wrote on a case they no longer see stays out.
    hidden = Activity.objects.create(case=work["service"], contact_id=work["service"].contact_id, kind="note",
                                     body="on a case of another campaign", author=agent)
    response = client_for(agent).get("/")
    shown = response.context["dashboard"]["activities"]
    assert len(shown) == 15
    assert shown[0].pk == notes[-1].pk and hidden.pk not in [a.pk for a in shown]
    assert all(activity.author_id == agent.pk for activity in shown)
    html = response.content.decode()
    assert f'href="/cases/{rental_case.pk}/"' in html and "note number 15" in html
    assert "the manager's note" not in html
    assert f'href="/contacts/{rental_case.contact_id}/"' in html


def test_changes_show_as_what_changed(client_for, agent, rental_case):
    do_update_case(agent, rental_case.pk, base_version=rental_case.version, changes={"priority": 3})
    html = client_for(agent).get("/").content.decode()
    assert "Priority: Urgent" in html


@pytest.fixture
def rental_case(rental, contact, agent, make_case):
    return make_case(rental, contact, agent)


def test_the_dashboard_alone_for_live_refreshes(client_for, agent, work):
    response = client_for(agent).get("/dashboard/", headers={"HX-Request": "true"})
    html = response.content.decode().strip()
    assert html.startswith('<section id="dashboard"') and html.endswith("</section>")
    assert response["Cache-Control"].startswith("max-age=0")
    home = client_for(agent).get("/").content.decode()
    assert 'data-live-events="case.created case.updated cases.bulk_updated activity.changed"' in home
    assert re.search(r'<script src="/static/centrala/dashboard\.js" nonce="[^"]+" defer>', home)


def test_the_cost_does_not_grow_with_campaigns_and_cases(client_for, agent, manager, rental, service, contact,
                                                         make_case, make_user):
    make_case(rental, contact, agent)
    service.agents.add(agent)
    for who in (agent, manager):
        client = client_for(who)
        client.get("/")
        with CaptureQueriesContext(connection) as few:
            client.get("/dashboard/", headers=HTMX)
        with CaptureQueriesContext(connection) as page_few:
            client.get("/")
        extra = Campaign.objects.create(name=f"More for {who.username}", script=rental.script)
        extra.agents.add(agent)
        for campaign in (rental, service, extra):
            for name in ("No answer", "Booked"):
                found = Status.objects.filter(script=campaign.script, name=name).first()
                make_case(campaign, contact, agent, **({"status": found} if found else {}))
        for _ in range(5):
            do_add_note(agent, make_case(rental, contact, agent).pk, "busy day")
        with CaptureQueriesContext(connection) as many:
            client.get("/dashboard/", headers=HTMX)
        with CaptureQueriesContext(connection) as page_many:
            client.get("/")
        assert len(many) == len(few), who
        assert len(page_many) == len(page_few), who
        # session, user; an agent's campaigns (2) and the cases they see (2); the counts; the activities
        assert len(many) <= 8
