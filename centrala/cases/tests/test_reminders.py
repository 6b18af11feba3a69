"""Callback reminders (STS-02): who is told when a callback falls due, and that it is told once."""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.utils import timezone

from centrala.accounts.models import Team
from centrala.campaigns.models import Status
from centrala.cases import actions, reminders
from centrala.cases.models import Case
from centrala.notifications.models import Notification


def status(campaign, name):
    return Status.objects.get(script=campaign.script, name=name)


def ago(minutes):
    return timezone.now() - timedelta(minutes=minutes)


def set_long_ago(*cases, minutes):
    """A relative callback is due its minutes after the status was set (the time is computed, not
    taken from the caller): make these cases look as if that was long enough ago to be due now."""
    Case.objects.filter(pk__in=[case.pk for case in cases]).update(callback_at=ago(minutes))


def reminded(user):
    return list(Notification.objects.filter(recipient=user, kind="reminder").values_list("title", flat=True))


@pytest.fixture
def private_status(rental):
    return status(rental, "Call back (me)")


@pytest.fixture
def public_status(rental):
    return status(rental, "Call back in 30 minutes")


@pytest.fixture
def people(rental, agent, home_agent, make_user, manager):
    """The rental campaign's agents: `agent` and `home_agent` directly, `teamer` through a team;
    `outsider` works another campaign, `gone` is deactivated, a manager is no agent."""
    team = Team.objects.create(name="Rental desk")
    teamer = make_user("teamer")
    teamer.teams.add(team)
    team_manager = make_user("teamboss", "manager")
    team_manager.teams.add(team)
    rental.teams.add(team)
    gone = make_user("gone", is_active=False)
    rental.agents.add(gone)
    return {"agent": agent, "home_agent": home_agent, "teamer": teamer, "outsider": make_user("outsider"),
            "gone": gone, "manager": manager, "team_manager": team_manager}


