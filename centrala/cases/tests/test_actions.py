"""The rules of case changes: status types, callbacks, owners, campaigns, versions."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from centrala.activities.models import Activity, ActivityKind
from centrala.audit.models import AuditEntry
from centrala.campaigns.models import Status
from centrala.cases import actions
from centrala.cases.models import Case, Priority, Source
from conftest import RENTAL_FORM


def status(campaign, name):
    return Status.objects.get(script=campaign.script, name=name)


def test_a_new_case_gets_the_generated_subject_initial_status_and_low_priority(rental, contact, agent):
    case = actions.do_create_case(agent, campaign=rental, contact=contact)
    assert case.subject == "Jan Kowalski (Vehicle rental)"
    assert case.status == rental.script.initial_status
    assert case.priority == Priority.LOW
    assert case.source == Source.OUTBOUND
    assert case.owner == agent  # the agent who creates it works it
    assert case.number == case.pk
    assert AuditEntry.objects.filter(action="case.create", object_id=str(case.pk)).exists()
    assert Activity.objects.filter(case=case, kind=ActivityKind.INFO, data__field="created").exists()


def test_an_agent_cannot_create_cases_in_a_campaign_not_assigned_to_them(service, contact, agent):
    from centrala.campaigns.models import Campaign

    with pytest.raises(Campaign.DoesNotExist):
        actions.do_create_case(agent, campaign=service, contact=contact)
    assert not Case.objects.exists()


def test_a_team_assignment_is_enough_to_work_in_a_campaign(service, contact, make_user):
    from centrala.accounts.models import Team

    team = Team.objects.create(name="Service desk")
    member = make_user("member")
    member.teams.add(team)
    service.teams.add(team)
    assert actions.do_create_case(member, campaign=service, contact=contact).campaign == service


def test_relative_callback_is_due_minutes_after_setting(rental, contact, agent, make_case):
    case = make_case(rental, contact, agent)
    before = timezone.now()
    case = actions.do_update_case(agent, case.pk, base_version=case.version,
                                  changes={"status": status(rental, "Call back in 30 minutes")})
    assert before + timedelta(minutes=30) <= case.callback_at <= timezone.now() + timedelta(minutes=30)


def test_absolute_callback_is_the_date_set_on_the_status(rental, contact, agent, make_case):
    fixed = timezone.now().replace(microsecond=0) + timedelta(days=3)
    absolute = Status.objects.create(script=rental.script, name="Call on launch day", type="public_callback",
                                     callback_rule="absolute", callback_at=fixed)
    case = make_case(rental, contact, agent)
    case = actions.do_update_case(agent, case.pk, base_version=case.version, changes={"status": absolute})
    assert case.callback_at == fixed


def test_picked_callback_needs_the_agents_time(rental, contact, agent, make_case):
    case = make_case(rental, contact, agent)
    picked = status(rental, "Call back (me)")
    with pytest.raises(ValidationError) as error:
        actions.do_update_case(agent, case.pk, base_version=case.version, changes={"status": picked})
    assert "callback_at" in error.value.message_dict
    when = timezone.now() + timedelta(hours=2)
    case = actions.do_update_case(agent, case.pk, base_version=case.version,
                                  changes={"status": picked, "callback_at": when})
    assert case.callback_at == when


def test_a_private_callback_without_an_owner_is_refused(rental, contact, manager, make_case):
    case = make_case(rental, contact, manager)
    assert case.owner is None
    with pytest.raises(ValidationError) as error:
        actions.do_update_case(manager, case.pk, base_version=case.version,
                               changes={"status": status(rental, "Call back (me)"),
                                        "callback_at": timezone.now() + timedelta(hours=1)})
    assert "owner" in error.value.message_dict
    assert Case.objects.get(pk=case.pk).status == rental.script.initial_status


@pytest.mark.parametrize("role", ["manager", "administrator", "receptionist", "specialist"])
def test_only_agents_can_own_cases(rental, contact, manager, make_case, make_user, role):
    case = make_case(rental, contact, manager)
    with pytest.raises(ValidationError):
        actions.do_update_case(manager, case.pk, base_version=case.version, changes={"owner": make_user("x", role)})


def test_changing_campaign_needs_confirmation_then_resets_status_and_form(rental, service, contact, manager, make_case):
    case = make_case(rental, contact, manager, form_data=RENTAL_FORM)
    other = status(rental, "Waiting for availability")
    case = actions.do_update_case(manager, case.pk, base_version=case.version, changes={"status": other})
    with pytest.raises(ValidationError) as error:
        actions.do_update_case(manager, case.pk, base_version=case.version, changes={"campaign": service})
    assert error.value.code == "campaign_change"
    case = actions.do_update_case(manager, case.pk, base_version=case.version, changes={"campaign": service},
                                  confirm_campaign_change=True)
    assert case.campaign == service
    assert case.status == service.script.initial_status
    assert case.form_data == {}


def test_changing_campaign_lets_go_of_an_owner_not_assigned_to_it(rental, service, contact, manager, agent,
                                                                   make_case):
    case = make_case(rental, contact, manager, owner=agent)
    case = actions.do_update_case(manager, case.pk, base_version=case.version, changes={"campaign": service},
                                  confirm_campaign_change=True)
    assert case.owner is None  # the agent is not assigned to "Customer service": they could not see it
    assert case.activities.filter(kind="info", data__field="owner").exists()
    service.agents.add(agent)
    case = actions.do_update_case(manager, case.pk, base_version=case.version, changes={"owner": agent})
    case = actions.do_update_case(manager, case.pk, base_version=case.version, changes={"campaign": rental},
                                  confirm_campaign_change=True)
    assert case.owner == agent  # assigned to both


def test_a_stale_save_is_refused_and_changes_nothing(rental, contact, agent, make_case):
    case = make_case(rental, contact, agent)
    first = actions.do_update_case(agent, case.pk, base_version=case.version, changes={"subject": "Mine"})
    with pytest.raises(actions.CaseConflict) as conflict:
        actions.do_update_case(agent, case.pk, base_version=case.version, changes={"subject": "Theirs"})
    assert conflict.value.current.subject == "Mine"
    assert Case.objects.get(pk=case.pk).subject == "Mine" and first.version == case.version + 1


def test_required_form_fields_block_saving_with_their_titles(rental, contact, agent, make_case):
    case = make_case(rental, contact, agent)
    with pytest.raises(ValidationError) as error:
        actions.do_update_case(agent, case.pk, base_version=case.version, changes={"form_data": {"notes": "x"}})
    assert "form.vehicle_type" in error.value.message_dict
    assert "“Vehicle type” is required." in error.value.message_dict["form.vehicle_type"]


def test_form_values_are_checked_and_hidden_field_data_is_kept(rental, contact, agent, make_case):
    from centrala.campaigns.models import FormField

    case = make_case(rental, contact, agent, form_data={**RENTAL_FORM, "notes": "keep me"})
    notes = FormField.objects.get(form=rental.script.form, key="notes")
    notes.hidden = True
    notes.save()
    with pytest.raises(ValidationError):
        actions.do_update_case(agent, case.pk, base_version=case.version,
                               changes={"form_data": {**RENTAL_FORM, "vehicle_type": "spaceship"}})
    case = actions.do_update_case(agent, case.pk, base_version=case.version,
                                  changes={"form_data": {**RENTAL_FORM, "extras": ["child_seat"], "notes": "ignored"}})
    assert case.form_data["notes"] == "keep me"
    assert case.form_data["extras"] == ["child_seat"]


def test_form_keys_that_are_no_field_of_the_form_are_refused(rental, contact, manager, make_case):
    with pytest.raises(ValidationError) as error:
        make_case(rental, contact, manager, form_data={**RENTAL_FORM, "colour": "red"})
    assert error.value.message_dict == {"form.colour": ["There is no form field “colour”."]}
    # A script without a form: every key is unknown.
    rental.script.form = None
    rental.script.save(update_fields=["form"])
    rental.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        make_case(rental, contact, manager, form_data={"vehicle_type": "van"})
    assert set(error.value.message_dict) == {"form.vehicle_type"}
    case = make_case(rental, contact, manager)
    with pytest.raises(ValidationError):
        actions.do_update_case(manager, case.pk, base_version=case.version, changes={"form_data": {"notes": "x"}})
    assert not Case.objects.exclude(pk=case.pk).exists() and Case.objects.get(pk=case.pk).form_data == {}


def test_every_change_writes_the_timeline_and_the_audit(rental, contact, agent, make_case):
    case = make_case(rental, contact, agent)
    case = actions.do_update_case(agent, case.pk, base_version=case.version,
                                  changes={"priority": Priority.HIGH, "subject": "Urgent van"})
    infos = {a.data["field"]: a.data for a in Activity.objects.filter(case=case, kind=ActivityKind.INFO)}
    assert infos["priority"]["old"] == "Low" and infos["priority"]["new"] == "High"
    assert infos["subject"]["new"] == "Urgent van"
    entry = AuditEntry.objects.get(action="case.update", object_id=str(case.pk))
    assert entry.changes["priority"] == [Priority.LOW, Priority.HIGH]
    assert entry.changes["version"] == [1, 2]


def test_an_agent_opening_an_unowned_case_becomes_its_owner(rental, contact, agent, home_agent, manager, make_case):
    case = make_case(rental, contact, manager)
    assert actions.do_claim_on_open(home_agent, case).owner == home_agent
    assert actions.do_claim_on_open(agent, case).owner == home_agent  # first one wins
    assert actions.do_claim_on_open(manager, make_case(rental, contact, manager)).owner is None


def test_an_agent_cannot_update_a_case_of_another_campaign(service, contact, agent, manager, make_case):
    case = make_case(service, contact, manager)
    with pytest.raises(Case.DoesNotExist):
        actions.do_update_case(agent, case.pk, base_version=case.version, changes={"subject": "x"})


def test_numbers_are_stored_in_plain_notation(service, contact, manager, make_case):
    data = {"category": "complaint", "description": "Broken", "amount": "7000"}
    case = make_case(service, contact, manager, form_data=data)
    assert case.form_data["amount"] == "7000"
    case = actions.do_update_case(manager, case.pk, base_version=case.version,
                                  changes={"form_data": {**data, "amount": "12,50"}})
    assert case.form_data["amount"] == "12.5"
