"""Registering, taking and processing dealership traffic (DLR-01..05), with access by role."""

import re
import threading

import pytest
from django.db import DatabaseError, OperationalError, connection
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from centrala.audit.models import AuditEntry
from centrala.dealership import actions
from centrala.dealership.models import (
    BookingChange,
    Document,
    DocumentKind,
    DocumentStatus,
    RepairOrderLine,
    Traffic,
    TrafficOutcome,
    TrafficState,
)
from centrala.notifications.models import Notification

from .dlr_setup import dealer, register  # noqa: F401  (fixture)


# --- registering ------------------------------------------------------------------------------------

def test_call_to_a_chosen_employee_notifies_only_them(dealer, sent_events, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        traffic = register(dealer, "purchase_call", contact=dealer.ivanov, assigned_to=dealer.petukhov,
                           note="Mercedes A class")
    assert traffic.state == TrafficState.WAITING and traffic.department == dealer.sales
    notes = Notification.objects.filter(kind=actions.NOTIFICATION_KIND)
    assert [n.recipient for n in notes] == [dealer.petukhov]
    assert notes[0].url == reverse("dealership:traffic", args=[traffic.pk])
    assert "Dmitry Ivanov" in notes[0].body and "Showroom. New car purchase" in notes[0].title
    changed = [e for e in sent_events if e["type"] == "traffic.changed"]
    assert changed and changed[0]["payload"]["change"] == "registered"
    assert dealer.petukhov.pk in changed[0]["users"] and "receptionist" in changed[0]["roles"]
    assert dealer.sidorov.pk not in changed[0]["users"]
    assert AuditEntry.objects.filter(action="traffic.register", object_id=str(traffic.pk)).exists()


def test_nobody_chosen_notifies_every_specialist_of_the_goal_only(dealer):
    register(dealer, "repair_visit", description="Man in a grey coat")
    recipients = set(Notification.objects.filter(kind=actions.NOTIFICATION_KIND).values_list("recipient__username", flat=True))
    assert recipients == {"sidorov", "kuznetsov"}  # not petukhov of the showroom


def test_desk_refuses_traffic_without_goal_or_client_and_keeps_what_was_typed(dealer, client_for):
    desk = client_for(dealer.receptionist)
    response = desk.post(reverse("dealership:register"), {"goal": "", "note": "call back at 5", "visitor_description": ""})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Choose the contact goal." in text and "Find the client in the directory or describe the visitor." in text
    assert "call back at 5" in text
    assert not Traffic.objects.exists()


def test_desk_registers_a_visit_and_shows_it_in_the_waiting_queue(dealer, client_for):
    desk = client_for(dealer.receptionist)
    response = desk.post(reverse("dealership:register"), {
        "goal": dealer.goals["purchase_visit"].pk, "contact": dealer.ivanov.pk, "vehicle": dealer.car.pk,
        "assigned_to": dealer.petukhov.pk, "note": "", "visitor_description": "",
    }, follow=True)
    assert response.status_code == 200
    traffic = Traffic.objects.get()
    assert traffic.vehicle == dealer.car and traffic.registered_by == dealer.receptionist
    text = response.content.decode()
    assert "Visitor put in the waiting queue for Vladimir Petukhov." in text
    assert f'data-testid="waiting-{traffic.pk}"' in text


def test_desk_refuses_a_car_of_another_client(dealer, client_for, make_contact):
    other = make_contact("Viktor", "Sokolov")
    response = client_for(dealer.receptionist).post(reverse("dealership:register"), {
        "goal": dealer.goals["repair_call"].pk, "contact": other.pk, "vehicle": dealer.car.pk,
    })
    assert response.status_code == 400
    assert "That car is not one of the client" in response.content.decode()
    assert not Traffic.objects.exists()


def test_client_search_finds_by_phone_in_any_format_and_by_plate(dealer, client_for):
    desk = client_for(dealer.receptionist)
    for q in ("601222333", "+48 601-222-333", "wx1234a", "Ivanov", "TMBJJ7NE8J"):
        response = desk.get(reverse("dealership:client_search"), {"q": q})
        assert "Dmitry Ivanov" in response.content.decode(), q
    assert "Dmitry Ivanov" not in desk.get(reverse("dealership:client_search"), {"q": "Sokolov"}).content.decode()


def test_agents_may_not_use_the_desk_or_its_directory(dealer, client_for, agent):
    c = client_for(agent)
    assert c.get(reverse("dealership:desk")).status_code == 403
    assert c.get(reverse("dealership:client_search"), {"q": "Ivanov"}).status_code == 404
    assert c.post(reverse("dealership:register"), {"goal": dealer.goals["repair_call"].pk}).status_code == 403


def test_quick_create_client_and_add_a_car_at_the_desk(dealer, client_for):
    desk = client_for(dealer.receptionist)
    response = desk.post(reverse("dealership:client_create"), {"new_first_name": "Viktor", "new_phone": "601 999 888"})
    assert response.status_code == 200 and "Viktor" in response.content.decode()
    from centrala.contacts.models import Contact

    viktor = Contact.objects.get(first_name="Viktor")
    assert viktor.phones.get().e164 == "+48601999888"
    bad = desk.post(reverse("dealership:client_create"), {"new_phone": "12"})
    assert "is not a valid phone number" in bad.content.decode() and bad["HX-Retarget"] == "#new-client"
    response = desk.post(reverse("dealership:vehicle_add", args=[viktor.pk]),
                         {"car_make": "Mercedes", "car_model": "A 180", "car_plate": "wa 55555", "car_year": "2020"})
    assert "Mercedes A 180 (wa 55555)" in response.content.decode()
    assert viktor.vehicles.get().plate_key == "WA55555"
    bad = desk.post(reverse("dealership:vehicle_add", args=[viktor.pk]), {"car_make": "", "car_vin": "123"})
    text = bad.content.decode()
    assert "Enter the make of the car." in text and "A VIN has 17 characters." in text
    assert viktor.vehicles.count() == 1


# --- taking ---------------------------------------------------------------------------------------

def test_first_to_take_wins_and_the_other_is_told(dealer, client_for):
    traffic = register(dealer, "repair_visit", description="Friend of someone")
    first = client_for(dealer.sidorov).post(reverse("dealership:take", args=[traffic.pk]), follow=True)
    assert "You took this traffic" in first.content.decode()
    second = client_for(dealer.kuznetsov).post(reverse("dealership:take", args=[traffic.pk]), follow=True)
    assert "Sergey Sidorov has already taken this traffic." in second.content.decode()
    traffic.refresh_from_db()
    assert traffic.taken_by == dealer.sidorov and traffic.state == TrafficState.TAKEN
    # The loser sees who has it and gets no processing forms.
    card = client_for(dealer.kuznetsov).get(reverse("dealership:traffic", args=[traffic.pk])).content.decode()
    assert 'data-testid="taken-by-other"' in card and 'data-testid="process"' not in card


@pytest.mark.django_db(transaction=True)
def test_two_specialists_taking_at_the_same_moment_give_exactly_one_owner(dealer):
    traffic = register(dealer, "repair_visit", description="Stranger")
    start = threading.Barrier(2)
    won, lost, failed = [], [], []

    def take(user):
        try:
            start.wait()
            actions.do_take_traffic(user, Traffic.objects.get(pk=traffic.pk))
            won.append(user.username)
        except actions.TrafficTaken as taken:
            lost.append((user.username, taken.traffic.taken_by_id))
        except DatabaseError as error:  # SQLite: a writer locked out counts as not having won
            failed.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(u,)) for u in (dealer.sidorov, dealer.kuznetsov)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    traffic.refresh_from_db()
    assert len(won) == 1 and len(lost) + len(failed) == 1
    assert traffic.taken_by.username == won[0]
    assert all(holder == traffic.taken_by_id for _name, holder in lost)
    assert AuditEntry.objects.filter(action="traffic.take", object_id=str(traffic.pk)).count() == 1


