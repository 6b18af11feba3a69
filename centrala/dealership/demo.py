"""Demo data for the dealership (seed 002): departments, the seed's contact goals with their
specialists, ignore reasons, clients with cars, and traffic in every state.

Safe to run again: what exists is left as it is; traffic and documents are made only while there
is no traffic at all. Everything goes through the actions, so the audit trail looks real.
"""

from datetime import timedelta

from django.utils import timezone

from centrala.contacts.actions import do_create_contact
from centrala.contacts.models import Contact, ContactKind

from . import actions
from .models import Channel, ContactGoal, Department, DocumentKind, IgnoreReason, Traffic, Vehicle

# The business data stays untranslated, like the rest of the demo.
DEPARTMENTS = [("Showroom", "sales"), ("Service", "service"), ("Parts", "parts")]
GOALS = [
    # name, channel, department code, specialists
    ("Showroom. New car purchase", Channel.CALL, "sales", ["specialist", "specialist2"]),
    ("Showroom. New car purchase", Channel.VISIT, "sales", ["specialist", "specialist2"]),
    ("Showroom. Car pick-up", Channel.VISIT, "sales", ["specialist", "specialist2"]),
    ("Service. Car repair", Channel.CALL, "service", ["service", "specialist"]),
    ("Service. Car repair", Channel.VISIT, "service", ["service", "specialist"]),
    ("Parts. Order", Channel.CALL, "parts", ["service"]),
]
REASONS = [("Wrong number", False), ("Advertising", False), ("Visitor for an employee", False), ("Other", True)]
CLIENTS = [
    # first, last, phone (used only when the contact is not in the demo yet), cars (make, model, plate, VIN, year)
    ("Jan", "Kowalski", "+48 601 222 333", [("Skoda", "Octavia", "WX 1234A", "TMBJJ7NE8J0123456", 2018)]),
    ("Katarzyna", "Nowak", "+48 602 111 444", []),
    ("Tomasz", "Wiśniewski", "+48 603 555 666", [("Mercedes-Benz", "A 180", "WA 55555", "WDD1770841J000001", 2021),
                                                ("Toyota", "Yaris", "WY 9876C", "", 2015)]),
]


def load(users):
    """users: {username: User} of the demo. Returns how many traffic records were created now."""
    admin = users["admin"]
    departments = {}
    for position, (name, code) in enumerate(DEPARTMENTS):
        department = Department.objects.filter(code=code).first()
        departments[code] = department or actions.do_save_department(admin, Department(position=position), name=name,
                                                                      code=code)
    goals = []
    for name, channel, code, specialists in GOALS:
        goal = ContactGoal.objects.filter(name=name, channel=channel).first()
        if goal is None:
            goal = actions.do_save_goal(admin, ContactGoal(), name=name, channel=channel, department=departments[code],
                                        specialists=[users[u] for u in specialists if u in users])
        goals.append(goal)
    for name, requires_comment in REASONS:
        if not IgnoreReason.objects.filter(name=name).exists():
            actions.do_save_ignore_reason(admin, IgnoreReason(), name=name, requires_comment=requires_comment)
    clients = []
    for first, last, phone, cars in CLIENTS:
        contact = Contact.objects.filter(kind=ContactKind.PERSON, display_name=f"{first} {last}").first()
        if contact is None:
            contact = do_create_contact(users["reception"], ContactKind.PERSON, phones=[phone], first_name=first,
                                        last_name=last)
        if not contact.vehicles.exists():
            for make, model, plate, vin, year in cars:
                actions.do_add_vehicle(users["reception"], contact, make=make, model=model, plate=plate, vin=vin,
                                       year=year)
        clients.append(contact)
    if Traffic.objects.exists():
        return 0
    return _traffic(users, goals, clients)


def _traffic(users, goals, clients):
    reception, sales, sales2, service = users["reception"], users["specialist"], users["specialist2"], users["service"]
    purchase_call, purchase_visit, pick_up, repair_call, repair_visit, _parts = goals
    ivanov, morozov, kuznetsova = clients
    car = Vehicle.objects.filter(contact=ivanov).first()

    def register(goal, **fields):
        fields.setdefault("contact_id", None)
        return actions.do_register_traffic(reception, goal_id=goal.pk, **fields)

    # 1.1: a purchase call, processed into a worksheet.
    t = register(purchase_call, contact_id=morozov.pk, vehicle_description="Mercedes A class", assigned_to_id=sales2.pk)
    worksheet = actions.do_create_document(sales2, t, kind=DocumentKind.WORKSHEET, subject="Mercedes A class")
    # 2.1: a service call, processed into a pre-booking.
    in_two_days = (timezone.localtime() + timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    t = register(repair_call, contact_id=ivanov.pk, vehicle_id=car.pk if car else None, assigned_to_id=service.pk)
    actions.do_create_document(service, t, kind=DocumentKind.BOOKING, subject="Periodic maintenance",
                               scheduled_at=in_two_days)
    # 2.3: a drop-off visit, processed into a vehicle arrival with its repair order.
    t = register(repair_visit, contact_id=kuznetsova.pk, assigned_to_id=service.pk)
    actions.do_create_document(service, t, kind=DocumentKind.ARRIVAL, work="Brake pads, front axle", mileage="42000")
    # 1.2: a visit attached to the worksheet.
    t = register(purchase_visit, contact_id=morozov.pk, assigned_to_id=sales2.pk)
    actions.do_attach_document(sales2, t, worksheet)
    # 3.1: a stranger, taken by one of the service's specialists and ignored.
    t = register(repair_visit, visitor_description="Young man in a red jacket, went straight to the service")
    actions.do_take_traffic(service, t)
    actions.do_ignore_traffic(service, t, reason_id=IgnoreReason.objects.get(name="Other").pk,
                              comment="A friend of the service advisor, not a client.")
    # Still open: a visitor waiting for a salesperson, a call nobody has taken, one taken not processed.
    register(pick_up, visitor_description="Woman with a folder of documents", assigned_to_id=sales.pk)
    register(repair_call, contact_id=kuznetsova.pk, note="Asks about extra works")
    t = register(purchase_call, contact_id=ivanov.pk, vehicle_description="Skoda Kodiaq", assigned_to_id=sales.pk)
    actions.do_take_traffic(sales, t)
    return Traffic.objects.count()