def test_a_private_callback_reminds_its_owner_only(rental, contact, people, private_status, make_case,
                                                  django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("centrala.realtime.publish.send_now",
                        lambda kind, payload, users=(), **kw: sent.append((kind, [u.pk for u in users], payload)))
    case = make_case(rental, contact, people["agent"], status=private_status, callback_at=ago(1))
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.sweep_due_reminders() == 1

    assert reminded(people["agent"]) == [f"Callback due: #{case.pk} Jan Kowalski (Vehicle rental)"]
    for name in ("home_agent", "teamer", "outsider", "manager"):
        assert reminded(people[name]) == []
    note = Notification.objects.get(kind="reminder")
    assert note.url == f"/cases/{case.pk}/" and note.body.startswith("Call back (me), due ")
    assert [(kind, users) for kind, users, _payload in sent] == [("notification.created", [people["agent"].pk])]
    case.refresh_from_db()
    assert case.reminder_sent_at is not None


def test_a_public_callback_reminds_the_campaigns_agents_also_through_teams(
        rental, service, contact, people, public_status, make_case):
    service.agents.add(people["outsider"])
    case = make_case(rental, contact, people["agent"], status=public_status)
    set_long_ago(case, minutes=1)
    assert reminders.sweep_due_reminders() == 1

    title = f"Callback due: #{case.pk} Jan Kowalski (Vehicle rental)"
    for name in ("agent", "home_agent", "teamer"):
        assert reminded(people[name]) == [title], name
    for name in ("outsider", "gone", "manager", "team_manager"):
        assert reminded(people[name]) == [], name


def test_a_reminder_is_sent_once(rental, contact, agent, private_status, make_case):
    make_case(rental, contact, agent, status=private_status, callback_at=ago(5))
    assert reminders.sweep_due_reminders() == 1
    assert reminders.sweep_due_reminders() == 0
    call_command("reminders_sweep")
    assert len(reminded(agent)) == 1


def test_a_rescheduled_callback_reminds_again_at_its_new_time(rental, contact, agent, private_status, make_case):
    case = make_case(rental, contact, agent, status=private_status, callback_at=ago(5))
    reminders.sweep_due_reminders()
    # Other changes keep the reminder as sent.
    case = actions.do_update_case(agent, case.pk, base_version=case.version, changes={"priority": 2})
    assert case.reminder_sent_at is not None
    assert reminders.sweep_due_reminders() == 0

    later = timezone.now() + timedelta(hours=1)
    case = actions.do_update_case(agent, case.pk, base_version=case.version, changes={"callback_at": later})
    assert Case.objects.get(pk=case.pk).reminder_sent_at is None
    assert reminders.sweep_due_reminders() == 0  # not due yet
    assert reminders.sweep_due_reminders(now=later + timedelta(seconds=1)) == 1
    assert len(reminded(agent)) == 2


def test_spam_closed_and_future_callbacks_are_left_alone(rental, contact, agent, private_status, make_case):
    spam = make_case(rental, contact, agent, status=private_status, callback_at=ago(5))
    actions.do_update_case(agent, spam.pk, base_version=spam.version, changes={"is_spam": True})
    # A success status may carry a due time too, but it is no callback.
    make_case(rental, contact, agent, status=status(rental, "Booked"), callback_at=ago(5))
    make_case(rental, contact, agent, status=private_status, callback_at=timezone.now() + timedelta(minutes=5))
    make_case(rental, contact, agent, status=status(rental, "No answer"))
    assert reminders.sweep_due_reminders() == 0
    assert reminded(agent) == []
    assert not Case.objects.filter(reminder_sent_at__isnull=False).exists()


def test_a_private_callback_whose_owner_left_reminds_nobody_but_is_done(rental, contact, agent, private_status,
                                                                       make_case):
    case = make_case(rental, contact, agent, status=private_status, callback_at=ago(5))
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert reminders.sweep_due_reminders() == 1
    assert not Notification.objects.exists()
    assert Case.objects.get(pk=case.pk).reminder_sent_at is not None


def test_a_sweeper_notifies_only_for_the_cases_it_claimed(rental, contact, agent, private_status, make_case,
                                                          monkeypatch):
    """Two sweepers find the same due callback; the one that claims it second sends nothing."""
    make_case(rental, contact, agent, status=private_status, callback_at=ago(5))
    first_claim = reminders.claim
    outcome = {}

    def claim_after_another_sweeper(case_ids, now, status_ids):
        monkeypatch.setattr(reminders, "claim", first_claim)
        outcome["other"] = reminders.sweep_due_reminders(now)  # got in between our SELECT and UPDATE
        return first_claim(case_ids, now, status_ids)

    monkeypatch.setattr(reminders, "claim", claim_after_another_sweeper)
    assert reminders.sweep_due_reminders() == 0
    assert outcome["other"] == 1
    assert len(reminded(agent)) == 1


def test_claiming_is_conditional(rental, contact, agent, private_status, make_case):
    due = make_case(rental, contact, agent, status=private_status, callback_at=ago(5))
    future = make_case(rental, contact, agent, status=private_status, callback_at=timezone.now() + timedelta(days=1))
    ids = reminders.callback_status_ids()
    now = timezone.now()
    assert reminders.claim([due.pk, future.pk], now, ids) == [due.pk]
    assert reminders.claim([due.pk, future.pk], now, ids) == []


def test_a_backlog_is_worked_off_in_batches(rental, contact, agent, private_status, make_case, monkeypatch):
    monkeypatch.setattr(reminders, "BATCH", 3)
    for _ in range(7):
        make_case(rental, contact, agent, status=private_status, callback_at=ago(5))
    assert reminders.sweep_due_reminders() == 7
    assert len(reminded(agent)) == 7


def test_the_reminder_speaks_its_recipients_language(rental, contact, agent, private_status, make_case):
    agent.language = "pl"
    agent.save(update_fields=["language"])
    make_case(rental, contact, agent, status=private_status, callback_at=ago(5))
    reminders.sweep_due_reminders()
    from django.utils import translation

    with translation.override("pl"):
        expected = str(reminders.title_for(Case.objects.get()))
    assert reminded(agent) == [expected]


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_send_each_reminder_once(rental, contact, make_user, public_status, make_case):
    agents = [make_user(f"caller{i}") for i in range(3)]
    rental.agents.add(*agents)
    cases = [make_case(rental, contact, agents[0], status=public_status) for _ in range(20)]
    set_long_ago(*cases, minutes=5)
    start = threading.Barrier(2)
    results, errors = [], []

    def sweep():
        try:
            start.wait()
            results.append(reminders.sweep_due_reminders())
        except DatabaseError as error:  # SQLite: one writer at a time; the loser retries next sweep
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sum(results) == len(cases) and len(results) + len(errors) == 2
    for user in agents:
        assert Notification.objects.filter(recipient=user, kind="reminder").count() == len(cases)
    assert not Case.objects.filter(reminder_sent_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)  # the sweep closes its connection afterwards, as in `serve`
def test_serve_sweeps_reminders_beside_the_server_and_survives_a_database_error(
        rental, contact, agent, private_status, make_case, monkeypatch):
    import io

    from centrala.core.management.commands.serve import REMINDER_SWEEP_SECONDS, Command

    assert REMINDER_SWEEP_SECONDS <= 30
    make_case(rental, contact, agent, status=private_status, callback_at=ago(1))
    command = Command(stdout=io.StringIO(), stderr=io.StringIO())
    command._sweep_reminders()
    assert len(reminded(agent)) == 1

    def broken(now=None):
        raise DatabaseError("database is locked")

    monkeypatch.setattr(reminders, "sweep_due_reminders", broken)
    command._sweep_reminders()
    assert "Reminder sweep failed: database is locked" in command.stderr.getvalue()