def test_the_rest_see_it_taken_their_notifications_say_who_took_it(dealer, client_for, sent_events,
                                                                    django_capture_on_commit_callbacks):
    traffic = register(dealer, "repair_visit", description="Young man, went to the service")
    url = reverse("dealership:traffic", args=[traffic.pk])
    assert {n.recipient for n in Notification.objects.filter(url=url, read_at__isnull=True)} == {
        dealer.sidorov, dealer.kuznetsov}
    sent_events.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_take_traffic(dealer.sidorov, traffic)
    lost = Notification.objects.get(url=url, recipient=dealer.kuznetsov)
    own = Notification.objects.get(url=url, recipient=dealer.sidorov)
    assert lost.read_at is not None and lost.body == "Taken by Sergey Sidorov · Young man, went to the service"
    assert own.read_at is not None and own.body == "Young man, went to the service"
    # Each bell hears its new count (and an open panel reloads); the lists and cards hear "taken".
    unread = {tuple(e["users"]): e["payload"]["unread_count"] for e in sent_events if e["type"] == "notification.unread"}
    assert unread == {(dealer.kuznetsov.pk,): 0, (dealer.sidorov.pk,): 0}
    taken = [e for e in sent_events if e["type"] == "traffic.changed" and e["payload"]["change"] == "taken"]
    assert len(taken) == 1 and dealer.kuznetsov.pk in taken[0]["users"]
    assert taken[0]["payload"]["taken_by_name"] == "Sergey Sidorov"
    # The loser's "to process" list keeps the traffic, shown taken by the other; the bell says so too.
    loser = client_for(dealer.kuznetsov)
    page = loser.get(reverse("dealership:my_traffic")).content.decode()
    assert f'data-testid="taken-by-other-{traffic.pk}"' in page
    assert "Sergey Sidorov has taken this traffic." in page
    assert "Taken by Sergey Sidorov" in loser.get(reverse("notifications:panel")).content.decode()
    winner = client_for(dealer.sidorov).get(reverse("dealership:my_traffic")).content.decode()
    assert f'data-testid="my-traffic-{traffic.pk}"' in winner and f"taken-by-other-{traffic.pk}" not in winner
    # Once processed it leaves both lists.
    actions.do_ignore_traffic(dealer.sidorov, traffic, reason_id=dealer.wrong.pk)
    assert f"my-traffic-{traffic.pk}" not in loser.get(reverse("dealership:my_traffic")).content.decode()


