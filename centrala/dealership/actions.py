"""Every change to dealership traffic and documents goes through here (DLR-01..05).

check_* validate input and access; do_* change state, write the audit trail, notify and publish
the live events (after commit). Views parse, call and render.
"""

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from centrala.accounts.models import SUPERVISOR_ROLES, Role, User
from centrala.accounts.permissions import can, check_can
from centrala.audit.actions import diff, record
from centrala.contacts.actions import contact_match
from centrala.contacts.models import Contact
from centrala.notifications.actions import do_notify, do_settle
from centrala.notifications.models import Notification
from centrala.realtime.publish import publish

from . import access
from .models import (
    BookingChange,
    Channel,
    ContactGoal,
    Department,
    Document,
    DocumentKind,
    DocumentStatus,
    IgnoreReason,
    RepairOrderLine,
    Traffic,
    TrafficOutcome,
    TrafficState,
    Vehicle,
    normalise_plate,
)

NOTIFICATION_KIND = "dealership.traffic"
TEXT_MAX = 2000


class TrafficTaken(Exception):
    """Someone else took the traffic first (the loser of a simultaneous take)."""

    def __init__(self, traffic):
        super().__init__(f"traffic {traffic.pk} is taken by {traffic.taken_by_id}")
        self.traffic = traffic

    @property
    def message(self):
        return _("%(name)s has already taken this traffic.") % {"name": self.traffic.taken_by or _("Someone else")}


