"""A dealership as in seed 002, shared by the dealership core tests (imported as fixtures).

Sales: "Showroom. New car purchase" (call and visit), specialist Vladimir Petukhov.
Service: "Service. Car repair" (call and visit), specialists Sergey Sidorov and Pavel Kuznetsov.
Reasons: "Wrong number", "Other" (comment required).
"""

from types import SimpleNamespace

import pytest


@pytest.fixture
def dealer(db, make_user, receptionist, manager, make_contact):
    from centrala.dealership.models import Channel, ContactGoal, Department, IgnoreReason, Vehicle

    sales = Department.objects.create(name="Showroom", code="sales", position=0)
    service = Department.objects.create(name="Service", code="service", position=1)
    petukhov = make_user("petukhov", "specialist", first_name="Vladimir", last_name="Petukhov")
    sidorov = make_user("sidorov", "specialist", first_name="Sergey", last_name="Sidorov")
    kuznetsov = make_user("kuznetsov", "specialist", first_name="Pavel", last_name="Kuznetsov")
    goals = {}
    for key, name, channel, department, people in [
        ("purchase_call", "Showroom. New car purchase", Channel.CALL, sales, [petukhov]),
        ("purchase_visit", "Showroom. New car purchase", Channel.VISIT, sales, [petukhov]),
        ("repair_call", "Service. Car repair", Channel.CALL, service, [sidorov, kuznetsov]),
        ("repair_visit", "Service. Car repair", Channel.VISIT, service, [sidorov, kuznetsov]),
    ]:
        goal = ContactGoal.objects.create(name=name, channel=channel, department=department, position=len(goals))
        goal.specialists.set(people)
        goals[key] = goal
    wrong = IgnoreReason.objects.create(name="Wrong number", position=0)
    other = IgnoreReason.objects.create(name="Other", requires_comment=True, position=1)
    ivanov = make_contact("Dmitry", "Ivanov", phones=["+48 601 222 333"])
    car = Vehicle.objects.create(contact=ivanov, make="Skoda", model="Octavia", plate="WX 1234A",
                                 vin="TMBJJ7NE8J0123456", year=2018)
    return SimpleNamespace(
        sales=sales, service=service, petukhov=petukhov, sidorov=sidorov, kuznetsov=kuznetsov, goals=goals,
        wrong=wrong, other=other, ivanov=ivanov, car=car, receptionist=receptionist, manager=manager,
    )


def register(dealer, goal_key, *, contact=None, assigned_to=None, description="", vehicle=None, note=""):
    from centrala.dealership.actions import do_register_traffic

    return do_register_traffic(
        dealer.receptionist, goal_id=dealer.goals[goal_key].pk, contact_id=contact.pk if contact else None,
        vehicle_id=vehicle.pk if vehicle else None, visitor_description=description, note=note,
        assigned_to_id=assigned_to.pk if assigned_to else None,
    )
