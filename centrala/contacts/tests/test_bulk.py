"""Bulk "create cases in campaign" on contacts (BULK-01, CON-06)."""

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from centrala.activities.models import Activity, ActivityKind
from centrala.audit.models import AuditEntry
from centrala.campaigns.models import Status, StatusType
from centrala.cases.models import Case, Source
from centrala.contacts import bulk
from centrala.contacts.lists import CONTACT_LISTS
from centrala.worklists.lists import ListQuery
from centrala.worklists.models import BulkJob, BulkState

pytestmark = pytest.mark.django_db
URL = "/contacts/bulk/create-cases/"


def run(actor, params, ids=None, query=None):
    job = bulk.create_job(actor, params, ids=ids, query=query)
    bulk.run_job(job.pk)
    job.refresh_from_db()
    return job


@pytest.fixture
def people(make_contact):
    return [make_contact("Jan", f"Nowak{n}", phones=[f"601 000 {n:03d}"]) for n in range(3)]


def test_cases_follow_the_rules_of_creating_a_case(agent, rental, people, monkeypatch):
    sent = []
    monkeypatch.setattr(bulk, "publish", lambda event, payload, **to: sent.append((event, payload, to)))
    job = run(agent, {"campaign": rental.pk}, ids=[c.pk for c in people])
    assert (job.state, job.total, job.done, job.changed, job.unchanged, job.refused) == (BulkState.DONE, 3, 3, 3, 0, {})
    cases = list(Case.objects.filter(campaign=rental).select_related("contact").order_by("pk"))
    assert [case.contact_id for case in cases] == [c.pk for c in people]
    for case in cases:
        assert case.status == rental.script.initial_status
        assert case.subject == f"{case.contact.display_name} (Vehicle rental)"
        assert case.source == Source.OUTBOUND and case.owner == agent and case.created_by == agent
        assert case.form_data == {} and case.version == 1
    audits = AuditEntry.objects.filter(action="case.create", object_type="cases.case")
    assert sorted(int(a.object_id) for a in audits) == [case.pk for case in cases]
    assert audits.first().changes["bulk_job"] == [None, job.pk] and audits.first().actor == agent
    infos = Activity.objects.filter(kind=ActivityKind.INFO, data__field="created")
    assert sorted(info.case_id for info in infos) == [case.pk for case in cases]
    assert infos.first().contact_id == infos.first().case.contact_id
    (event, payload, to), = sent
    assert event == "cases.bulk_updated" and payload["changed"] == ["created"]
    assert sorted(pk for pk, _version in payload["cases"]) == [case.pk for case in cases]
    assert agent.pk in to["users"] and "manager" in to["roles"]


def test_contacts_with_an_open_case_there_are_skipped_when_asked(manager, rental, people, make_case):
    make_case(rental, people[0])  # open (initial status)
    closed = make_case(rental, people[1])
    closing = Status.objects.filter(script=rental.script, type=StatusType.CLOSING).first()
    Case.objects.filter(pk=closed.pk).update(status=closing)
    job = run(manager, {"campaign": rental.pk, "skip_open": True}, ids=[c.pk for c in people])
    assert (job.changed, job.unchanged) == (2, 1)
    assert Case.objects.filter(contact=people[0]).count() == 1
    assert Case.objects.filter(contact=people[1]).count() == 2
    job = run(manager, {"campaign": rental.pk, "skip_open": False}, ids=[people[0].pk])
    assert (job.changed, job.unchanged) == (1, 0) and Case.objects.filter(contact=people[0]).count() == 2


def test_a_manager_may_give_the_cases_to_an_agent_of_the_campaign(manager, agent, rental, service, people, make_user):
    job = run(manager, {"campaign": rental.pk, "owner": agent.pk}, ids=[people[0].pk])
    assert job.changed == 1 and Case.objects.get().owner == agent
    run(manager, {"campaign": rental.pk}, ids=[people[1].pk])
    assert Case.objects.get(contact=people[1]).owner is None  # managers' cases wait to be distributed
    with pytest.raises(ValidationError, match="not assigned"):
        bulk.create_job(manager, {"campaign": service.pk, "owner": agent.pk}, ids=[people[0].pk])
    with pytest.raises(ValidationError, match="agent"):
        bulk.create_job(manager, {"campaign": rental.pk, "owner": manager.pk}, ids=[people[0].pk])


def test_an_agent_cannot_give_cases_away_nor_use_a_campaign_they_are_not_in(agent, home_agent, rental, service,
                                                                          people):
    with pytest.raises(PermissionDenied):
        bulk.create_job(agent, {"campaign": rental.pk, "owner": home_agent.pk}, ids=[people[0].pk])
    with pytest.raises(ValidationError, match="Choose a campaign you work in"):
        bulk.create_job(agent, {"campaign": service.pk}, ids=[people[0].pk])
    assert not Case.objects.exists() and not BulkJob.objects.exists()


def test_a_job_on_a_campaign_the_agent_lost_refuses_every_contact(agent, rental, people):
    job = bulk.create_job(agent, {"campaign": rental.pk}, ids=[c.pk for c in people])
    rental.agents.remove(agent)  # while the job waited in the queue
    bulk.run_job(job.pk)
    job.refresh_from_db()
    assert job.state == BulkState.DONE and job.changed == 0 and job.refused_count == 3
    (reason, entry), = job.refused.items()
    assert "Choose a campaign you work in" in reason and entry["ids"] == [c.pk for c in people]
    assert not Case.objects.exists()


