"""The traffic journal (issue 6, item 5): rows by role, filters, export, links to the cards.

The `world` fixture (also used by test_reports and test_history) is a small dealership: the
showroom (sales) and the service, each with a call and a visit goal and its own specialist, a
receptionist, a manager, two clients, and traffic written directly with known times.
"""

import csv
import io
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from centrala.dealership.models import (
    Channel,
    ContactGoal,
    Department,
    Document,
    DocumentKind,
    IgnoreReason,
    Traffic,
    TrafficOutcome,
    TrafficState,
    Vehicle,
)

ROW = re.compile(r'<tr data-row-id="(\d+)"')
JOURNAL = "/dealership/journal/"


def row_ids(response):
    assert response.status_code == 200, response.content[:500]
    return [int(pk) for pk in ROW.findall(response.content.decode())]


@pytest.fixture
def world(db, make_user, make_contact, receptionist, manager):
    """A showroom and a service; traffic of both, written directly with known times."""
    now = timezone.now().replace(microsecond=0)
    sales = Department.objects.create(name="Showroom", code="sales", position=0)
    service = Department.objects.create(name="Service", code="service", position=1)
    seller = make_user("petukhov", "specialist", first_name="Vladimir", last_name="Petukhov")
    mechanic = make_user("mechanic", "specialist", first_name="Ivan", last_name="Service")
    goals = SimpleNamespace(
        buy_call=ContactGoal.objects.create(name="Showroom. New car purchase", channel=Channel.CALL,
                                            department=sales, position=0),
        buy_visit=ContactGoal.objects.create(name="Showroom. New car purchase", channel=Channel.VISIT,
                                             department=sales, position=1),
        repair_call=ContactGoal.objects.create(name="Service. Car repair", channel=Channel.CALL,
                                               department=service, position=2),
        repair_visit=ContactGoal.objects.create(name="Service. Car repair", channel=Channel.VISIT,
                                                department=service, position=3),
    )
    goals.buy_call.specialists.add(seller)
    goals.buy_visit.specialists.add(seller)
    goals.repair_call.specialists.add(mechanic)
    goals.repair_visit.specialists.add(mechanic)
    other = IgnoreReason.objects.create(name="Other", requires_comment=True, position=9)
    wrong = IgnoreReason.objects.create(name="Wrong number", position=0)
    viktor = make_contact("Viktor", "Ivanov", phones=["+48 601 100 200"])
    dmitry = make_contact("Dmitry", "Ivanov", phones=["+48 602 300 400"])
    car = Vehicle.objects.create(contact=dmitry, make="Kia", model="Ceed", plate="WX 123AB", vin="VIN00000000000001",
                                 year=2019)
    worksheet = Document.objects.create(kind=DocumentKind.WORKSHEET, department=sales, contact=viktor,
                                        subject="Mercedes A class", responsible=seller,
                                        created_at=now - timedelta(days=2, hours=1))
    booking = Document.objects.create(kind=DocumentKind.BOOKING, department=service, contact=dmitry, vehicle=car,
                                      subject="Yearly service", responsible=mechanic,
                                      scheduled_at=now + timedelta(days=3), created_at=now - timedelta(days=1))

    def traffic(goal, registered, *, contact=None, taken_by=None, wait=None, state=TrafficState.WAITING, **fields):
        return Traffic.objects.create(
            goal=goal, channel=goal.channel, department=goal.department, contact=contact,
            registered_by=receptionist, registered_at=registered, taken_by=taken_by,
            taken_at=registered + wait if wait is not None else None, state=state, **fields)

    rows = SimpleNamespace(
        # 1.1: Viktor calls about a new car; Petukhov takes it in 2 minutes and opens a worksheet.
        buy=traffic(goals.buy_call, now - timedelta(days=2, hours=2), contact=viktor, assigned_to=seller,
                    taken_by=seller, wait=timedelta(minutes=2), state=TrafficState.PROCESSED,
                    outcome=TrafficOutcome.CREATED, document=worksheet, processed_at=now - timedelta(days=2),
                    processed_by=seller, vehicle_description="Mercedes A class"),
        # 1.2: Viktor comes in, waits for Petukhov (still waiting).
        visit=traffic(goals.buy_visit, now - timedelta(minutes=30), contact=viktor, assigned_to=seller,
                      note="Waiting in the lounge"),
        # 2.1: Dmitry calls the service; the mechanic takes it in 10 minutes, pre-booking.
        repair=traffic(goals.repair_call, now - timedelta(days=1, hours=1), contact=dmitry, vehicle=car,
                       taken_by=mechanic, wait=timedelta(minutes=10), state=TrafficState.PROCESSED,
                       outcome=TrafficOutcome.CREATED, document=booking, processed_by=mechanic,
                       processed_at=now - timedelta(days=1)),
        # 3.1: a stranger walks to the service; nobody chosen; the mechanic takes it in 4 minutes, ignores it.
        stranger=traffic(goals.repair_visit, now - timedelta(hours=5), visitor_description="Tall man, red jacket",
                         taken_by=mechanic, wait=timedelta(minutes=4), state=TrafficState.IGNORED,
                         outcome=TrafficOutcome.IGNORED, ignore_reason=other, ignore_comment="A friend visiting",
                         processed_by=mechanic, processed_at=now - timedelta(hours=4)),
    )
    return SimpleNamespace(now=now, sales=sales, service=service, seller=seller, mechanic=mechanic, goals=goals,
                           other=other, wrong=wrong, viktor=viktor, dmitry=dmitry, car=car, worksheet=worksheet,
                           booking=booking, traffic=traffic, rows=rows)


