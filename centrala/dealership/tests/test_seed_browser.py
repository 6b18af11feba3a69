"""The nine situations of seed 002 in real browsers: the reception desk and the employees' pages.

Each test is one family of situations (purchase 1.1-1.3, repair 2.1-2.5, stranger 3.1), walked
through in order as the seed tells them, with the receptionist and the employee at two computers.
The employees set their presence in the top bar, and the desk shows who is at their desk.
"""

import re
from datetime import datetime

import pytest
from django.utils import formats, timezone, translation
from playwright.sync_api import expect

from centrala.dealership.models import Document, DocumentKind, DocumentStatus, RepairOrderLine, Traffic
from conftest import wait_for_socket

from .dlr_setup import dealer  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def open_desk(page):
    page.goto("/dealership/reception/")
    wait_for_socket(page)


def find_client(desk, text, name):
    desk.get_by_test_id("client-search").fill(text)
    desk.get_by_test_id("client-results").get_by_text(name).click()
    expect(desk.get_by_test_id("client-name")).to_have_text(name)


def set_presence(page, status, kind):
    """The employee switches their status in the top bar (kind: work, break)."""
    page.get_by_test_id("presence-status").select_option(label=status)
    expect(page.locator("#presence-switch")).to_have_class(re.compile(rf"\bkind-{kind}\b"))


def register(desk, goal, *, employee=None, button, client=None, description=None, note=None, car_talk=None,
             shows=None):
    """Fill the desk form (client: a (search text, name) pair) and press the button. `shows`: how
    the employee list presents the chosen employee, e.g. "... — away (Break)"."""
    desk.get_by_test_id("desk-goal").select_option(label=goal)
    if shows:
        option = desk.get_by_test_id("desk-employee").locator(f"option[value='{employee.pk}']")
        expect(option).to_have_text(shows)  # the list re-read for the goal, with who is at their desk
    if client:
        find_client(desk, *client)
    if description:
        desk.get_by_test_id("visitor-description").fill(description)
    if car_talk:
        desk.get_by_test_id("vehicle-description").fill(car_talk)
    if note:
        desk.get_by_test_id("desk-note").fill(note)
    if employee is not None:
        desk.get_by_test_id("desk-employee").select_option(str(employee.pk))
    desk.get_by_role("button", name=button).click()
    expect(desk.locator(".message.success")).to_be_visible()
    wait_for_socket(desk)  # the desk page reloaded: it follows the queue live from here on
    return Traffic.objects.latest("pk")


def open_from_notification(page, title, traffic):
    """The employee's page hears about the traffic live and opens its card from the bell."""
    expect(page.locator(".toast").filter(has_text=title).first).to_be_visible()
    page.get_by_test_id("bell").click()
    page.get_by_test_id("notification-list").locator("li.unread a").filter(has_text=title).first.click()
    page.wait_for_url(re.compile(rf"/dealership/traffic/{traffic.pk}/$"))
    wait_for_socket(page)


def expect_linked(page, text):
    expect(page.get_by_test_id("linked-document")).to_contain_text(text)
    expect(page.get_by_test_id("traffic-state")).to_have_text("Processed")


