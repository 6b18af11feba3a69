"""The dealership part of the demo data: the seed's goals with specialists and traffic in every state."""

from io import StringIO

import pytest
from django.core.management import call_command

from centrala.dealership.models import ContactGoal, Document, IgnoreReason, Traffic, TrafficState, Vehicle


@pytest.mark.django_db
def test_demo_has_goals_specialists_and_traffic_in_every_state_and_runs_twice():
    call_command("demo_data", stdout=StringIO())
    counts = (ContactGoal.objects.count(), Traffic.objects.count(), Document.objects.count(), Vehicle.objects.count())
    goal = ContactGoal.objects.get(name="Service. Car repair", channel="visit")
    assert set(goal.specialists.values_list("username", flat=True)) == {"service", "specialist"}
    assert set(Traffic.objects.values_list("state", flat=True)) == set(TrafficState.values)
    assert IgnoreReason.objects.get(name="Other").requires_comment
    assert set(Document.objects.values_list("kind", flat=True)) == {"worksheet", "booking", "arrival"}
    out = StringIO()
    call_command("demo_data", stdout=out)
    assert "Dealership: 0 traffic records created now." in out.getvalue()
    assert counts == (ContactGoal.objects.count(), Traffic.objects.count(), Document.objects.count(),
                      Vehicle.objects.count())