def all_ids(world):
    rows = world.rows
    return [rows.visit.pk, rows.stranger.pk, rows.repair.pk, rows.buy.pk]  # newest first


# --- who may open it, and which rows they see --------------------------------------------------------

def test_who_may_open_the_journal(client, client_for, world, agent, receptionist, manager):
    assert client.get(JOURNAL).status_code == 302
    assert client_for(agent).get(JOURNAL).status_code == 403
    assert client_for(receptionist).get(JOURNAL).status_code == 200
    assert client_for(world.seller).get(JOURNAL).status_code == 200
    assert client_for(manager).get(JOURNAL).status_code == 200


def test_a_manager_and_the_desk_see_all_traffic_newest_first(client_for, world, manager, receptionist):
    assert row_ids(client_for(manager).get(JOURNAL)) == all_ids(world)
    assert row_ids(client_for(receptionist).get(JOURNAL)) == all_ids(world)


def test_a_specialist_sees_only_their_departments_traffic(client_for, world):
    assert row_ids(client_for(world.seller).get(JOURNAL)) == [world.rows.visit.pk, world.rows.buy.pk]
    assert row_ids(client_for(world.mechanic).get(JOURNAL)) == [world.rows.stranger.pk, world.rows.repair.pk]


def test_a_specialist_also_sees_traffic_assigned_to_them_in_another_department(client_for, world):
    odd = world.traffic(world.goals.repair_call, world.now - timedelta(minutes=1), contact=world.viktor,
                        assigned_to=world.seller)
    assert row_ids(client_for(world.seller).get(JOURNAL)) == [odd.pk, world.rows.visit.pk, world.rows.buy.pk]


def test_a_specialist_cannot_reach_another_departments_rows_by_filtering(client_for, world):
    seller = client_for(world.seller)
    assert row_ids(seller.get(JOURNAL, {"number": str(world.rows.repair.pk)})) == []
    assert row_ids(seller.get(JOURNAL, {"client": "Dmitry"})) == []
    assert row_ids(seller.get(JOURNAL, {"goal": str(world.goals.repair_call.pk)})) == []


def test_each_row_opens_the_traffic_card_and_shows_what_happened(client_for, world, manager):
    html = client_for(manager).get(JOURNAL).content.decode()
    start = html.index(f'<tr data-row-id="{world.rows.buy.pk}"')
    row = html[start:html.index("</tr>", start)]
    assert f'data-row-url="/dealership/traffic/{world.rows.buy.pk}/"' in row
    assert f'href="/dealership/traffic/{world.rows.buy.pk}/"' in row
    assert "Showroom. New car purchase" in row and "Call" in row
    assert "Viktor Ivanov" in row and f'href="/dealership/clients/{world.viktor.pk}/history/"' in row
    assert "Mercedes A class" in row and "Vladimir Petukhov" in row and "Processed" in row
    assert f'href="/dealership/documents/{world.worksheet.pk}/"' in row and f"WS-{world.worksheet.pk}" in row
    start = html.index(f'<tr data-row-id="{world.rows.stranger.pk}"')
    row = html[start:html.index("</tr>", start)]
    assert "Tall man, red jacket" in row and "Ignored" in row


