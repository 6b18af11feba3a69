"""The work-time report: presence:report and its CSV, presence:report_csv."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from centrala.accounts.models import Team
from centrala.presence.actions import day_bounds
from centrala.presence.queries import hours_minutes

from .conftest import change, local

URL = reverse("presence:report")
CSV_URL = reverse("presence:report_csv")
DAY = "2025-11-24"  # a day in the past, whenever the tests run


@pytest.mark.parametrize("url", [URL, CSV_URL])
def test_anonymous_is_sent_to_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", [URL, CSV_URL])
@pytest.mark.parametrize("role", ["agent", "home_agent", "receptionist", "specialist"])
def test_roles_without_the_report_get_403(client_for, make_user, role, url):
    assert client_for(make_user("someone", role)).get(url).status_code == 403


@pytest.fixture
def worked_day(agent, home_agent, presence_statuses):
    """Agent: 8:00-12:00 work, 12:00-12:30 break, 12:30-16:00 back office. Home agent: 1 h break."""
    agent.first_name, agent.last_name = "=cmd", "Nowak"
    agent.save(update_fields=["first_name", "last_name"])
    team_a = Team.objects.create(name="Team A")
    agent.teams.add(team_a)
    change(agent, presence_statuses["available"], local(2025, 11, 24, 8))
    change(agent, presence_statuses["break"], local(2025, 11, 24, 12))
    change(agent, presence_statuses["back_office"], local(2025, 11, 24, 12, 30))
    change(agent, None, local(2025, 11, 24, 16))
    change(home_agent, presence_statuses["break"], local(2025, 11, 24, 9))
    change(home_agent, None, local(2025, 11, 24, 10))
    return team_a


def _cells(body, user):
    import re

    row = re.search(rf'<tr data-user-id="{user.pk}">(.*?)</tr>', body, re.S).group(1)
    return re.findall(r'<td class="num"[^>]*>([^<]*)</td>', row)


@pytest.mark.parametrize("role", ["manager", "administrator"])
def test_table_for_a_chosen_day(client_for, make_user, role, agent, home_agent, worked_day, presence_statuses):
    response = client_for(make_user("boss", role)).get(URL, {"day": DAY})

    assert response.status_code == 200
    body = response.content.decode()
    statuses = [s.name for s in response.context["report"].statuses]
    assert statuses == ["Available", "Back office", "Break"]
    # logged in, work, break, then Available, Back office, Break.
    assert _cells(body, agent) == ["8:00", "7:30", "0:30", "4:00", "3:30", "0:30"]
    assert _cells(body, home_agent) == ["1:00", "0:00", "1:00", "0:00", "0:00", "1:00"]
    assert "day=2025-11-24" in body  # the CSV link asks for the day on screen


def test_team_filter(client_for, manager, agent, home_agent, worked_day):
    response = client_for(manager).get(URL, {"day": DAY, "team": worked_day.pk})
    users = [row.user for row in response.context["report"].rows]
    assert users == [agent]
    assert response.context["report"].total.work == 7.5 * 3600


def test_defaults_to_today_and_counts_a_signed_in_user_up_to_now(client_for, manager, agent, presence_statuses):
    change(agent, presence_statuses["available"], timezone.now() - timedelta(seconds=30))

    response = client_for(manager).get(URL)

    report = response.context["report"]
    assert report.day == timezone.localdate()
    row = next(r for r in report.rows if r.user == agent)
    # 30 seconds ago may have been yesterday if the test runs just after midnight.
    since_midnight = (timezone.now() - day_bounds(report.day)[0]).total_seconds()
    assert min(30, since_midnight) - 1 <= row.work < 120 and row.logged_in == row.work


@pytest.mark.parametrize("url", [URL, CSV_URL])
@pytest.mark.parametrize("params", [{"day": "yesterday"}, {"day": "2026-02-30"}, {"day": DAY, "team": "x"},
                                    {"day": DAY, "team": "999999"}])
def test_bad_filters_are_a_clear_error(client_for, manager, params, url):
    response = client_for(manager).get(url, params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "Enter a valid date." in body or "Select a valid choice." in body


def test_csv_has_the_same_table(client_for, manager, agent, home_agent, worked_day):
    response = client_for(manager).get(CSV_URL, {"day": DAY})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="work-time-2025-11-24.csv"'
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Name", "Username", "Teams", "Logged in", "Work", "Break", "Available", "Back office", "Break"]
    by_username = {row[1]: row for row in rows[1:-1]}
    # A name that looks like a formula stays text in a spreadsheet.
    assert by_username["agent"] == ["'=cmd Nowak", "agent", "Team A", "8:00", "7:30", "0:30", "4:00", "3:30", "0:30"]
    assert by_username["homeagent"][3:] == ["1:00", "0:00", "1:00", "0:00", "0:00", "1:00"]
    assert by_username["manager"][3:6] == ["0:00", "0:00", "0:00"]
    assert rows[-1] == ["Total", "", "", "9:00", "7:30", "1:30", "4:00", "3:30", "1:30"]


def test_csv_for_one_team(client_for, manager, worked_day):
    response = client_for(manager).get(CSV_URL, {"day": DAY, "team": worked_day.pk})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:-1]] == ["agent"]
    assert f"work-time-2025-11-24-{worked_day.pk}.csv" in response["Content-Disposition"]


def test_future_day_is_all_zeros(client_for, manager, agent, presence_statuses):
    change(agent, presence_statuses["available"], timezone.now() - timedelta(hours=1))
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client_for(manager).get(URL, {"day": tomorrow.isoformat()})
    assert response.context["report"].total.logged_in == 0
    assert response.context["report"].statuses == []


@pytest.mark.parametrize(("seconds", "text"), [(0, "0:00"), (59, "0:00"), (60, "0:01"), (3599, "0:59"),
                                               (3600, "1:00"), (36000 + 65, "10:01"), (None, "0:00")])
def test_hours_minutes(seconds, text):
    assert hours_minutes(seconds) == text


def test_day_range_is_in_the_installation_time_zone(client_for, manager, agent, presence_statuses):
    # 23:30-00:30 Warsaw time: half an hour on each of two days.
    change(agent, presence_statuses["available"], local(2025, 11, 23, 23, 30))
    change(agent, None, local(2025, 11, 24, 0, 30))
    client = client_for(manager)
    for day in (date(2025, 11, 23), date(2025, 11, 24)):
        report = client.get(URL, {"day": day.isoformat()}).context["report"]
        assert next(r for r in report.rows if r.user == agent).work == 1800


def test_query_count_does_not_grow_with_users(client_for, manager, make_user, presence_statuses):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    team_a = Team.objects.create(name="Team A")
    client = client_for(manager)

    def add_agents(prefix, count):
        for index in range(count):
            user = make_user(f"{prefix}{index}", "agent")
            user.teams.add(team_a)
            change(user, presence_statuses["available"], local(2025, 11, 24, 8 + index))
            change(user, presence_statuses["break"], local(2025, 11, 24, 9 + index))

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, {"day": DAY}).status_code == 200
        return len(captured)

    add_agents("a", 2)
    queries(URL)  # warm the session
    few = queries(URL), queries(CSV_URL)
    add_agents("b", 8)
    assert (queries(URL), queries(CSV_URL)) == few
