"""`manage.py demo_data`: a usable demo in one run, and nothing doubled by a second one."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from centrala.accounts.models import Team, User
from centrala.accounts.permissions import visible_cases
from centrala.activities.models import Activity, ActivityKind
from centrala.audit.models import AuditEntry
from centrala.campaigns.models import Campaign, Script, StatusType
from centrala.cases.models import Case
from centrala.contacts.models import (
    ConsentEvent,
    ConsentType,
    Contact,
    ContactEmail,
    ContactKind,
    ContactPhone,
)
from centrala.core.management.commands.demo_data import DEMO_PASSWORD
from centrala.presence.models import PresenceStatus

MODELS = [User, Team, PresenceStatus, Script, Campaign, Contact, ContactPhone, ContactEmail, ConsentType,
          ConsentEvent, Case, Activity, AuditEntry]


def demo_data():
    out = StringIO()
    call_command("demo_data", stdout=out)
    return out.getvalue()


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.mark.django_db
def test_running_twice_doubles_nothing():
    demo_data()
    first = counts()
    assert demo_data().strip().endswith("0 cases created now.")
    assert counts() == first
    assert Script.objects.filter(name="Vehicle rental").count() == 1
    assert Contact.objects.values("kind", "display_name").distinct().count() == first["Contact"]


@pytest.mark.django_db
def test_the_demo_has_both_processes_contacts_consents_and_cases_in_many_states():
    demo_data()
    rental, service = Campaign.objects.get(name="Vehicle rental"), Campaign.objects.get(name="Customer service")
    assert set(rental.agents.values_list("username", flat=True)) == {"agent", "agent2", "homeagent"}
    assert list(service.teams.values_list("name", flat=True)) == ["Team A"]

    assert Contact.objects.count() == 20
    assert Contact.objects.filter(kind=ContactKind.COMPANY).count() >= 3
    assert Contact.objects.filter(last_name="Соколов").exists()  # Russian names too
    assert not ContactPhone.objects.filter(e164="").exists()  # every format typed was understood
    assert set(ConsentType.objects.values_list("name", flat=True)) == {
        "Marketing by e-mail", "Marketing by phone", "Processing for this request",
    }
    assert ConsentEvent.objects.filter(granted=False).exists()

    cases = Case.objects.select_related("status")
    assert cases.count() == 30
    for campaign in (rental, service):
        assert cases.filter(campaign=campaign).values("status").distinct().count() >= 5
    assert {c.status.type for c in cases} == set(StatusType.values)
    assert cases.filter(owner=None).count() >= 5
    now = timezone.now()
    assert cases.filter(callback_at__lt=now).exists()  # overdue callbacks
    due_today = [c for c in cases.filter(callback_at__gte=now) if timezone.localdate(c.callback_at) == timezone.localdate()]
    assert due_today
    # Made through the actions: audited, with real timelines and notes.
    assert AuditEntry.objects.filter(action="case.create").count() == 30
    assert AuditEntry.objects.filter(action="case.update").exists()
    assert Activity.objects.filter(kind=ActivityKind.INFO, data__field="status").exists()
    assert Activity.objects.filter(kind=ActivityKind.NOTE).count() >= 5


@pytest.mark.django_db
def test_demo_users_sign_in_and_see_only_their_campaigns():
    demo_data()
    home_agent = User.objects.get(username="homeagent")
    assert home_agent.check_password(DEMO_PASSWORD)
    assert set(visible_cases(home_agent).values_list("campaign__name", flat=True)) == {"Vehicle rental"}
    agent = User.objects.get(username="agent")
    assert visible_cases(agent).count() == 30


@pytest.mark.django_db
def test_existing_cases_and_contacts_are_left_alone(make_contact, rental, agent, make_case):
    """Campaigns already in use get no demo cases; a contact that exists is not created again."""
    kowalski = make_contact("Jan", "Kowalski")
    make_case(rental, kowalski, agent)
    demo_data()
    assert Case.objects.filter(campaign=rental).count() == 1
    assert Contact.objects.filter(display_name="Jan Kowalski").count() == 1