# --- filters ------------------------------------------------------------------------------------------

def test_filter_by_goal_channel_state_and_department(client_for, world, manager):
    journal = client_for(manager)
    rows = world.rows
    assert row_ids(journal.get(JOURNAL, {"goal": str(world.goals.buy_call.pk)})) == [rows.buy.pk]
    assert row_ids(journal.get(JOURNAL, {"goal": [str(world.goals.buy_call.pk), str(world.goals.repair_call.pk)]})) \
        == [rows.repair.pk, rows.buy.pk]
    assert row_ids(journal.get(JOURNAL, {"channel": "visit"})) == [rows.visit.pk, rows.stranger.pk]
    assert row_ids(journal.get(JOURNAL, {"state": ["waiting", "ignored"]})) == [rows.visit.pk, rows.stranger.pk]
    assert row_ids(journal.get(JOURNAL, {"department": str(world.service.pk)})) == [rows.stranger.pk, rows.repair.pk]
    assert row_ids(journal.get(JOURNAL, {"reason": str(world.other.pk)})) == [rows.stranger.pk]


def test_filter_by_employee_takes_who_took_it_or_who_was_chosen(client_for, world, manager):
    journal = client_for(manager)
    rows = world.rows
    # Petukhov took the call and was chosen for the waiting visit.
    assert row_ids(journal.get(JOURNAL, {"employee": str(world.seller.pk)})) == [rows.visit.pk, rows.buy.pk]
    assert row_ids(journal.get(JOURNAL, {"employee": str(world.mechanic.pk)})) == [rows.stranger.pk, rows.repair.pk]
    broadcast = world.traffic(world.goals.repair_visit, world.now - timedelta(minutes=1), visitor_description="?")
    assert row_ids(journal.get(JOURNAL, {"employee": "none"})) == [broadcast.pk]
    assert row_ids(client_for(world.mechanic).get(JOURNAL, {"employee": "me"})) == [rows.stranger.pk, rows.repair.pk]


def test_filter_by_client_name_phone_plate_id_or_description(client_for, world, manager):
    journal = client_for(manager)
    rows = world.rows
    assert row_ids(journal.get(JOURNAL, {"client": "viktor"})) == [rows.visit.pk, rows.buy.pk]
    assert row_ids(journal.get(JOURNAL, {"client": "602-300-400"})) == [rows.repair.pk]
    assert row_ids(journal.get(JOURNAL, {"client": "wx123"})) == [rows.repair.pk]
    assert row_ids(journal.get(JOURNAL, {"client": f"#{world.dmitry.pk}"})) == [rows.repair.pk]
    assert row_ids(journal.get(JOURNAL, {"client": "red jacket"})) == [rows.stranger.pk]
    assert row_ids(journal.get(JOURNAL, {"client": "nobody at all"})) == []


def test_filter_by_date_preset_and_range(client_for, world, manager):
    journal = client_for(manager)
    rows = world.rows
    today = timezone.localdate()
    ids = row_ids(journal.get(JOURNAL, {"registered": "today"}))
    expected_today = [row.pk for row in (rows.visit, rows.stranger, rows.repair, rows.buy)
                      if timezone.localtime(row.registered_at).date() == today]
    assert ids == expected_today
    assert row_ids(journal.get(JOURNAL, {"registered": "7d"})) == all_ids(world)
    buy_day = timezone.localtime(rows.buy.registered_at).date()
    assert rows.buy.pk in row_ids(journal.get(JOURNAL, {"registered_from": buy_day.isoformat(),
                                                        "registered_to": buy_day.isoformat()}))
    assert rows.visit.pk not in row_ids(journal.get(JOURNAL, {"registered_from": buy_day.isoformat(),
                                                              "registered_to": buy_day.isoformat()}))


