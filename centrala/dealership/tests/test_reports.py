"""Traffic reports (issue 6, item 6): each report's numbers on a known data set, the period,
CSV export, and who may see them."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from centrala.dealership import reports
from centrala.dealership.models import TrafficState
from centrala.dealership.tests.test_journal import world  # noqa: F401  (the shared fixture)

REPORTS = "/dealership/reports/"


@pytest.fixture
def busy(world):  # noqa: F811
    """The world, plus eight more service calls the mechanic took after 1..8 minutes, and a
    call from 40 days ago that a 30-day period leaves out."""
    for minutes in range(1, 9):
        world.traffic(world.goals.repair_call, world.now - timedelta(hours=3, minutes=minutes), contact=world.dmitry,
                      taken_by=world.mechanic, wait=timedelta(minutes=minutes), state=TrafficState.TAKEN)
    world.old = world.traffic(world.goals.buy_call, world.now - timedelta(days=40), contact=world.viktor)
    return world


def period():
    today = timezone.localdate()
    return today - timedelta(days=29), today


def by_label(report):
    return {row["label"]: {key: value for key, value in row.items() if key != "label"} for row in report.rows}


def test_traffic_by_goal(busy):
    report = reports.by_goal(*period())
    counts = by_label(report)
    assert counts == {
        "Call. Showroom. New car purchase": {"total": 1, "waiting": 0, "taken": 0, "processed": 1, "ignored": 0},
        "Visit. Showroom. New car purchase": {"total": 1, "waiting": 1, "taken": 0, "processed": 0, "ignored": 0},
        "Call. Service. Car repair": {"total": 9, "waiting": 0, "taken": 8, "processed": 1, "ignored": 0},
        "Visit. Service. Car repair": {"total": 1, "waiting": 0, "taken": 0, "processed": 0, "ignored": 1},
    }
    # In the goals' order (department, then position), with a total.
    assert [row["label"] for row in report.rows][0] == "Call. Showroom. New car purchase"
    assert report.total == {"label": "Total", "total": 12, "waiting": 1, "taken": 8, "processed": 2, "ignored": 1}


def test_traffic_by_channel_and_by_employee(busy):
    assert by_label(reports.by_channel(*period())) == {
        "Call": {"total": 10, "waiting": 0, "taken": 8, "processed": 2, "ignored": 0},
        "Visit": {"total": 2, "waiting": 1, "taken": 0, "processed": 0, "ignored": 1},
    }
    busy.traffic(busy.goals.repair_visit, busy.now - timedelta(minutes=2), visitor_description="Nobody chose")
    assert by_label(reports.by_employee(*period())) == {
        # Petukhov took one call and is the one chosen for the waiting visit.
        "Vladimir Petukhov": {"total": 2, "waiting": 1, "taken": 0, "processed": 1, "ignored": 0},
        "Ivan Service": {"total": 10, "waiting": 0, "taken": 8, "processed": 1, "ignored": 1},
        "Nobody (not taken, no employee chosen)": {"total": 1, "waiting": 1, "taken": 0, "processed": 0,
                                                   "ignored": 0},
    }


def test_conversion_into_documents_by_goal_and_department(busy):
    by_goal = by_label(reports.conversion_by_goal(*period()))
    assert by_goal["Call. Showroom. New car purchase"] == {"total": 1, "converted": 1, "rate": 100.0}
    assert by_goal["Visit. Showroom. New car purchase"] == {"total": 1, "converted": 0, "rate": 0.0}
    assert by_goal["Call. Service. Car repair"] == {"total": 9, "converted": 1, "rate": 11.1}
    report = reports.conversion_by_department(*period())
    assert by_label(report) == {"Showroom": {"total": 2, "converted": 1, "rate": 50.0},
                                "Service": {"total": 10, "converted": 1, "rate": 10.0}}
    assert report.total == {"label": "Total", "total": 12, "converted": 2, "rate": 16.7}


def test_ignored_traffic_by_reason(busy):
    busy.traffic(busy.goals.buy_call, busy.now - timedelta(hours=1), visitor_description="Sales call",
                 taken_by=busy.seller, wait=timedelta(minutes=1), state=TrafficState.IGNORED, ignore_reason=busy.wrong)
    busy.traffic(busy.goals.buy_call, busy.now - timedelta(hours=1), visitor_description="Another",
                 taken_by=busy.seller, wait=timedelta(minutes=1), state=TrafficState.IGNORED, ignore_reason=busy.wrong)
    report = reports.ignored_by_reason(*period())
    assert [(row["label"], row["count"], row["share"]) for row in report.rows] == [
        ("Wrong number", 2, 66.7), ("Other", 1, 33.3)]
    assert report.total["count"] == 3


def test_time_to_take_over_median_p90_and_longest_per_employee_and_goal(busy):
    # The mechanic's waits: 1..8 minutes, 4 (the stranger) and 10 (the booking call).
    by_employee = by_label(reports.takeover_by_employee(*period()))
    assert by_employee["Ivan Service"] == {"count": 10, "median": 240.0, "p90": 480.0, "max": 600.0}
    assert by_employee["Vladimir Petukhov"] == {"count": 1, "median": 120.0, "p90": 120.0, "max": 120.0}
    report = reports.takeover_by_goal(*period())
    goals = by_label(report)
    # Service calls: 1..8 and 10 minutes.
    assert goals["Call. Service. Car repair"] == {"count": 9, "median": 300.0, "p90": 600.0, "max": 600.0}
    assert goals["Visit. Service. Car repair"] == {"count": 1, "median": 240.0, "p90": 240.0, "max": 240.0}
    assert "Visit. Showroom. New car purchase" not in goals  # never taken
    # All eleven: 1, 2, 2, 3, 4, 4, 5, 6, 7, 8, 10 minutes.
    assert report.total == {"label": "Total", "count": 11, "median": 240.0, "p90": 480.0, "max": 600.0}


def test_traffic_never_taken_oldest_first_with_its_age(busy):
    now = busy.now
    older = busy.traffic(busy.goals.repair_visit, now - timedelta(hours=2), visitor_description="Grey coat")
    report = reports.never_taken(*period(), now=now)
    assert [(row["number"], row["age"]) for row in report.rows] == [(older.pk, 7200.0), (busy.rows.visit.pk, 1800.0)]
    assert report.rows[1]["client"] == "Viktor Ivanov" and report.rows[1]["employee"] == "Vladimir Petukhov"
    assert report.rows[0]["client"] == "Grey coat" and report.rows[0]["employee"] == ""
    # The 40-day-old call is outside the period; a longer period finds it.
    today = timezone.localdate()
    assert busy.old.pk in [row["number"] for row in reports.never_taken(today - timedelta(days=60), today).rows]


def test_a_period_counts_traffic_by_its_local_registration_day(busy):
    day = timezone.localtime(busy.rows.buy.registered_at).date()
    report = reports.by_goal(day, day)
    assert by_label(report)["Call. Showroom. New car purchase"]["total"] == 1
    assert report.total["total"] == sum(row["total"] for row in report.rows)
    empty = reports.takeover_by_goal(day - timedelta(days=400), day - timedelta(days=300))
    assert empty.rows == [] and empty.total == {"label": "Total", "count": 0, "median": None, "p90": None,
                                                "max": None}


# --- the page and the CSV -------------------------------------------------------------------------------

@pytest.mark.parametrize("address", [REPORTS, f"{REPORTS}?report=never_taken", f"{REPORTS}goal.csv",
                                     f"{REPORTS}takeover_employee.csv"])
def test_only_managers_see_reports(client, client_for, world, receptionist, agent, manager, address):  # noqa: F811
    assert client.get(address).status_code == 302
    assert client_for(receptionist).get(address).status_code == 403
    assert client_for(world.seller).get(address).status_code == 403
    assert client_for(agent).get(address).status_code == 403
    assert client_for(manager).get(address).status_code == 200


def test_the_page_shows_each_report_for_the_period(client_for, busy, manager):
    page = client_for(manager)
    html = page.get(REPORTS).content.decode()
    assert 'data-testid="report-goal"' in html and "Call. Service. Car repair" in html
    for key in reports.REPORTS:
        response = page.get(REPORTS, {"report": key})
        assert response.status_code == 200
        assert f'data-testid="report-{key}"' in response.content.decode()
    html = page.get(REPORTS, {"report": "takeover_employee"}).content.decode()
    assert "0:04:00" in html and "0:10:00" in html  # Ivan Service's median and longest
    html = page.get(REPORTS, {"report": "never_taken"}).content.decode()
    assert f'href="/dealership/traffic/{busy.rows.visit.pk}/"' in html


def test_a_bad_period_is_refused_with_a_reason(client_for, world, manager):  # noqa: F811
    page = client_for(manager)
    response = page.get(REPORTS, {"start": "2026-05-10", "end": "2026-05-01"})
    assert response.status_code == 400
    assert "The start of the period is after its end." in response.content.decode()
    response = page.get(REPORTS, {"start": "tomorrow"})
    assert response.status_code == 400 and "Enter a valid date." in response.content.decode()
    assert page.get(f"{REPORTS}goal.csv", {"start": "2026-05-10", "end": "2026-05-01"}).status_code == 400
    assert page.get(REPORTS, {"report": "nonsense"}).status_code == 404
    assert page.get(f"{REPORTS}nonsense.csv").status_code == 404


def read_csv(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_csv_of_a_report_has_its_rows_and_total(client_for, busy, manager):
    start, end = period()
    lines = read_csv(client_for(manager).get(f"{REPORTS}conversion_department.csv",
                                             {"start": start.isoformat(), "end": end.isoformat()}))
    assert lines == [
        ["Department", "Registered", "Converted into a document", "Conversion"],
        ["Showroom", "2", "1", "50.0"],
        ["Service", "10", "1", "10.0"],
        ["Total", "12", "2", "16.7"],
    ]
    lines = read_csv(client_for(manager).get(f"{REPORTS}takeover_employee.csv"))
    assert ["Ivan Service", "10", "0:04:00", "0:08:00", "0:10:00"] in lines


def test_the_page_shows_the_oldest_never_taken_and_the_csv_all_of_them(client_for, busy, manager, monkeypatch):
    monkeypatch.setattr(reports, "NEVER_TAKEN_SHOWN", 1)
    older = busy.traffic(busy.goals.repair_visit, busy.now - timedelta(hours=2), visitor_description="=HYPERLINK(1)")
    html = client_for(manager).get(REPORTS, {"report": "never_taken"}).content.decode()
    assert f'href="/dealership/traffic/{older.pk}/"' in html
    assert f'href="/dealership/traffic/{busy.rows.visit.pk}/"' not in html
    assert "The oldest 1 are shown; 1 more is in the CSV." in html
    lines = read_csv(client_for(manager).get(f"{REPORTS}never_taken.csv"))
    assert lines[0] == ["Number", "Registered", "Goal", "Client", "Employee chosen", "Age"]
    assert [int(line[0]) for line in lines[1:]] == [older.pk, busy.rows.visit.pk]
    assert lines[1][3] == "'=HYPERLINK(1)"  # made literal for spreadsheets
    assert lines[2][5].startswith("0:30:")  # the visit has waited half an hour


def test_each_report_is_counted_by_the_database_in_a_fixed_number_of_queries(busy):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        counts = {}
        for key, (_label, build) in reports.REPORTS.items():
            with CaptureQueriesContext(connection) as captured:
                build(*period())
            counts[key] = len(captured)
        return counts

    before = queries()
    for minutes in range(40):
        busy.traffic(busy.goals.buy_visit, busy.now - timedelta(hours=6, minutes=minutes), contact=busy.viktor,
                     taken_by=busy.seller, wait=timedelta(seconds=30 + minutes), state=TrafficState.TAKEN)
    assert queries() == before
    assert max(before.values()) <= 8