def test_a_manager_linking_a_case_takes_it_and_settles_the_notifications(dealer, service):
    traffic = register(dealer, "repair_visit", contact=dealer.ivanov)
    actions.do_link_case(dealer.manager, traffic, campaign=service)
    notes = Notification.objects.filter(url=reverse("dealership:traffic", args=[traffic.pk]))
    assert notes.count() == 2 and not notes.filter(read_at__isnull=True).exists()
    assert all(note.body.startswith("Taken by ") for note in notes)
    assert AuditEntry.objects.filter(action="traffic.take", object_id=str(traffic.pk)).exists()


def test_linking_a_case_in_a_campaign_nobody_may_see_is_refused(dealer, service, rental):
    traffic = register(dealer, "repair_visit", contact=dealer.ivanov)
    for campaign in (None, "not a number", 10**30, 999_999):
        with pytest.raises(ValidationError, match="Choose a campaign"):
            actions.do_link_case(dealer.manager, traffic, campaign=campaign)
    traffic.refresh_from_db()
    assert traffic.case_id is None and traffic.taken_by_id is None


def test_notifications_are_written_in_each_recipients_language(dealer):
    dealer.kuznetsov.language = "pl"
    dealer.kuznetsov.save(update_fields=["language"])
    register(dealer, "repair_visit", description="Stranger")
    titles = dict(Notification.objects.values_list("recipient__username", "title"))
    assert titles == {"sidorov": "Visitor waiting: Service. Car repair",
                      "kuznetsov": "Odwiedzający czeka: Service. Car repair"}


def _message(response):
    return " ".join(re.findall(r'<li class="message [^"]*">(.*?)</li>', response.content.decode(), re.S))


@pytest.mark.django_db(transaction=True)
def test_two_specialists_taking_through_http_at_the_same_moment_one_is_told_who_won(dealer, client_for):
    traffic = register(dealer, "repair_visit", description="Stranger")
    url = reverse("dealership:take", args=[traffic.pk])
    browsers = {user.username: client_for(user) for user in (dealer.sidorov, dealer.kuznetsov)}
    start = threading.Barrier(2)
    responses, errors = {}, []

    def take(name):
        try:
            start.wait()
            responses[name] = browsers[name].post(url, follow=True)
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(name,)) for name in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and set(responses) == set(browsers)
    assert all(response.status_code == 200 for response in responses.values())
    traffic.refresh_from_db()
    winner = traffic.taken_by
    loser = ({"sidorov", "kuznetsov"} - {winner.username}).pop()
    assert traffic.state == TrafficState.TAKEN
    assert "You took this traffic: process it now." in _message(responses[winner.username])
    assert _message(responses[loser]) == f"{winner} has already taken this traffic."
    assert 'data-testid="taken-by-other"' in responses[loser].content.decode()
    assert AuditEntry.objects.filter(action="traffic.take", object_id=str(traffic.pk)).count() == 1