def test_forged_contact_ids_are_refused_in_the_summary(agent, rental, people):
    forged = [people[0].pk, 999_999, 888_888]
    job = run(agent, {"campaign": rental.pk}, ids=forged)
    assert (job.changed, job.refused_count) == (1, 2)
    (reason, entry), = job.refused.items()
    assert "does not exist" in reason and entry == {"count": 2, "ids": [999_999, 888_888]}
    assert list(Case.objects.values_list("contact_id", flat=True)) == [people[0].pk]


def test_bad_ids_and_nothing_selected(manager, rental):
    for ids in (["abc"], [-1], [2**70], []):
        with pytest.raises(ValidationError):
            bulk.create_job(manager, {"campaign": rental.pk}, ids=ids)


def test_an_inactive_campaign_or_a_private_callback_start_is_refused(manager, rental, people):
    rental.active = False
    rental.save(update_fields=["active"])
    with pytest.raises(ValidationError, match="not active"):
        bulk.create_job(manager, {"campaign": rental.pk}, ids=[people[0].pk])
    rental.active = True
    rental.save(update_fields=["active"])
    script = rental.script
    private = Status.objects.filter(script=script, type=StatusType.PRIVATE_CALLBACK).first()
    private.callback_rule = "relative"
    private.save()
    script.initial_status = private
    script.save()
    with pytest.raises(ValidationError, match="needs an owner"):
        bulk.create_job(manager, {"campaign": rental.pk}, ids=[people[0].pk])


def test_all_matching_a_filter_in_chunks(manager, rental, make_contact, monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK", 4)
    many = [make_contact("Ewa", f"Zielińska{n}") for n in range(10)]
    make_contact("Someone", "Else")
    query = ListQuery(CONTACT_LISTS["contacts"], "q=zielinska", manager)
    job = run(manager, {"campaign": rental.pk}, query=query)
    assert (job.total, job.done, job.changed, job.percent) == (10, 10, 10, 100)
    assert sorted(Case.objects.values_list("contact_id", flat=True)) == [c.pk for c in many]


# --- the bar and its confirmation -----------------------------------------------------------------

def test_the_bar_confirms_with_the_count_then_creates_and_shows_the_summary(client_for, agent, rental, people):
    client = client_for(agent)
    data = {"campaign": rental.pk, "skip_open": "1", "ids": [c.pk for c in people[:2]]}
    answer = client.post(URL, data, headers={"HX-Request": "true"})
    text = answer.content.decode()
    assert answer.status_code == 200 and "<html" not in text
    assert "for each of 2 contacts" in text and "Vehicle rental" in text and "The cases will be yours." in text
    assert not Case.objects.exists()
    answer = client.post(URL, {**data, "go": "1"})
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("worklists:bulk_job", args=[BulkJob.objects.get().pk]))
    page = client.get(answer["Location"]).content.decode()
    assert 'data-testid="bulk-changed">2<' in page and "Create cases in campaign" in page
    assert Case.objects.count() == 2


def test_all_matching_from_the_bar_and_the_back_link(client_for, manager, rental, people):
    client = client_for(manager)
    data = {"campaign": rental.pk, "all": "1", "query": "q=nowak1", "back": "/contacts/?q=nowak1"}
    text = client.post(URL, data).content.decode()
    assert "for 1 contact." in text and "<html" in text  # without htmx: a page of its own
    answer = client.post(URL, {**data, "go": "1"})
    assert "back=%2Fcontacts%2F%3Fq%3Dnowak1" in answer["Location"]
    assert list(Case.objects.values_list("contact_id", flat=True)) == [people[1].pk]


def test_the_bar_refuses_with_a_message(client_for, agent, rental, service, people, receptionist):
    client = client_for(agent)
    answer = client.post(URL, {"campaign": service.pk, "ids": [people[0].pk], "go": "1"})
    assert answer.status_code == 400 and "Choose a campaign you work in" in answer.content.decode()
    answer = client.post(URL, {"campaign": rental.pk, "ids": []})
    assert answer.status_code == 400 and "Select at least one contact" in answer.content.decode()
    answer = client.post(URL, {"campaign": rental.pk, "all": "1", "query": "campaign=" + str(service.pk)})
    assert answer.status_code == 400
    answer = client.post(URL, {"campaign": rental.pk, "all": "1", "query": "q=nobody-at-all"})
    assert answer.status_code == 400 and "No contact matches" in answer.content.decode()
    assert client_for(receptionist).post(URL, {"campaign": rental.pk, "ids": [people[0].pk]}).status_code == 403
    assert client.get(URL).status_code == 405
    assert not Case.objects.exists()


def test_large_selections_run_in_the_background(client_for, manager, rental, people, monkeypatch,
                                                django_capture_on_commit_callbacks):
    monkeypatch.setattr(bulk, "INLINE_MAX", 2)
    client = client_for(manager)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(URL, {"campaign": rental.pk, "ids": [c.pk for c in people], "go": "1"})
    job = BulkJob.objects.get()
    assert answer.status_code == 302 and job.action == "create_cases" and job.state == BulkState.QUEUED
    if settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend":
        from django_tasks_db.models import DBTaskResult

        queued = DBTaskResult.objects.get()
        assert queued.task_path.endswith("run_create_cases_job") and queued.args_kwargs["args"] == [job.pk]
    assert not Case.objects.exists()
    bulk.run_create_cases_job.call(job.pk)
    job.refresh_from_db()
    assert (job.state, job.percent, job.changed) == (BulkState.DONE, 100, 3)
    page = client.get(answer["Location"], headers={"HX-Request": "true"}).content.decode()
    assert 'data-testid="bulk-changed">3<' in page