def test_a_bad_filter_is_reported_and_the_list_still_answers(client_for, world, manager):
    response = client_for(manager).get(JOURNAL, {"registered_from": "yesterday-ish", "goal": "999999"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "is not a date" in html and "does not exist" in html
    assert [int(pk) for pk in ROW.findall(html)] == all_ids(world)


def test_sorting_by_goal_and_paging_keep_every_row_once(client_for, world, manager):
    for minute in range(60):
        world.traffic(world.goals.buy_call, world.now - timedelta(days=3, minutes=minute), contact=world.viktor)
    journal = client_for(manager)
    seen = []
    url, params = JOURNAL, {"sort": "goal"}
    while True:
        response = journal.get(url, params)
        seen += row_ids(response)
        found = re.search(r'href="(/dealership/journal/\?[^"]*after=[^"]+)" data-testid="list-next"',
                          response.content.decode())
        if not found:
            break
        url, params = found.group(1).replace("&amp;", "&"), None
    assert len(seen) == len(set(seen)) == Traffic.objects.count()


# --- export -------------------------------------------------------------------------------------------

def test_a_manager_exports_the_filtered_journal_as_csv(client_for, world, manager):
    response = client_for(manager).get("/lists/traffic/export.csv", {"department": str(world.service.pk)})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    header = lines[0]
    assert header[:3] == ["Number", "Registered", "Channel"]
    assert [int(line[0]) for line in lines[1:]] == [world.rows.stranger.pk, world.rows.repair.pk]
    stranger = dict(zip(header, lines[1]))
    assert stranger["Goal"] == "Service. Car repair" and stranger["Channel"] == "Visit"
    assert stranger["Client"] == "Tall man, red jacket" and stranger["State"] == "Ignored"
    assert stranger["Employee"] == "Ivan Service"
    repair = dict(zip(header, lines[2]))
    assert repair["Client"] == "Dmitry Ivanov" and repair["Car"] == "Kia Ceed (WX 123AB)"
    assert repair["Document"] == f"PB-{world.booking.pk}"
    registered = timezone.localtime(world.rows.repair.registered_at).strftime("%Y-%m-%d %H:%M:%S")
    assert repair["Registered"] == registered


def test_export_as_xlsx_has_hidden_columns_once_the_user_shows_them(client_for, world, manager):
    journal = client_for(manager)
    layout = [{"key": key, "visible": True} for key in ("number", "goal", "reason", "comment", "wait")]
    saved = journal.post("/lists/traffic/layout/", {"columns": layout}, content_type="application/json")
    assert saved.status_code == 200
    response = journal.get("/lists/traffic/export.xlsx", {"state": "ignored"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:5] == ["Number", "Goal", "Ignore reason", "Comment", "Time to take-over"]
    assert values[1][:5] == [world.rows.stranger.pk, "Service. Car repair", "Other", "A friend visiting", "0:04:00"]


def test_only_managers_export_and_a_specialists_export_would_hold_only_their_rows(client_for, world, receptionist):
    assert client_for(receptionist).get("/lists/traffic/export.csv").status_code == 403
    assert client_for(world.seller).get("/lists/traffic/export.csv").status_code == 403


def test_the_menu_offers_the_journal_to_the_desk_and_specialists_and_reports_to_managers(
        client_for, world, receptionist, manager, agent):
    desk = client_for(receptionist).get("/").content.decode()
    assert 'data-menu="dealership:journal"' in desk and 'data-menu="dealership:reports"' not in desk
    boss = client_for(manager).get("/").content.decode()
    assert 'data-menu="dealership:journal"' in boss and 'data-menu="dealership:reports"' in boss
    assert 'data-menu="dealership:journal"' not in client_for(agent).get("/").content.decode()


def test_a_page_of_the_journal_costs_the_same_queries_however_many_rows(client_for, world, manager):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    journal = client_for(manager)
    journal.get(JOURNAL)
    with CaptureQueriesContext(connection) as few:
        assert len(row_ids(journal.get(JOURNAL))) == 4
    for minute in range(30):
        world.traffic(world.goals.repair_call, world.now - timedelta(days=3, minutes=minute), contact=world.dmitry,
                      vehicle=world.car, taken_by=world.mechanic, wait=timedelta(minutes=1),
                      state=TrafficState.PROCESSED, document=world.booking, processed_by=world.mechanic)
    with CaptureQueriesContext(connection) as many:
        assert len(row_ids(journal.get(JOURNAL))) == 34
    assert len(many) == len(few)