def test_a_database_conflict_while_taking_gives_a_clear_message_not_an_error(dealer, client_for, monkeypatch):
    traffic = register(dealer, "repair_visit", description="Stranger")

    def busy(user, traffic):
        raise OperationalError("canceling statement due to lock timeout")

    monkeypatch.setattr(actions, "do_take_traffic", busy)
    response = client_for(dealer.sidorov).post(reverse("dealership:take", args=[traffic.pk]), follow=True)
    assert response.status_code == 200
    assert _message(response) == "The database was busy and the traffic was not changed. Try again in a moment."
    traffic.refresh_from_db()
    assert traffic.taken_by is None and traffic.state == TrafficState.WAITING


def test_after_a_database_conflict_the_take_is_tried_again_and_tells_who_won(dealer, client_for, monkeypatch):
    traffic = register(dealer, "repair_visit", description="Stranger")
    take = actions.do_take_traffic
    calls = []

    def conflict_then_lost(user, traffic):
        calls.append(user)
        if len(calls) == 1:  # e.g. a serialization failure: meanwhile the other specialist took it
            take(dealer.kuznetsov, traffic)
            raise OperationalError("could not serialize access due to concurrent update")
        return take(user, traffic)

    monkeypatch.setattr(actions, "do_take_traffic", conflict_then_lost)
    response = client_for(dealer.sidorov).post(reverse("dealership:take", args=[traffic.pk]), follow=True)
    assert response.status_code == 200 and len(calls) == 2
    assert _message(response) == "Pavel Kuznetsov has already taken this traffic."


def test_a_database_conflict_while_processing_gives_a_clear_message(dealer, client_for, monkeypatch):
    traffic = register(dealer, "repair_visit", description="Stranger", assigned_to=dealer.sidorov)

    def busy(user, traffic, **fields):
        raise OperationalError("database is locked")

    monkeypatch.setattr(actions, "do_ignore_traffic", busy)
    response = client_for(dealer.sidorov).post(reverse("dealership:ignore", args=[traffic.pk]),
                                               {"reason": dealer.wrong.pk})
    assert response.status_code == 400
    assert "The database was busy and the traffic was not changed." in response.content.decode()


def test_assigned_employee_opening_the_card_takes_it(dealer, client_for):
    traffic = register(dealer, "purchase_visit", contact=dealer.ivanov, assigned_to=dealer.petukhov)
    response = client_for(dealer.petukhov).get(reverse("dealership:traffic", args=[traffic.pk]))
    assert response.status_code == 200 and 'data-testid="process"' in response.content.decode()
    traffic.refresh_from_db()
    assert traffic.taken_by == dealer.petukhov and traffic.taken_at is not None


# --- access -------------------------------------------------------------------------------------------

def test_receptionist_sees_the_card_but_cannot_process(dealer, client_for):
    traffic = register(dealer, "repair_call", contact=dealer.ivanov)
    desk = client_for(dealer.receptionist)
    card = desk.get(reverse("dealership:traffic", args=[traffic.pk]))
    assert card.status_code == 200 and 'data-testid="take"' not in card.content.decode()
    assert desk.post(reverse("dealership:take", args=[traffic.pk])).status_code == 404
    assert desk.post(reverse("dealership:ignore", args=[traffic.pk]), {"reason": dealer.wrong.pk}).status_code == 404
    assert desk.post(reverse("dealership:create_document", args=[traffic.pk]), {"kind": "worksheet"}).status_code == 404
    assert desk.get(reverse("dealership:my_traffic")).status_code == 403
    traffic.refresh_from_db()
    assert traffic.state == TrafficState.WAITING


def test_specialist_of_another_department_gets_nothing(dealer, client_for):
    traffic = register(dealer, "repair_visit", description="Stranger")
    assert not Notification.objects.filter(recipient=dealer.petukhov).exists()
    sales = client_for(dealer.petukhov)
    assert sales.get(reverse("dealership:traffic", args=[traffic.pk])).status_code == 404
    assert sales.post(reverse("dealership:take", args=[traffic.pk])).status_code == 404
    assert f"my-traffic-{traffic.pk}" not in sales.get(reverse("dealership:my_traffic")).content.decode()
    assert f"my-traffic-{traffic.pk}" in client_for(dealer.sidorov).get(reverse("dealership:my_traffic")).content.decode()
    # ...and none of the service's documents.
    document = actions.do_create_document(dealer.sidorov, traffic, kind=DocumentKind.WORKSHEET)
    assert sales.get(reverse("dealership:document", args=[document.pk])).status_code == 404


def test_traffic_assigned_to_someone_of_another_department_is_theirs(dealer, client_for):
    traffic = register(dealer, "repair_call", contact=dealer.ivanov, assigned_to=dealer.petukhov)
    assert client_for(dealer.petukhov).get(reverse("dealership:traffic", args=[traffic.pk])).status_code == 200