def test_purchase_call_visit_and_pick_up(browser_for, dealer, presence_statuses):
    desk, manager = browser_for(dealer.receptionist), browser_for(dealer.petukhov)
    open_desk(desk)
    manager.goto("/dealership/traffic/mine/")
    wait_for_socket(manager)

    # 1.1 Viktor calls about a new Mercedes: a new client, transferred to Petukhov, who creates a worksheet.
    desk.get_by_test_id("desk-goal").select_option(label="Call. Showroom. New car purchase")
    desk.get_by_text("New client").click()
    desk.get_by_test_id("new-first-name").fill("Viktor")
    desk.get_by_test_id("new-client-create").click()
    expect(desk.get_by_test_id("client-name")).to_have_text("Viktor")
    expect(desk.get_by_role("button", name="Put in waiting queue")).to_be_hidden()
    first = register(desk, "Call. Showroom. New car purchase", employee=dealer.petukhov, button="Transfer",
                     car_talk="Mercedes A class")
    expect(desk.locator(".message.success")).to_contain_text("Call transferred to Vladimir Petukhov.")
    expect(manager.get_by_test_id(f"my-traffic-{first.pk}")).to_be_visible()  # the list follows live
    open_from_notification(manager, "Incoming call: Showroom. New car purchase", first)
    expect(manager.get_by_test_id("traffic-client")).to_contain_text("Viktor")
    expect(manager.get_by_test_id("worksheet-subject")).to_have_value("Mercedes A class")
    manager.get_by_test_id("create-worksheet").click()
    worksheet = Document.objects.get(kind=DocumentKind.WORKSHEET)
    expect_linked(manager, f"Sales worksheet {worksheet.number}")
    wait_for_socket(manager)

    # 1.2 Viktor Ivanov comes to the meeting; Petukhov is busy (away from his desk): the visitor waits.
    set_presence(manager, "Break", "break")
    visit = register(desk, "Visit. Showroom. New car purchase", client=("Vikt", "Viktor"), employee=dealer.petukhov,
                     button="Put in waiting queue", shows="Vladimir Petukhov — away (Break)")
    waiting = desk.get_by_test_id(f"waiting-{visit.pk}")
    expect(waiting).to_contain_text("Viktor")
    expect(waiting.locator("time.waited")).to_have_text(re.compile(r"^\d+:\d\d$"))
    open_from_notification(manager, "Visitor waiting: Showroom. New car purchase", visit)
    expect(waiting).to_have_count(0)  # Petukhov reacted: the reminder leaves the desk live
    manager.get_by_test_id(f"attach-{worksheet.pk}").click()  # the client's open worksheet is listed first
    expect_linked(manager, f"Sales worksheet {worksheet.number}")
    wait_for_socket(manager)

    # 1.3 Someone walks past the desk straight to Petukhov to pick up the car: only a description.
    pick_up = register(desk, "Visit. Showroom. New car purchase", description="Man in a dark suit, went to Petukhov",
                       employee=dealer.petukhov, button="Put in waiting queue")
    expect(desk.get_by_test_id(f"waiting-{pick_up.pk}")).to_contain_text("Man in a dark suit")
    open_from_notification(manager, "Visitor waiting: Showroom. New car purchase", pick_up)
    expect(manager.get_by_test_id("traffic-client")).to_contain_text("Unidentified visitor")
    manager.get_by_test_id("document-search").fill(worksheet.number)
    manager.get_by_test_id("document-results").get_by_test_id(f"attach-{worksheet.pk}").click()
    expect_linked(manager, f"Sales worksheet {worksheet.number}")
    expect(desk.get_by_test_id(f"waiting-{pick_up.pk}")).to_have_count(0)
    assert worksheet.traffic.count() == 3