def _by(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _text(value, limit):
    return " ".join(str(value or "").split())[:limit]


def _long_text(value):
    return str(value or "").strip()[:TEXT_MAX]


# "message % params" rendered when it is read, so each notification is in its recipient's language
# (a lazy translation's % renders it at once, in the actor's).
_format_lazy = lazy(lambda message, params: str(message) % params, str)


# --- live events ------------------------------------------------------------------------------------

def traffic_audience(traffic):
    """Who hears about a traffic record: the desk, supervisors, the goal's specialists, the chosen
    employee and whoever took it."""
    users = set(traffic.goal.specialists.values_list("pk", flat=True))
    users |= {u for u in (traffic.assigned_to_id, traffic.taken_by_id) if u}
    return {"users": sorted(users), "roles": sorted({Role.RECEPTIONIST, *SUPERVISOR_ROLES})}


def _publish(traffic, change, actor=None):
    publish("traffic.changed", {
        "traffic_id": traffic.pk,
        "state": traffic.state,
        "change": change,
        "taken_by_id": traffic.taken_by_id,
        "taken_by_name": str(traffic.taken_by) if traffic.taken_by_id else "",
        "by_user_id": actor.pk if actor else None,
    }, **traffic_audience(traffic))


# --- the client directory -------------------------------------------------------------------------

def may_use_directory(user):
    return can(user, "reception_desk") or can(user, "process_traffic")


def search_clients(user, q, limit=10):
    """Contacts matching a name, a phone number in any format or a car's plate or VIN, with their cars.

    The dealership's client directory is Centrala's contacts: the desk and the specialists may
    find any client (they serve everyone who calls or walks in)."""
    if not may_use_directory(user):
        return []
    text = " ".join((q or "").split())[:200]
    if len(text) < 2:
        return []
    condition = contact_match(text)
    plate = normalise_plate(text)
    if len(plate) >= 3:
        cars = Vehicle.objects.filter(Q(plate_key__contains=plate) | Q(vin__startswith=plate)).values("contact_id")
        condition |= Q(pk__in=cars)
    return list(
        Contact.objects.filter(condition).prefetch_related("vehicles", "phones").order_by("display_name", "pk")[:limit]
    )


def get_client(user, contact_id):
    if not may_use_directory(user):
        raise Contact.DoesNotExist("no directory")
    try:
        return Contact.objects.prefetch_related("vehicles", "phones").get(pk=int(contact_id))
    except (Contact.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Contact.DoesNotExist(f"contact {contact_id!r}") from None


@transaction.atomic
def do_quick_create_client(actor, *, first_name="", last_name="", phone=""):
    """A new client typed at the desk: a person with a name and/or a phone number."""
    from centrala.contacts.actions import do_create_contact

    if not may_use_directory(actor):
        raise PermissionDenied("directory")
    phones = [phone] if (phone or "").strip() else []
    try:
        return do_create_contact(actor, "person", phones=phones, first_name=first_name, last_name=last_name)
    except ValidationError as error:
        # The desk form names its fields new_*; map the contact's field errors onto them.
        mapped = {}
        for field, messages in error.message_dict.items():
            key = "new_phone" if field.startswith("phones") else f"new_{field}"
            mapped.setdefault(key, []).extend(messages)
        raise ValidationError(mapped) from None


def check_year(value):
    text = str(value or "").strip()
    if not text:
        return None
    if not text.isdigit() or not 1900 <= int(text) <= timezone.now().year + 1:
        raise ValidationError({"year": _("Enter the year the car was made, e.g. 2019.")})
    return int(text)


@transaction.atomic
def do_add_vehicle(actor, contact, *, make, model="", vin="", plate="", year=None):
    if not may_use_directory(actor):
        raise PermissionDenied("directory")
    errors = {}
    make, model, plate = _text(make, 60), _text(model, 80), _text(plate, 20)
    vin = _text(vin, 40).replace(" ", "").upper()
    if not make:
        errors["make"] = _("Enter the make of the car.")
    if vin and len(vin) != 17:
        errors["vin"] = _("A VIN has 17 characters.")
    try:
        year = check_year(year)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    vehicle = Vehicle.objects.create(
        contact=contact, make=make, model=model, vin=vin, plate=plate, year=year, created_by=_by(actor)
    )
    record(_by(actor), "vehicle.create", vehicle, {
        "client": [None, str(contact)], "make": [None, make], "model": [None, model], "plate": [None, plate],
        "vin": [None, vin], "year": [None, year],
    })
    return vehicle


# --- the desk: registering traffic ------------------------------------------------------------------

def desk_employees(goal=None):
    """Employees the desk can choose: specialists and supervisors, the goal's specialists first."""
    users = list(
        User.objects.filter(is_active=True, role__in=[Role.SPECIALIST, *SUPERVISOR_ROLES])
        .select_related("presence__status")
        .order_by("last_name", "first_name", "username")
    )
    if goal is None:
        return users, []
    ids = set(goal.specialists.values_list("pk", flat=True))
    return [u for u in users if u.pk in ids], [u for u in users if u.pk not in ids]


def check_register(actor, *, goal_id, contact_id=None, vehicle_id=None, visitor_description="",
                   vehicle_description="", phone="", note="", assigned_to_id=None):
    check_can(actor, "reception_desk")
    errors = {}
    goal = contact = vehicle = assigned_to = None
    try:
        goal = ContactGoal.objects.select_related("department").get(pk=int(goal_id), active=True)
    except (ContactGoal.DoesNotExist, TypeError, ValueError, OverflowError):
        errors["goal"] = _("Choose the contact goal.")
    if contact_id:
        try:
            contact = Contact.objects.get(pk=int(contact_id))
        except (Contact.DoesNotExist, TypeError, ValueError, OverflowError):
            errors["contact"] = _("That client no longer exists; search again.")
    if vehicle_id and contact is not None:
        try:
            vehicle = Vehicle.objects.get(pk=int(vehicle_id), contact=contact)
        except (Vehicle.DoesNotExist, TypeError, ValueError, OverflowError):
            errors["vehicle"] = _("That car is not one of the client's cars.")
    visitor_description = _text(visitor_description, 300)
    if contact is None and not visitor_description and "contact" not in errors:
        errors["contact"] = _("Find the client in the directory or describe the visitor.")
    if assigned_to_id:
        try:
            assigned_to = User.objects.get(
                pk=int(assigned_to_id), is_active=True, role__in=[Role.SPECIALIST, *SUPERVISOR_ROLES]
            )
        except (User.DoesNotExist, TypeError, ValueError, OverflowError):
            errors["assigned_to"] = _("Choose an employee from the list.")
    if goal is not None and assigned_to is None and not errors.get("assigned_to"):
        if not goal.specialists.filter(is_active=True).exists():
            errors["assigned_to"] = _("The goal has no specialists: choose the responsible employee.")
    if errors:
        raise ValidationError(errors)
    return {
        "goal": goal, "contact": contact, "vehicle": vehicle, "visitor_description": visitor_description,
        "vehicle_description": _text(vehicle_description, 200), "phone": _text(phone, 40), "note": _long_text(note),
        "assigned_to": assigned_to,
    }


def traffic_url(traffic):
    return reverse("dealership:traffic", args=[traffic.pk])


def _notification_title(traffic):
    if traffic.channel == Channel.CALL:
        return _format_lazy(gettext_lazy("Incoming call: %(goal)s"), {"goal": traffic.goal.name})
    return _format_lazy(gettext_lazy("Visitor waiting: %(goal)s"), {"goal": traffic.goal.name})


def _notification_body(traffic):
    parts = [traffic.client_label]
    if traffic.vehicle_id:
        parts.append(str(traffic.vehicle))
    elif traffic.vehicle_description:
        parts.append(traffic.vehicle_description)
    if traffic.note:
        parts.append(traffic.note[:200])
    return " · ".join(p for p in parts if p)


@transaction.atomic
def do_register_traffic(actor, **fields):
    """Register a call (transferred) or a visit (put in the waiting queue) and tell the chosen
    employee, or every specialist of the goal when nobody was chosen (DLR-02/03)."""
    cleaned = check_register(actor, **fields)
    goal = cleaned["goal"]
    traffic = Traffic.objects.create(
        goal=goal, channel=goal.channel, department=goal.department, contact=cleaned["contact"],
        vehicle=cleaned["vehicle"], visitor_description=cleaned["visitor_description"],
        vehicle_description=cleaned["vehicle_description"], phone=cleaned["phone"], note=cleaned["note"],
        assigned_to=cleaned["assigned_to"], registered_by=_by(actor),
    )
    recipients = [traffic.assigned_to] if traffic.assigned_to else list(goal.specialists.filter(is_active=True))
    do_notify(
        recipients, kind=NOTIFICATION_KIND, title=_notification_title(traffic), body=_notification_body(traffic),
        url=traffic_url(traffic), created_by=_by(actor),
    )
    record(_by(actor), "traffic.register", traffic, {
        "goal": [None, str(goal)], "client": [None, traffic.client_label],
        "vehicle": [None, str(traffic.vehicle) if traffic.vehicle else traffic.vehicle_description or None],
        "responsible": [None, str(traffic.assigned_to) if traffic.assigned_to else None],
        "note": [None, traffic.note or None],
    })
    _publish(traffic, "registered", actor)
    return traffic


def traffic_notifications(traffic):
    """The bell notifications a traffic record sent (to the chosen employee or the goal's
    specialists); looked up by recipient, which the notifications are indexed on."""
    recipients = set(traffic.goal.specialists.values_list("pk", flat=True))
    if traffic.assigned_to_id:
        recipients.add(traffic.assigned_to_id)
    return Notification.objects.filter(
        recipient_id__in=recipients, kind=NOTIFICATION_KIND, url=traffic_url(traffic)
    ).select_related("recipient")


def _settle_notifications(traffic, taker):
    """Someone took the traffic: the notifications it sent are no longer waiting for anyone. The
    taker's own is marked read; everyone else's is marked read and says who took it, and their
    bells follow live (DLR-03: "the rest see it taken")."""
    def body(note):
        if note.recipient_id == taker.pk:
            return note.body
        text = _("Taken by %(name)s") % {"name": taker}
        return f"{text} · {note.body}" if note.body else text

    do_settle(traffic_notifications(traffic), body=body)


# --- taking and processing --------------------------------------------------------------------------

@transaction.atomic
def do_take_traffic(actor, traffic):
    """Make `actor` the one who processes the traffic. The first to take it wins: the conditional
    UPDATE lets exactly one of several simultaneous takers through (on any database), the others
    get TrafficTaken. Taking what one already holds is a no-op."""
    traffic = access.get_processable_traffic(actor, traffic.pk)
    if traffic.taken_by_id == actor.pk:
        return traffic
    now = timezone.now()
    won = Traffic.objects.filter(pk=traffic.pk, taken_by__isnull=True, state=TrafficState.WAITING).update(
        taken_by=actor, taken_at=now, state=TrafficState.TAKEN
    )
    traffic.refresh_from_db()
    if not won:
        if traffic.taken_by_id is None:
            raise ValidationError(_("This traffic is already closed."))
        raise TrafficTaken(traffic)
    record(actor, "traffic.take", traffic, {"taken_by": [None, str(actor)]})
    _settle_notifications(traffic, actor)
    _publish(traffic, "taken", actor)
    return traffic


def _lock_for_processing(actor, traffic):
    """The traffic row, locked, taken by `actor` (taking it first if nobody has), still open."""
    traffic = access.get_processable_traffic(actor, traffic.pk)
    if traffic.taken_by_id is None:
        traffic = do_take_traffic(actor, traffic)
    locked = Traffic.objects.select_for_update(of=("self",)).select_related("goal", "contact", "taken_by")
    traffic = locked.get(pk=traffic.pk)
    if not traffic.is_open:
        raise ValidationError(_("This traffic has already been processed."))
    if traffic.taken_by_id != actor.pk and actor.role not in SUPERVISOR_ROLES:
        raise TrafficTaken(traffic)
    return traffic


def _close(actor, traffic, *, state, outcome, **fields):
    traffic.state = state
    traffic.outcome = outcome
    traffic.processed_at = timezone.now()
    traffic.processed_by = actor
    for name, value in fields.items():
        setattr(traffic, name, value)
    traffic.save(update_fields=["state", "outcome", "processed_at", "processed_by", *fields])
    _publish(traffic, state, actor)


def parse_when(value, field):
    if isinstance(value, datetime):
        when = value
    else:
        when = parse_datetime(str(value or "").strip())
    if when is None:
        raise ValidationError({field: _("Enter the date and time, e.g. 2026-12-01 09:30.")})
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    return when


def parse_amount(value, field, message):
    text = str(value or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationError({field: message}) from None
    if amount < 0 or amount >= 10**6 or amount.as_tuple().exponent < -2:
        raise ValidationError({field: message})
    return amount


def open_bookings(user, contact):
    """The client's open service pre-bookings `user` may see, the one booked nearest to now first:
    a vehicle arrival offers to close the one the client came for (seed 2.3)."""
    if contact is None:
        return []
    bookings = list(access.visible_documents(user).filter(
        kind=DocumentKind.BOOKING, status=DocumentStatus.OPEN, contact=contact, arrival__isnull=True,
    ).select_related("vehicle"))
    now = timezone.now()
    return sorted(bookings, key=lambda b: (abs((b.scheduled_at or now) - now), -b.pk))


def check_booking(actor, traffic, booking_id):
    """The open pre-booking of the traffic's client a vehicle arrival fulfils, or None."""
    if not booking_id:
        return None
    try:
        booking = access.get_document_for_user(actor, booking_id)
    except Document.DoesNotExist:
        booking = None
    if (booking is None or booking.kind != DocumentKind.BOOKING or traffic.contact_id is None
            or booking.contact_id != traffic.contact_id):
        raise ValidationError({"booking": _("That is not a pre-booking of this client.")})
    if not booking.is_open:
        raise ValidationError({"booking": _("That pre-booking is already closed.")})
    return booking


def check_document(actor, traffic, *, kind, subject="", scheduled_at=None, vehicle_id=None, mileage=None,
                   work="", booking_id=None):
    errors = {}
    if kind not in DocumentKind.values:
        errors["kind"] = _("Choose what to create.")
    vehicle = None
    if vehicle_id:
        try:
            vehicle = Vehicle.objects.get(pk=int(vehicle_id), contact_id=traffic.contact_id)
        except (Vehicle.DoesNotExist, TypeError, ValueError, OverflowError):
            errors["vehicle"] = _("That car is not one of the client's cars.")
    if kind in (DocumentKind.BOOKING, DocumentKind.ARRIVAL) and traffic.contact_id is None:
        errors["kind"] = _("Identify the client first: a booking or a vehicle arrival needs one.")
    when = None
    if kind == DocumentKind.BOOKING:
        try:
            when = parse_when(scheduled_at, "scheduled_at")
        except ValidationError as error:
            errors.update(error.message_dict)
    km = None
    if kind == DocumentKind.ARRIVAL and str(mileage or "").strip():
        text = str(mileage).strip().replace(" ", "")
        if not text.isdigit() or int(text) > 5_000_000:
            errors["mileage"] = _("Enter the mileage in whole kilometres.")
        else:
            km = int(text)
    booking = None
    if kind == DocumentKind.ARRIVAL and "kind" not in errors:
        try:
            booking = check_booking(actor, traffic, booking_id)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return {"kind": kind, "subject": _text(subject, 250), "scheduled_at": when,
            "vehicle": vehicle or traffic.vehicle or (booking.vehicle if booking else None),
            "mileage": km, "work": _text(work, 250), "booking": booking}


def _lock_open_booking(booking):
    """The pre-booking row, locked, so that two arrivals cannot both close it."""
    booking = Document.objects.select_for_update().get(pk=booking.pk)
    if not booking.is_open or Document.objects.filter(booking=booking).exists():
        raise ValidationError({"booking": _("That pre-booking is already closed.")})
    return booking


def _close_booking_on_arrival(actor, booking, arrival):
    """The client came for the pre-booking: it is closed, and shows the arrival (booking.arrival)."""
    booking.status, booking.closed_at = DocumentStatus.CLOSED, timezone.now()
    booking.save(update_fields=["status", "closed_at", "updated_at"])
    record(actor, "dealership_document.arrived", booking, {
        "status": [DocumentStatus.OPEN, DocumentStatus.CLOSED], "arrival": [None, arrival.number],
    })


@transaction.atomic
def do_create_document(actor, traffic, **fields):
    """Process the traffic into a new document (worksheet, pre-booking or vehicle arrival with its
    repair order); the traffic is then processed and linked to it. A vehicle arrival given the
    client's open pre-booking (booking_id) closes it and is linked to it (seed 2.3)."""
    traffic = _lock_for_processing(actor, traffic)
    cleaned = check_document(actor, traffic, **fields)
    now = timezone.now()
    kind = cleaned["kind"]
    booking = cleaned["booking"] and _lock_open_booking(cleaned["booking"])
    subject = cleaned["subject"] or (booking.subject if booking else "")
    document = Document.objects.create(
        kind=kind, department=traffic.department, contact=traffic.contact, vehicle=cleaned["vehicle"],
        subject=subject or traffic.vehicle_description or str(traffic.goal.name),
        note=traffic.note, responsible=actor, created_by=actor,
        scheduled_at=cleaned["scheduled_at"], mileage=cleaned["mileage"],
        arrived_at=now if kind == DocumentKind.ARRIVAL else None, booking=booking,
    )
    if booking is not None:
        _close_booking_on_arrival(actor, booking, document)
    if kind == DocumentKind.ARRIVAL:
        document.repair_order_number = f"RO-{document.pk}"
        document.save(update_fields=["repair_order_number"])
        if cleaned["work"]:
            RepairOrderLine.objects.create(document=document, description=cleaned["work"], traffic=traffic,
                                           added_by=actor)
    if kind == DocumentKind.BOOKING:
        BookingChange.objects.create(document=document, old_scheduled_at=None, new_scheduled_at=document.scheduled_at,
                                     traffic=traffic, changed_by=actor)
    record(actor, "dealership_document.create", document, {
        "kind": [None, document.get_kind_display()], "client": [None, str(document.contact or "") or None],
        "subject": [None, document.subject], "booked_for": [None, document.scheduled_at],
        "traffic": [None, traffic.pk], "booking": [None, booking.number if booking else None],
    })
    _close(actor, traffic, state=TrafficState.PROCESSED, outcome=TrafficOutcome.CREATED, document=document)
    record(actor, "traffic.process", traffic, {"document": [None, document.number], "outcome": [None, "created"]})
    return document


@transaction.atomic
def do_attach_document(actor, traffic, document):
    """Process the traffic by attaching it to an existing document (found in the document search)."""
    traffic = _lock_for_processing(actor, traffic)
    document = access.get_document_for_user(actor, document.pk)
    if traffic.contact_id and document.contact_id is None:
        document.contact = traffic.contact
        document.save(update_fields=["contact", "updated_at"])
    _close(actor, traffic, state=TrafficState.PROCESSED, outcome=TrafficOutcome.ATTACHED, document=document)
    record(actor, "traffic.process", traffic, {"document": [None, document.number], "outcome": [None, "attached"]})
    return document


def check_ignore(reason_id, comment):
    try:
        reason = IgnoreReason.objects.get(pk=int(reason_id), active=True)
    except (IgnoreReason.DoesNotExist, TypeError, ValueError, OverflowError):
        raise ValidationError({"reason": _("Choose why the traffic is ignored.")}) from None
    comment = _long_text(comment)
    if reason.requires_comment and not comment:
        raise ValidationError({"comment": _("Describe in a comment why the traffic is ignored.")})
    return reason, comment


@transaction.atomic
def do_ignore_traffic(actor, traffic, *, reason_id, comment=""):
    traffic = _lock_for_processing(actor, traffic)
    reason, comment = check_ignore(reason_id, comment)
    _close(actor, traffic, state=TrafficState.IGNORED, outcome=TrafficOutcome.IGNORED, ignore_reason=reason,
           ignore_comment=comment)
    record(actor, "traffic.ignore", traffic, {"reason": [None, reason.name], "comment": [None, comment or None]})
    return traffic


@transaction.atomic
def do_link_case(actor, traffic, *, campaign=None, case_id=None):
    """Create a Centrala case in `campaign` for the traffic's client, or attach an existing case.

    Needs the work_cases capability (the case is then visible to its campaign's agents as usual);
    a traffic record already closed keeps its outcome and only gains the case."""
    from centrala.accounts.permissions import get_campaign_for_user, get_case_for_user
    from centrala.campaigns.models import Campaign
    from centrala.cases.actions import do_create_case
    from centrala.cases.models import Case, Source

    check_can(actor, "work_cases")
    traffic = access.get_processable_traffic(actor, traffic.pk)
    traffic = Traffic.objects.select_for_update(of=("self",)).select_related("goal", "contact").get(pk=traffic.pk)
    if traffic.case_id:
        raise ValidationError(_("The traffic already has a case."))
    if case_id:
        try:
            case = get_case_for_user(actor, case_id)
        except Case.DoesNotExist:
            raise ValidationError({"case": _("There is no case with that number you may open.")}) from None
    else:
        if traffic.contact_id is None:
            raise ValidationError({"campaign": _("Identify the client first: a case needs a contact.")})
        try:
            campaign = get_campaign_for_user(actor, getattr(campaign, "pk", campaign))
        except Campaign.DoesNotExist:
            raise ValidationError({"campaign": _("Choose a campaign.")}) from None
        source = Source.INBOUND_CALL if traffic.channel == Channel.CALL else Source.WEB
        case = do_create_case(actor, campaign=campaign, contact=traffic.contact, source=source,
                              subject=f"{traffic.goal.name}: {traffic.client_label}")
    fields = {"case": case}
    if traffic.is_open:
        if traffic.taken_by_id is None:
            traffic.taken_by, traffic.taken_at = actor, timezone.now()
            fields.update(taken_by=actor, taken_at=traffic.taken_at)
            record(actor, "traffic.take", traffic, {"taken_by": [None, str(actor)]})
            _settle_notifications(traffic, actor)
        _close(actor, traffic, state=TrafficState.PROCESSED, outcome=TrafficOutcome.CASE, **fields)
    else:
        traffic.case = case
        traffic.save(update_fields=["case"])
        _publish(traffic, "case", actor)
    record(actor, "traffic.case", traffic, {"case": [None, case.pk]})
    return case


# --- documents --------------------------------------------------------------------------------------

def _day_start(day):
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def document_queryset(user, q="", *, contact=None, kinds=(), statuses=(), department_ids=(), created_from=None,
                      created_to=None):
    """Documents `user` may see (access.visible_documents) matching q (number "WS-12" / "12",
    client, subject, plate) and the filters (created_from/created_to: dates, both days included);
    the client's open documents first, then other open ones, then closed, newest first."""
    from django.db.models import Case, IntegerField, Value, When

    documents = access.visible_documents(user).select_related("contact", "vehicle", "department")
    text = " ".join((q or "").split())[:100]
    if text:
        digits = text.split("-")[-1].strip()
        condition = Q(subject__icontains=text) | Q(contact__in=Contact.objects.filter(contact_match(text)).values("pk"))
        if digits.isdigit() and len(digits) <= 18:
            condition |= Q(pk=int(digits))
        plate = normalise_plate(text)
        if len(plate) >= 3:
            condition |= Q(vehicle__plate_key__contains=plate)
        documents = documents.filter(condition)
    if kinds:
        documents = documents.filter(kind__in=kinds)
    if statuses:
        documents = documents.filter(status__in=statuses)
    if department_ids:
        documents = documents.filter(department_id__in=department_ids)
    if created_from:
        documents = documents.filter(created_at__gte=_day_start(created_from))
    if created_to:
        documents = documents.filter(created_at__lt=_day_start(created_to + timedelta(days=1)))
    rank = [When(status=DocumentStatus.OPEN, then=Value(1))]
    if contact is not None:
        rank.insert(0, When(contact=contact, status=DocumentStatus.OPEN, then=Value(0)))
    return documents.annotate(rank=Case(*rank, default=Value(2), output_field=IntegerField())).order_by("rank", "-pk")


def search_documents(user, q="", *, contact=None, limit=20):
    """The first `limit` of document_queryset: the document search of the traffic card."""
    return list(document_queryset(user, q, contact=contact)[:limit])


def _check_document_open(document):
    if not document.is_open:
        raise ValidationError(_("The document is closed."))


def _traffic_for_document(actor, traffic_id, document):
    if not traffic_id:
        return None
    try:
        traffic = access.get_processable_traffic(actor, traffic_id)
    except Traffic.DoesNotExist:
        return None
    return traffic if traffic.document_id == document.pk else None


@transaction.atomic
def do_reschedule_booking(actor, document, *, scheduled_at, traffic_id=None):
    document = access.get_document_for_user(actor, document.pk)
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.kind != DocumentKind.BOOKING:
        raise ValidationError(_("Only a service pre-booking can be rescheduled."))
    _check_document_open(document)
    when = parse_when(scheduled_at, "scheduled_at")
    old = document.scheduled_at
    if old == when:
        return document
    document.scheduled_at = when
    document.save(update_fields=["scheduled_at", "updated_at"])
    BookingChange.objects.create(document=document, old_scheduled_at=old, new_scheduled_at=when,
                                 traffic=_traffic_for_document(actor, traffic_id, document), changed_by=actor)
    record(actor, "dealership_document.reschedule", document, {"booked_for": [old, when]})
    return document


@transaction.atomic
def do_add_repair_line(actor, document, *, description, hours=None, price=None, traffic_id=None):
    document = access.get_document_for_user(actor, document.pk)
    if document.kind != DocumentKind.ARRIVAL:
        raise ValidationError(_("Works are added to a vehicle arrival's repair order."))
    _check_document_open(document)
    errors = {}
    description = _text(description, 250)
    if not description:
        errors["description"] = _("Describe the work.")
    try:
        hours = parse_amount(hours, "hours", _("Enter the hours as a number, e.g. 1.5."))
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        price = parse_amount(price, "price", _("Enter the price as a number, e.g. 250.00."))
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    line = RepairOrderLine.objects.create(
        document=document, description=description, hours=hours, price=price,
        traffic=_traffic_for_document(actor, traffic_id, document), added_by=actor,
    )
    record(actor, "dealership_document.add_line", document, {"work": [None, description], "hours": [None, hours],
                                                             "price": [None, price]})
    return line


@transaction.atomic
def do_set_document_status(actor, document, status):
    document = access.get_document_for_user(actor, document.pk)
    if status not in DocumentStatus.values:
        raise ValidationError(_("Unknown status."))
    if document.status == status:
        return document
    old = document.status
    document.status = status
    document.closed_at = timezone.now() if status == DocumentStatus.CLOSED else None
    document.save(update_fields=["status", "closed_at", "updated_at"])
    record(actor, "dealership_document.status", document, {"status": [old, status]})
    return document


# --- configuration (administrators) -----------------------------------------------------------------

def _config_actor(actor):
    check_can(actor, "manage_dealership")
    return actor


@transaction.atomic
def do_save_goal(actor, goal, *, name, channel, department, specialists, active=True, position=None):
    _config_actor(actor)
    name = _text(name, 150)
    errors = {}
    if not name:
        errors["name"] = _("Enter the name of the goal.")
    if channel not in Channel.values:
        errors["channel"] = _("Choose call or visit.")
    if not isinstance(department, Department):
        errors["department"] = _("Choose the department.")
    clash = ContactGoal.objects.filter(name__iexact=name, channel=channel).exclude(pk=goal.pk)
    if name and clash.exists():
        errors["name"] = _("There already is a goal with this name for this channel.")
    specialists = list(specialists)
    wrong = [u for u in specialists if u.role not in (Role.SPECIALIST, *SUPERVISOR_ROLES)]
    if wrong:
        errors["specialists"] = _("Only specialists and supervisors can handle traffic.")
    if errors:
        raise ValidationError(errors)
    before = {}
    if goal.pk:
        before = {"name": goal.name, "channel": goal.channel, "department": str(goal.department),
                  "active": goal.active, "specialists": [str(u) for u in goal.specialists.all()]}
    goal.name, goal.channel, goal.department, goal.active = name, channel, department, active
    if position is not None:
        goal.position = position
    elif not goal.pk:
        goal.position = (ContactGoal.objects.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    created = goal.pk is None
    goal.save()
    goal.specialists.set(specialists)
    after = {"name": goal.name, "channel": goal.channel, "department": str(department), "active": goal.active,
             "specialists": [str(u) for u in specialists]}
    record(actor, "contact_goal.create" if created else "contact_goal.update", goal, diff(before, after))
    return goal


@transaction.atomic
def do_save_ignore_reason(actor, reason, *, name, requires_comment=False, active=True):
    _config_actor(actor)
    name = _text(name, 100)
    if not name:
        raise ValidationError({"name": _("Enter the reason.")})
    if IgnoreReason.objects.filter(name__iexact=name).exclude(pk=reason.pk).exists():
        raise ValidationError({"name": _("This reason already exists.")})
    before = {}
    if reason.pk:
        before = {"name": reason.name, "requires_comment": reason.requires_comment, "active": reason.active}
    created = reason.pk is None
    if created:
        last = IgnoreReason.objects.order_by("-position").values_list("position", flat=True).first()
        reason.position = (last or 0) + 1
    reason.name, reason.requires_comment, reason.active = name, requires_comment, active
    reason.save()
    after = {"name": name, "requires_comment": requires_comment, "active": active}
    record(actor, "ignore_reason.create" if created else "ignore_reason.update", reason, diff(before, after))
    return reason


@transaction.atomic
def do_save_department(actor, department, *, name, code, active=True):
    _config_actor(actor)
    name, code = _text(name, 100), _text(code, 30).lower()
    errors = {}
    if not name:
        errors["name"] = _("Enter the name of the department.")
    elif Department.objects.filter(name__iexact=name).exclude(pk=department.pk).exists():
        errors["name"] = _("This department already exists.")
    if not code or not code.replace("-", "").replace("_", "").isalnum():
        errors["code"] = _("Enter a short code of letters and digits, e.g. service.")
    elif Department.objects.filter(code=code).exclude(pk=department.pk).exists():
        errors["code"] = _("Another department has this code.")
    if errors:
        raise ValidationError(errors)
    before = {"name": department.name, "code": department.code, "active": department.active} if department.pk else {}
    created = department.pk is None
    department.name, department.code, department.active = name, code, active
    department.save()
    record(actor, "department.create" if created else "department.update", department,
           diff(before, {"name": name, "code": code, "active": active}))
    return department