def test_manager_sees_and_processes_everything(dealer, client_for):
    traffic = register(dealer, "repair_call", contact=dealer.ivanov, assigned_to=dealer.sidorov)
    manager = client_for(dealer.manager)
    assert manager.get(reverse("dealership:traffic", args=[traffic.pk])).status_code == 200
    response = manager.post(reverse("dealership:ignore", args=[traffic.pk]), {"reason": dealer.wrong.pk}, follow=True)
    assert "Traffic ignored." in response.content.decode()


# --- processing ---------------------------------------------------------------------------------------

def test_create_worksheet_links_the_traffic(dealer, client_for):
    traffic = register(dealer, "purchase_call", contact=dealer.ivanov, assigned_to=dealer.petukhov)
    c = client_for(dealer.petukhov)
    response = c.post(reverse("dealership:create_document", args=[traffic.pk]),
                      {"kind": "worksheet", "subject": "Mercedes A class"}, follow=True)
    text = response.content.decode()
    document = Document.objects.get()
    assert f"Sales worksheet {document.number} created." in text and 'data-testid="linked-document"' in text
    traffic.refresh_from_db()
    assert (traffic.state, traffic.outcome, traffic.document) == (TrafficState.PROCESSED, TrafficOutcome.CREATED, document)
    assert traffic.taken_by == dealer.petukhov and traffic.processed_by == dealer.petukhov
    assert document.department == dealer.sales and document.responsible == dealer.petukhov
    # Processed traffic cannot be processed again.
    again = c.post(reverse("dealership:ignore", args=[traffic.pk]), {"reason": dealer.wrong.pk})
    assert again.status_code == 400 and "already been processed" in again.content.decode()


def test_booking_needs_a_valid_time_and_keeps_its_reschedule_history(dealer, client_for):
    traffic = register(dealer, "repair_call", contact=dealer.ivanov, assigned_to=dealer.sidorov)
    c = client_for(dealer.sidorov)
    bad = c.post(reverse("dealership:create_document", args=[traffic.pk]), {"kind": "booking", "scheduled_at": "tomorrow"})
    assert bad.status_code == 400 and "Enter the date and time" in bad.content.decode()
    assert not Document.objects.exists()
    c.post(reverse("dealership:create_document", args=[traffic.pk]), {"kind": "booking", "scheduled_at": "2026-12-01T09:00"})
    booking = Document.objects.get()
    again = register(dealer, "repair_call", contact=dealer.ivanov, assigned_to=dealer.sidorov)
    c.post(reverse("dealership:attach", args=[again.pk]), {"document": booking.pk})
    response = c.post(reverse("dealership:reschedule", args=[booking.pk]),
                      {"scheduled_at": "2026-12-03T14:30", "traffic": again.pk}, follow=True)
    assert "Booking moved." in response.content.decode()
    booking.refresh_from_db()
    assert timezone.localtime(booking.scheduled_at).hour == 14 and booking.traffic.count() == 2
    changes = list(BookingChange.objects.filter(document=booking))
    assert len(changes) == 2 and changes[1].traffic == again and changes[1].old_scheduled_at == changes[0].new_scheduled_at


def test_arrival_has_a_repair_order_and_works_can_be_added(dealer, client_for):
    traffic = register(dealer, "repair_visit", contact=dealer.ivanov, vehicle=dealer.car, assigned_to=dealer.sidorov)
    c = client_for(dealer.sidorov)
    c.post(reverse("dealership:create_document", args=[traffic.pk]),
           {"kind": "arrival", "mileage": "84000", "work": "Periodic maintenance", "doc_vehicle": dealer.car.pk})
    arrival = Document.objects.get()
    assert arrival.repair_order_number == f"RO-{arrival.pk}" and arrival.vehicle == dealer.car and arrival.mileage == 84000
    bad = c.post(reverse("dealership:add_line", args=[arrival.pk]), {"description": "", "hours": "abc"})
    text = bad.content.decode()
    assert bad.status_code == 400 and "Describe the work." in text and "Enter the hours as a number" in text
    c.post(reverse("dealership:add_line", args=[arrival.pk]), {"description": "Replace wiper blades", "hours": "0,5"})
    assert list(RepairOrderLine.objects.filter(document=arrival).values_list("description", flat=True)) == [
        "Periodic maintenance", "Replace wiper blades"]
    assert str(RepairOrderLine.objects.last().hours) == "0.50"