def test_repair_booking_reschedule_drop_off_extra_works_and_pick_up(browser_for, dealer, presence_statuses):
    """Dmitry Ivanov is in the client directory with his Skoda Octavia (the fixture): the desk finds
    him, and his car loads with him. (Typing in a new client at the desk is 1.1.)"""
    desk, advisor = browser_for(dealer.receptionist), browser_for(dealer.sidorov)
    open_desk(desk)
    advisor.goto("/dealership/traffic/mine/")
    wait_for_socket(advisor)
    goal_call, goal_visit = "Call. Service. Car repair", "Visit. Service. Car repair"
    car_name = re.compile(r"^Skoda Octavia \(WX 1234A\)")

    # 2.1 Dmitry calls to book the periodic maintenance: a pre-booking.
    booking_call = register(desk, goal_call, client=("Ivanov", "Dmitry Ivanov"), employee=dealer.sidorov,
                            button="Transfer")
    open_from_notification(advisor, "Incoming call: Service. Car repair", booking_call)
    advisor.get_by_test_id("booking-at").fill("2026-12-01T09:00")
    advisor.get_by_test_id("booking-subject").fill("Periodic maintenance")
    advisor.get_by_test_id("create-booking").click()
    booking = Document.objects.get(kind=DocumentKind.BOOKING)
    expect_linked(advisor, f"Service pre-booking {booking.number}")
    wait_for_socket(advisor)

    # 2.2 He calls again to move the visit: found by his phone typed another way, attached, moved.
    move_call = register(desk, goal_call, client=("+48601222333", "Dmitry Ivanov"), note="Wants another day",
                         employee=dealer.sidorov, button="Transfer")
    open_from_notification(advisor, "Incoming call: Service. Car repair", move_call)
    advisor.get_by_test_id(f"attach-{booking.pk}").click()
    expect_linked(advisor, booking.number)
    advisor.get_by_test_id("linked-document-link").click()
    advisor.get_by_test_id("reschedule-at").fill("2026-12-02T15:30")
    advisor.get_by_test_id("reschedule").click()
    expect(advisor.locator(".message.success")).to_contain_text("Booking moved.")
    booking.refresh_from_db()
    moved_to = timezone.localtime(booking.scheduled_at)
    assert moved_to.replace(tzinfo=None) == datetime(2026, 12, 2, 15, 30)
    with translation.override("en"):
        shown = formats.date_format(moved_to, "SHORT_DATETIME_FORMAT")
    booked_for = advisor.get_by_test_id("booked-for").locator("time")
    expect(booked_for).to_have_text(shown)
    expect(booked_for).to_have_attribute("datetime", moved_to.isoformat())
    expect(advisor.get_by_test_id("booking-history").locator("tbody tr")).to_have_count(2)
    expect(advisor.get_by_test_id("booking-history")).to_contain_text(f"#{move_call.pk}")
    advisor.goto("/dealership/traffic/mine/")
    wait_for_socket(advisor)

    # 2.3 He drives in for the booking: found by name, his car loads with him and is chosen; the
    # advisor is at his desk. The vehicle arrival closes the pre-booking.
    set_presence(advisor, "Available", "work")
    desk.get_by_test_id("desk-goal").select_option(label=goal_visit)
    find_client(desk, "Ivanov", "Dmitry Ivanov")
    car = desk.get_by_test_id("client-vehicles").get_by_role("radio", name=car_name)
    expect(car).to_be_visible()
    car.check()
    expect(car).to_be_checked()
    drop_off = register(desk, goal_visit, employee=dealer.sidorov, button="Put in waiting queue",
                        shows="Sergey Sidorov — at the desk (Available)")
    assert drop_off.vehicle == dealer.car
    expect(desk.get_by_test_id(f"waiting-{drop_off.pk}")).to_contain_text("Dmitry Ivanov")
    open_from_notification(advisor, "Visitor waiting: Service. Car repair", drop_off)
    expect(desk.get_by_test_id(f"waiting-{drop_off.pk}")).to_have_count(0)
    expect(advisor.get_by_test_id("arrival-booking")).to_have_value(str(booking.pk))  # offered, chosen
    advisor.get_by_test_id("arrival-mileage").fill("84000")
    advisor.get_by_test_id("arrival-work").fill("Periodic maintenance")
    advisor.get_by_test_id("create-arrival").click()
    arrival = Document.objects.get(kind=DocumentKind.ARRIVAL)
    expect_linked(advisor, f"Vehicle arrival {arrival.number}")
    expect(advisor.get_by_test_id("linked-document")).to_contain_text(f"repair order RO-{arrival.pk}")
    expect(advisor.get_by_test_id("linked-document")).to_contain_text(f"for pre-booking {booking.number}")
    booking.refresh_from_db()
    assert arrival.vehicle == dealer.car and arrival.mileage == 84000
    assert arrival.booking == booking and booking.status == DocumentStatus.CLOSED
    wait_for_socket(advisor)

    # 2.4 During the repair he calls for extra works: found by the plate; the advisor is away from his
    # desk but chosen; attached, works added to the repair order from this call.
    set_presence(advisor, "Break", "break")
    extra = register(desk, goal_call, client=("wx1234a", "Dmitry Ivanov"), employee=dealer.sidorov, button="Transfer",
                     shows="Sergey Sidorov — away (Break)")
    open_from_notification(advisor, "Incoming call: Service. Car repair", extra)
    advisor.get_by_test_id(f"attach-{arrival.pk}").click()
    expect_linked(advisor, arrival.number)
    advisor.get_by_test_id("linked-document-link").click()
    expect(advisor.get_by_test_id("document-booking")).to_contain_text(booking.number)
    advisor.get_by_test_id("line-description").fill("Replace front brake pads")
    advisor.get_by_test_id("line-hours").fill("1.5")
    advisor.get_by_test_id("add-line").click()
    lines = advisor.get_by_test_id("repair-lines")
    expect(lines).to_contain_text("Periodic maintenance")
    expect(lines.locator("tr").filter(has_text="Replace front brake pads")).to_contain_text(f"#{extra.pk}")
    added = RepairOrderLine.objects.get(description="Replace front brake pads")
    assert added.document == arrival and added.traffic == extra and str(added.hours) == "1.50"
    assert RepairOrderLine.objects.get(description="Periodic maintenance").traffic == drop_off
    advisor.goto("/dealership/traffic/mine/")
    wait_for_socket(advisor)

    # 2.5 He comes to pick the car up without a word: a description, attached through the search.
    pick_up = register(desk, goal_visit, description="Came for a Skoda, went to the service", employee=dealer.sidorov,
                       button="Put in waiting queue")
    open_from_notification(advisor, "Visitor waiting: Service. Car repair", pick_up)
    advisor.get_by_test_id("document-search").fill("WX1234A")
    advisor.get_by_test_id("document-results").get_by_test_id(f"attach-{arrival.pk}").click()
    expect_linked(advisor, f"Vehicle arrival {arrival.number}")
    assert arrival.traffic.count() == 3 and booking.traffic.count() == 2