def test_arrival_of_a_client_with_a_pre_booking_closes_it_and_links_both(dealer, client_for):
    """Seed 2.3: the client drives in for his booking; the arrival form offers to close it."""
    booked = register(dealer, "repair_call", contact=dealer.ivanov, assigned_to=dealer.sidorov)
    booking = actions.do_create_document(
        dealer.sidorov, booked, kind=DocumentKind.BOOKING, subject="Periodic maintenance",
        scheduled_at=timezone.localtime().replace(microsecond=0).isoformat(), vehicle_id=dealer.car.pk)
    drop_off = register(dealer, "repair_visit", contact=dealer.ivanov, assigned_to=dealer.sidorov)
    c = client_for(dealer.sidorov)
    card = c.get(reverse("dealership:traffic", args=[drop_off.pk])).content.decode()
    offer = card.split('data-testid="arrival-booking"')[1].split("</select>")[0]
    assert f'<option value="{booking.pk}" selected>{booking.number}' in offer and "Periodic maintenance" in offer
    response = c.post(reverse("dealership:create_document", args=[drop_off.pk]),
                      {"kind": "arrival", "booking": booking.pk, "mileage": "84000"}, follow=True)
    arrival = Document.objects.get(kind=DocumentKind.ARRIVAL)
    assert f"for pre-booking {booking.number}" in response.content.decode()
    booking.refresh_from_db()
    assert arrival.booking == booking and booking.arrival == arrival
    assert booking.status == DocumentStatus.CLOSED and booking.closed_at is not None
    assert arrival.vehicle == dealer.car  # the booked car (the desk chose none)
    assert arrival.subject == "Periodic maintenance"
    assert AuditEntry.objects.filter(action="dealership_document.arrived", object_id=str(booking.pk)).exists()
    page = c.get(reverse("dealership:document", args=[booking.pk])).content.decode()
    assert 'data-testid="booking-arrived"' in page and f"Vehicle arrival {arrival.number}" in page
    page = c.get(reverse("dealership:document", args=[arrival.pk])).content.decode()
    assert f"Service pre-booking {booking.number}" in page.split('data-testid="document-booking"')[1]
    # A closed booking is offered no more; the first traffic's card shows it arrived.
    again = register(dealer, "repair_visit", contact=dealer.ivanov, assigned_to=dealer.sidorov)
    assert 'data-testid="arrival-booking"' not in c.get(reverse("dealership:traffic", args=[again.pk])).content.decode()
    refused = c.post(reverse("dealership:create_document", args=[again.pk]), {"kind": "arrival", "booking": booking.pk})
    assert refused.status_code == 400 and "That pre-booking is already closed." in refused.content.decode()
    assert f"arrived: vehicle arrival {arrival.number}" in c.get(
        reverse("dealership:traffic", args=[booked.pk])).content.decode()


def test_an_arrival_cannot_close_another_clients_booking(dealer, make_contact):
    other = make_contact("Anna", "Petrova")
    booked = register(dealer, "repair_call", contact=other, assigned_to=dealer.sidorov)
    booking = actions.do_create_document(dealer.sidorov, booked, kind=DocumentKind.BOOKING,
                                         scheduled_at="2026-12-01T09:00")
    drop_off = register(dealer, "repair_visit", contact=dealer.ivanov, assigned_to=dealer.sidorov)
    with pytest.raises(ValidationError) as error:
        actions.do_create_document(dealer.sidorov, drop_off, kind=DocumentKind.ARRIVAL, booking_id=booking.pk)
    assert error.value.message_dict == {"booking": ["That is not a pre-booking of this client."]}
    booking.refresh_from_db()
    assert booking.is_open and not Document.objects.filter(kind=DocumentKind.ARRIVAL).exists()
    # Without a booking an arrival is created as before.
    arrival = actions.do_create_document(dealer.sidorov, drop_off, kind=DocumentKind.ARRIVAL)
    assert arrival.booking is None


def test_booking_and_arrival_need_an_identified_client(dealer):
    traffic = register(dealer, "repair_visit", description="Someone", assigned_to=dealer.sidorov)
    with pytest.raises(Exception) as error:
        actions.do_create_document(dealer.sidorov, traffic, kind=DocumentKind.ARRIVAL)
    assert "Identify the client first" in str(error.value)