def test_stranger_visit_goes_to_every_specialist_one_takes_and_ignores_it(browser_for, dealer):
    desk = browser_for(dealer.receptionist)
    sidorov, kuznetsov = browser_for(dealer.sidorov), browser_for(dealer.kuznetsov)
    kuznetsov_list = browser_for(dealer.kuznetsov)  # his second tab: the list to process
    open_desk(desk)
    for page in (sidorov, kuznetsov, kuznetsov_list):
        page.goto("/dealership/traffic/mine/")
        wait_for_socket(page)
    title = "Visitor waiting: Service. Car repair"

    # 3.1 A friend of a service advisor walks past the desk; nobody knows to whom.
    stranger = register(desk, "Visit. Service. Car repair", description="Young man, went straight to the service",
                        button="Put in waiting queue")
    expect(desk.get_by_test_id(f"waiting-{stranger.pk}")).to_contain_text("the goal's specialists")
    open_from_notification(sidorov, title, stranger)
    expect(sidorov.get_by_test_id("take")).to_be_visible()
    # Kuznetsov is notified too; he opens the card from his list, so his notification stays unread.
    expect(kuznetsov.locator(".toast").filter(has_text=title).first).to_be_visible()
    expect(kuznetsov.get_by_test_id("bell-count")).to_have_text("1")
    expect(kuznetsov_list.get_by_test_id(f"my-traffic-{stranger.pk}")).to_be_visible()
    kuznetsov.get_by_test_id(f"my-traffic-{stranger.pk}").get_by_role("link", name="Open").click()
    kuznetsov.wait_for_url(re.compile(rf"/dealership/traffic/{stranger.pk}/$"))
    wait_for_socket(kuznetsov)
    expect(kuznetsov.get_by_test_id("take")).to_be_visible()
    expect(kuznetsov.get_by_test_id("bell-count")).to_have_text("1")

    sidorov.get_by_test_id("take").click()
    expect(sidorov.locator(".message.success")).to_contain_text("You took this traffic")
    # The other specialist and the desk see it taken, live: his card, his list and his bell.
    expect(kuznetsov.get_by_test_id("taken-by-other")).to_contain_text("Sergey Sidorov has taken this traffic.")
    expect(kuznetsov.get_by_test_id("take")).to_have_count(0)
    expect(kuznetsov.get_by_test_id("bell-count")).to_have_text("0")
    kuznetsov.get_by_test_id("bell").click()
    note = kuznetsov.get_by_test_id("notification-list").locator("li").filter(has_text=title)
    expect(note).to_contain_text("Taken by Sergey Sidorov · Young man, went straight to the service")
    expect(note).not_to_have_class(re.compile(r"\bunread\b"))
    expect(kuznetsov_list.get_by_test_id(f"taken-by-other-{stranger.pk}")).to_contain_text(
        "Sergey Sidorov has taken this traffic.")
    expect(kuznetsov_list.get_by_test_id("bell-count")).to_have_text("0")
    expect(desk.get_by_test_id(f"waiting-{stranger.pk}")).to_have_count(0)
    expect(desk.get_by_test_id("recent-traffic")).to_contain_text("Sergey Sidorov")

    sidorov.get_by_test_id("ignore-reason").select_option(label="Other")
    sidorov.get_by_test_id("ignore").click()
    expect(sidorov.get_by_test_id("ignore-comment-error")).to_contain_text("Describe in a comment")
    sidorov.get_by_test_id("ignore-comment").fill("A friend visiting, not a client.")
    sidorov.get_by_test_id("ignore").click()
    expect(sidorov.get_by_test_id("traffic-ignored")).to_contain_text("Other: A friend visiting, not a client.")
    expect(sidorov.get_by_test_id("traffic-state")).to_have_text("Ignored")
    expect(kuznetsov.get_by_test_id("traffic-state")).to_have_text("Ignored")
    expect(kuznetsov_list.get_by_test_id(f"my-traffic-{stranger.pk}")).to_have_count(0)