def test_ignore_other_requires_a_comment(dealer, client_for):
    traffic = register(dealer, "repair_visit", description="Stranger")
    c = client_for(dealer.sidorov)
    c.post(reverse("dealership:take", args=[traffic.pk]))
    bad = c.post(reverse("dealership:ignore", args=[traffic.pk]), {"reason": dealer.other.pk, "comment": " "})
    assert bad.status_code == 400 and "Describe in a comment" in bad.content.decode()
    traffic.refresh_from_db()
    assert traffic.state == TrafficState.TAKEN
    c.post(reverse("dealership:ignore", args=[traffic.pk]), {"reason": dealer.other.pk, "comment": "A friend visiting"})
    traffic.refresh_from_db()
    assert (traffic.state, traffic.ignore_reason, traffic.ignore_comment) == (TrafficState.IGNORED, dealer.other, "A friend visiting")
    assert AuditEntry.objects.filter(action="traffic.ignore", object_id=str(traffic.pk)).exists()


def test_document_search_puts_the_clients_open_documents_first(dealer, make_contact):
    other = make_contact("Anna", "Petrova")
    t1 = register(dealer, "purchase_call", contact=other, assigned_to=dealer.petukhov)
    foreign = actions.do_create_document(dealer.petukhov, t1, kind=DocumentKind.WORKSHEET, subject="BMW")
    t2 = register(dealer, "purchase_call", contact=dealer.ivanov, assigned_to=dealer.petukhov)
    own = actions.do_create_document(dealer.petukhov, t2, kind=DocumentKind.WORKSHEET, subject="Mercedes")
    t3 = register(dealer, "purchase_visit", contact=other, assigned_to=dealer.petukhov)
    found = actions.search_documents(dealer.petukhov, contact=other)
    assert found[0] == foreign and set(found) == {foreign, own}
    assert actions.search_documents(dealer.petukhov, own.number) == [own]
    assert actions.search_documents(dealer.sidorov, "") == []  # another department's documents
    assert t3.state == TrafficState.WAITING


def test_specialist_cannot_link_cases_manager_can(dealer, client_for, service, make_contact):
    traffic = register(dealer, "repair_call", contact=dealer.ivanov, assigned_to=dealer.sidorov)
    assert client_for(dealer.sidorov).post(reverse("dealership:case", args=[traffic.pk]),
                                           {"campaign": service.pk}).status_code == 403
    response = client_for(dealer.manager).post(reverse("dealership:case", args=[traffic.pk]), {"campaign": service.pk},
                                               follow=True)
    traffic.refresh_from_db()
    assert traffic.case is not None and traffic.case.contact == dealer.ivanov and traffic.outcome == TrafficOutcome.CASE
    assert f"Case #{traffic.case.pk} linked." in response.content.decode()


# --- configuration ------------------------------------------------------------------------------------

def test_administrator_configures_goals_and_reasons(dealer, client_for, administrator):
    admin = client_for(administrator)
    assert admin.get(reverse("dealership:goals")).status_code == 200
    response = admin.post(reverse("dealership:goal_create"), {
        "name": "Service. Tyre change", "channel": "call", "department": dealer.service.pk,
        "specialists": [dealer.sidorov.pk], "active": "on",
    })
    assert response.status_code == 302
    from centrala.dealership.models import ContactGoal, IgnoreReason

    goal = ContactGoal.objects.get(name="Service. Tyre change")
    assert list(goal.specialists.all()) == [dealer.sidorov]
    duplicate = admin.post(reverse("dealership:goal_create"), {
        "name": "service. tyre change", "channel": "call", "department": dealer.service.pk, "active": "on"})
    assert duplicate.status_code == 400 and "already is a goal" in duplicate.content.decode()
    # Its page shows what it holds, and a change is saved.
    page = admin.get(reverse("dealership:goal_edit", args=[goal.pk])).content.decode()
    assert 'value="Service. Tyre change"' in page
    assert re.search(rf'value="{dealer.sidorov.pk}"[^>]*checked', page)
    assert re.search(rf'<option value="{dealer.service.pk}" selected', page)
    response = admin.post(reverse("dealership:goal_edit", args=[goal.pk]), {
        "name": "Service. Tyres", "channel": "visit", "department": dealer.service.pk, "specialists": []})
    assert response.status_code == 302
    goal.refresh_from_db()
    assert (goal.name, goal.channel, goal.active, list(goal.specialists.all())) == ("Service. Tyres", "visit", False, [])
    admin.post(reverse("dealership:reason_create"), {"name": "Advertising", "active": "on"})
    assert IgnoreReason.objects.filter(name="Advertising", requires_comment=False).exists()
    assert AuditEntry.objects.filter(action="contact_goal.create").exists()
    for user in (dealer.manager, dealer.sidorov, dealer.receptionist):
        assert client_for(user).get(reverse("dealership:goals")).status_code == 403
        assert client_for(user).post(reverse("dealership:reason_create"), {"name": "X"}).status_code == 403


# --- pages ----------------------------------------------------------------------------------------------

def test_the_waiting_queue_lists_visitors_first_then_calls_each_oldest_first(dealer, client_for):
    from datetime import timedelta

    now = timezone.now()
    order = []
    for key, minutes in [("repair_call", 30), ("purchase_visit", 5), ("purchase_call", 40), ("repair_visit", 20),
                         ("repair_visit", 1)]:
        traffic = register(dealer, key, contact=dealer.ivanov, assigned_to=dealer.sidorov)
        Traffic.objects.filter(pk=traffic.pk).update(registered_at=now - timedelta(minutes=minutes))
        order.append((traffic.channel, minutes, traffic.pk))
    expected = [pk for channel, minutes, pk in sorted(order, key=lambda row: (row[0] != "visit", -row[1]))]
    html = client_for(dealer.receptionist).get(reverse("dealership:desk_queue")).content.decode()
    queue = html.split('data-testid="recent-traffic"')[0]
    assert [int(pk) for pk in re.findall(r'data-testid="waiting-(\d+)"', queue)] == expected
    assert [row[0] for row in sorted(order, key=lambda row: expected.index(row[2]))] == [
        "visit", "visit", "visit", "call", "call"]


def test_desk_lists_the_goals_specialists_first_with_who_is_at_their_desk(dealer, client_for, presence_statuses):
    from centrala.presence.actions import do_set_presence

    do_set_presence(dealer.sidorov, presence_statuses["available"])
    do_set_presence(dealer.kuznetsov, presence_statuses["break"])
    response = client_for(dealer.receptionist).get(reverse("dealership:desk_employees"),
                                                   {"goal": dealer.goals["repair_call"].pk})
    text = response.content.decode()
    specialists, others = text.split("Other employees")
    assert "Sergey Sidorov — at the desk (Available)" in specialists
    assert "Pavel Kuznetsov — away (Break)" in specialists
    assert "Vladimir Petukhov — signed out" in others


def test_every_page_opens_for_its_roles(dealer, client_for, administrator):
    traffic = register(dealer, "repair_call", contact=dealer.ivanov, assigned_to=dealer.sidorov)
    document = actions.do_create_document(dealer.sidorov, traffic, kind=DocumentKind.BOOKING,
                                          scheduled_at="2026-12-01T09:00")
    pages = {
        dealer.receptionist: ["dealership:desk", "dealership:desk_queue"],
        dealer.manager: ["dealership:desk", "dealership:my_traffic", "dealership:documents"],
        dealer.sidorov: ["dealership:my_traffic", "dealership:documents"],
        administrator: ["dealership:goals", "dealership:reasons", "dealership:goal_create", "dealership:reason_create",
                        "dealership:department_create"],
    }
    for user, names in pages.items():
        c = client_for(user)
        for name in names:
            assert c.get(reverse(name)).status_code == 200, (user, name)
    c = client_for(dealer.sidorov)
    page = c.get(reverse("dealership:document", args=[document.pk])).content.decode()
    assert 'data-testid="booked-for"' in page and f"#{traffic.pk}" in page
    assert document.number in c.get(reverse("dealership:documents"), {"q": "Ivanov"}).content.decode()
    assert client_for(dealer.receptionist).get(reverse("dealership:documents")).status_code == 403
    assert client_for(dealer.receptionist).get(reverse("dealership:document", args=[document.pk])).status_code == 403


def test_manager_attaches_an_existing_case_but_not_a_missing_one(dealer, client_for, service, make_case):
    case = make_case(service, dealer.ivanov)
    traffic = register(dealer, "repair_call", contact=dealer.ivanov, assigned_to=dealer.sidorov)
    manager = client_for(dealer.manager)
    bad = manager.post(reverse("dealership:case", args=[traffic.pk]), {"case_number": "999999"})
    assert bad.status_code == 400 and "There is no case with that number" in bad.content.decode()
    manager.post(reverse("dealership:case", args=[traffic.pk]), {"case_number": str(case.pk)})
    traffic.refresh_from_db()
    assert traffic.case == case and traffic.state == TrafficState.PROCESSED
    again = manager.post(reverse("dealership:case", args=[traffic.pk]), {"case_number": str(case.pk)})
    assert again.status_code == 400 and "already has a case" in again.content.decode()
