"""Bulk actions on cases (BULK-01 with STS-03, CASE-06, CASE-07, CASE-13)."""

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from centrala.activities.models import Activity, ActivityKind
from centrala.audit.models import AuditEntry
from centrala.campaigns.models import Status, StatusType
from centrala.cases import bulk
from centrala.cases.lists import CASE_LISTS
from centrala.cases.models import Case, Priority
from centrala.worklists.lists import ListQuery
from centrala.worklists.models import BulkJob, BulkState
from conftest import RENTAL_FORM

pytestmark = pytest.mark.django_db


def status_of(campaign, type_):
    return Status.objects.filter(script=campaign.script, type=type_).first()


def run(actor, action, params, ids=None, query=None):
    job = bulk.create_job(actor, action, params, ids=ids, query=query)
    bulk.run_job(job.pk)
    job.refresh_from_db()
    return job


@pytest.fixture
def cases(rental, contact, make_case, agent):
    return [make_case(rental, contact, owner=agent, form_data=RENTAL_FORM) for _ in range(3)]


def test_a_no_qualifier_status_cannot_be_set_in_bulk(manager, rental, cases):
    no_answer = status_of(rental, StatusType.NO_QUALIFIER)
    with pytest.raises(ValidationError, match="No qualifier"):
        bulk.create_job(manager, "set_status", {"status": no_answer.pk}, ids=[c.pk for c in cases])
    assert not BulkJob.objects.exists()
    assert set(Case.objects.values_list("status_id", flat=True)) == {rental.script.initial_status_id}


def test_the_initial_status_clears_form_data_only_after_confirmation(manager, rental, cases):
    pending = status_of(rental, StatusType.PENDING)
    run(manager, "set_status", {"status": pending.pk}, ids=[c.pk for c in cases])
    initial = rental.script.initial_status
    filled = dict(Case.objects.values_list("pk", "form_data"))
    assert all(data.get("pickup_place") == "Warszawa, Okęcie" for data in filled.values())
    with pytest.raises(ValidationError) as refused:
        bulk.create_job(manager, "set_status", {"status": initial.pk}, ids=[c.pk for c in cases])
    assert refused.value.code == "confirm"
    assert dict(Case.objects.values_list("pk", "form_data")) == filled

    job = run(manager, "set_status", {"status": initial.pk, "confirm": True}, ids=[c.pk for c in cases])
    assert (job.state, job.changed, job.refused) == (BulkState.DONE, 3, {})
    for case in Case.objects.all():
        assert case.status_id == initial.pk and case.form_data == {}
        assert case.version == 3 and case.updated_by == manager
    # Audited and on the timeline, per case.
    assert AuditEntry.objects.filter(action="case.update", changes__bulk_job=[None, job.pk]).count() == 3
    fields = set(Activity.objects.filter(kind=ActivityKind.INFO, case=cases[0], author=manager)
                 .values_list("data__field", flat=True))
    assert {"status", "form_data"} <= fields


def test_a_non_agent_cannot_become_owner(manager, cases):
    with pytest.raises(ValidationError, match="agent"):
        bulk.create_job(manager, "set_owner", {"owner": manager.pk}, ids=[c.pk for c in cases])


def test_an_agent_cannot_touch_cases_of_a_campaign_they_are_not_in(agent, service, make_contact, make_case, cases):
    foreign = make_case(service, make_contact("Ewa", "Nowak"))
    job = run(agent, "set_priority", {"priority": Priority.URGENT}, ids=[foreign.pk, cases[0].pk, 999999])
    foreign.refresh_from_db()
    assert foreign.priority == Priority.LOW and foreign.version == 1
    assert job.changed == 1
    (reason, entry), = job.refused.items()
    assert entry == {"count": 2, "ids": [foreign.pk, 999999]}
    assert "does not exist" in reason
    assert not AuditEntry.objects.filter(object_id=str(foreign.pk), action="case.update").exists()


def test_agents_may_take_cases_but_not_give_them_away(agent, home_agent, cases, rental):
    with pytest.raises(PermissionDenied):
        bulk.create_job(agent, "set_owner", {"owner": home_agent.pk}, ids=[cases[0].pk])
    with pytest.raises(PermissionDenied):
        bulk.create_job(agent, "move_campaign", {"campaign": rental.pk, "confirm": True}, ids=[cases[0].pk])


def test_owner_must_be_assigned_to_the_campaign_and_private_callbacks_keep_one(
        manager, make_user, rental, cases, agent):
    outsider = make_user("outsider")  # an agent in no campaign
    job = run(manager, "set_owner", {"owner": outsider.pk}, ids=[c.pk for c in cases])
    assert job.changed == 0 and list(job.refused.values())[0]["count"] == 3
    private = status_of(rental, StatusType.PRIVATE_CALLBACK)
    run(manager, "set_status", {"status": private.pk, "callback_at": "2030-01-01T10:00"}, ids=[cases[0].pk])
    job = run(manager, "set_owner", {"owner": "none"}, ids=[c.pk for c in cases])
    assert job.changed == 2
    assert "private callback" in next(iter(job.refused))
    assert Case.objects.get(pk=cases[0].pk).owner == agent


def test_a_private_callback_needs_an_owner_and_a_picked_time(manager, rental, contact, make_case):
    unowned = make_case(rental, contact)
    private = status_of(rental, StatusType.PRIVATE_CALLBACK)
    with pytest.raises(ValidationError, match="due time"):
        bulk.create_job(manager, "set_status", {"status": private.pk}, ids=[unowned.pk])
    job = run(manager, "set_status", {"status": private.pk, "callback_at": "2030-01-01T10:00"}, ids=[unowned.pk])
    assert job.changed == 0 and "needs an owner" in next(iter(job.refused))


def test_statuses_of_another_script_are_refused_per_case(manager, rental, service, contact, make_case, cases):
    other = make_case(service, contact)
    closing = status_of(rental, StatusType.CLOSING)
    job = run(manager, "set_status", {"status": closing.pk}, ids=[other.pk, cases[0].pk])
    assert job.changed == 1 and list(job.refused.values())[0]["ids"] == [other.pk]


def test_moving_to_a_campaign_resets_status_and_form(manager, rental, service, cases):
    with pytest.raises(ValidationError) as refused:
        bulk.create_job(manager, "move_campaign", {"campaign": service.pk}, ids=[cases[0].pk])
    assert refused.value.code == "confirm"
    job = run(manager, "move_campaign", {"campaign": service.pk, "confirm": True}, ids=[c.pk for c in cases])
    assert job.changed == 3
    for case in Case.objects.all():
        assert (case.campaign_id, case.status_id, case.form_data) == (service.pk, service.script.initial_status_id, {})


def test_moving_lets_go_of_an_owner_not_assigned_to_the_new_campaign(manager, rental, service, cases, home_agent,
                                                                       agent):
    service.agents.add(home_agent)
    kept = cases[0]
    Case.objects.filter(pk=kept.pk).update(owner=home_agent)
    job = run(manager, "move_campaign", {"campaign": service.pk, "confirm": True}, ids=[c.pk for c in cases])
    assert job.changed == 3
    owners = dict(Case.objects.values_list("pk", "owner_id"))
    assert owners[kept.pk] == home_agent.pk  # assigned to the new campaign: still theirs
    assert [owners[c.pk] for c in cases[1:]] == [None, None]  # the agent is not in it: no owner
    entry = cases[1].activities.get(kind="info", data__field="owner")
    assert (entry.data["old"], entry.data["new"]) == (str(agent), "")


def test_spam_source_priority_and_unchanged_cases(manager, cases):
    ids = [c.pk for c in cases]
    assert run(manager, "mark_spam", {}, ids=ids[:1]).changed == 1
    job = run(manager, "mark_spam", {}, ids=ids)
    assert (job.changed, job.unchanged) == (2, 1)
    assert Case.objects.filter(is_spam=True).count() == 3
    assert run(manager, "mark_not_spam", {}, ids=ids).changed == 3
    assert run(manager, "set_source", {"source": "web"}, ids=ids).changed == 3
    assert set(Case.objects.values_list("source", flat=True)) == {"web"}
    with pytest.raises(ValidationError):
        bulk.create_job(manager, "set_source", {"source": "pigeon"}, ids=ids)
    with pytest.raises(ValidationError):
        bulk.create_job(manager, "set_priority", {"priority": "high"}, ids=ids)


def test_bad_ids_are_refused_clearly(manager):
    for ids in (["abc"], [-1], [2**70], []):
        with pytest.raises(ValidationError):
            bulk.create_job(manager, "mark_spam", {}, ids=ids)


def test_all_matching_a_filter_and_large_jobs_run_in_chunks(manager, rental, service, contact, make_case,
                                                           monkeypatch, agent):
    monkeypatch.setattr(bulk, "CHUNK", 4)
    for _ in range(10):
        make_case(rental, contact)
    make_case(service, contact)
    query = ListQuery(CASE_LISTS["cases"], f"campaign={rental.pk}", manager)
    job = run(manager, "set_owner", {"owner": agent.pk}, query=query)
    assert (job.total, job.done, job.changed, job.percent) == (10, 10, 10, 100)
    assert Case.objects.filter(owner=agent).count() == 10
    assert Case.objects.get(campaign=service).owner is None


def test_a_bulk_change_is_published_per_chunk(manager, cases, monkeypatch):
    sent = []
    monkeypatch.setattr(bulk, "publish", lambda event, payload, **to: sent.append((event, payload, to)))
    run(manager, "set_priority", {"priority": Priority.HIGH}, ids=[c.pk for c in cases])
    (event, payload, to), = sent
    assert event == "cases.bulk_updated"
    assert sorted(payload["cases"]) == sorted([c.pk, 2] for c in cases)
    assert payload["changed"] == ["priority"] and "manager" in to["roles"]


# --- the pages ----------------------------------------------------------------------------------

def test_the_bar_confirms_with_the_count_then_runs_and_shows_the_summary(client_for, manager, rental, cases, service,
                                                                         make_contact, make_case):
    client = client_for(manager)
    foreign_for_agents = make_case(service, make_contact("Ewa", "Nowak"))
    data = {"list": "cases", "action": "set_priority", "priority": "3", "ids": [c.pk for c in cases]}
    answer = client.post(reverse("cases:bulk"), data)
    assert answer.status_code == 200
    assert "This changes 3 cases." in answer.content.decode()
    assert Case.objects.filter(priority=3).count() == 0

    answer = client.post(reverse("cases:bulk"), {**data, "go": "1"})
    assert answer.status_code == 302
    page = client.get(answer["Location"])
    assert page.status_code == 200
    assert Case.objects.filter(priority=3).count() == 3
    assert 'data-testid="bulk-changed">3<' in page.content.decode()
    assert foreign_for_agents.priority == Priority.LOW


def test_the_bar_warns_before_clearing_form_data_and_all_matching_counts(client_for, manager, rental, cases):
    client = client_for(manager)
    initial = rental.script.initial_status
    data = {"list": "cases", "action": "set_status", "status": initial.pk, "all": "1", "query": f"campaign={rental.pk}"}
    answer = client.post(reverse("cases:bulk"), data)
    text = answer.content.decode()
    assert "This changes 3 cases." in text and "clears the form data" in text
    assert 'name="confirm" value="1"' in text


def test_the_bar_refuses_nonsense_with_a_message(client_for, manager, agent, cases, rental):
    client = client_for(manager)
    answer = client.post(reverse("cases:bulk"), {"list": "cases", "action": "explode", "ids": [cases[0].pk]})
    assert answer.status_code == 400 and "Unknown bulk action" in answer.content.decode()
    answer = client.post(reverse("cases:bulk"), {"list": "cases", "action": "mark_spam", "ids": ["x"]})
    assert answer.status_code == 400
    answer = client.post(reverse("cases:bulk"), {"list": "nope", "action": "mark_spam", "ids": [cases[0].pk]})
    assert answer.status_code == 400
    answer = client_for(agent).post(reverse("cases:bulk"), {
        "list": "cases", "action": "move_campaign", "campaign": rental.pk, "ids": [cases[0].pk], "go": "1"})
    assert answer.status_code == 403


def test_only_case_workers_use_the_bar_and_jobs_are_private(client_for, receptionist, manager, agent, cases):
    assert client_for(receptionist).post(reverse("cases:bulk"), {"list": "cases"}).status_code == 403
    job = run(agent, "mark_spam", {}, ids=[cases[0].pk])
    assert client_for(agent).get(reverse("worklists:bulk_job", args=[job.pk])).status_code == 200
    assert client_for(manager).get(reverse("worklists:bulk_job", args=[job.pk])).status_code == 404


def test_large_selections_go_to_the_background_with_progress(client_for, manager, cases, monkeypatch,
                                                              django_capture_on_commit_callbacks):
    monkeypatch.setattr(bulk, "INLINE_MAX", 1)
    client = client_for(manager)
    data = {"list": "cases", "action": "set_priority", "priority": "2", "ids": [c.pk for c in cases], "go": "1"}
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("cases:bulk"), data)
    job = BulkJob.objects.get()
    assert answer.status_code == 302
    if settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend":
        from django_tasks_db.models import DBTaskResult

        queued = DBTaskResult.objects.get()
        assert queued.task_path.endswith("run_bulk_job") and queued.args_kwargs["args"] == [job.pk]
    page = client.get(answer["Location"], headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in page.content.decode() and job.state == BulkState.QUEUED
    bulk.run_job(job.pk)
    page = client.get(answer["Location"], headers={"HX-Request": "true"})
    assert "every 1s" not in page.content.decode() and 'data-testid="bulk-changed">3<' in page.content.decode()


def test_a_queued_job_of_a_user_deactivated_meanwhile_changes_nothing(manager, cases):
    job = bulk.create_job(manager, "mark_spam", {}, ids=[c.pk for c in cases])
    manager.is_active = False
    manager.save(update_fields=["is_active"])
    bulk.run_job(job.pk)
    job.refresh_from_db()
    assert (job.state, job.changed, job.refused_count) == (BulkState.DONE, 0, 3)
    assert "no longer active" in next(iter(job.refused))
    assert not Case.objects.filter(is_spam=True).exists()


class WorkerKilled(BaseException):
    """What a killed worker leaves behind: no handler runs, the job stays "running"."""


def test_a_job_whose_worker_died_is_resumed_from_its_chunk_and_applies_each_chunk_once(
        manager, rental, contact, make_case, agent, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from centrala.audit.models import AuditEntry
    from centrala.worklists import jobs
    from centrala.worklists.models import BulkJob, BulkState

    monkeypatch.setattr(bulk, "CHUNK", 3)
    ids = [make_case(rental, contact).pk for _ in range(8)]
    job = bulk.create_job(manager, "set_owner", {"owner": agent.pk}, ids=ids)
    real, chunks = bulk._run_chunk, []

    def killed_in_the_second_chunk(context, chunk):
        chunks.append(chunk)
        if len(chunks) == 2:
            raise WorkerKilled
        return real(context, chunk)

    monkeypatch.setattr(bulk, "_run_chunk", killed_in_the_second_chunk)
    with pytest.raises(WorkerKilled):
        bulk.run_job(job.pk)
    monkeypatch.setattr(bulk, "_run_chunk", real)
    job.refresh_from_db()
    assert (job.state, job.done) == (BulkState.RUNNING, 3)

    assert jobs.resume_stalled() == 0  # it may still be working
    later = timezone.now() + timedelta(minutes=11)
    assert jobs.resume_stalled(now=later) == 1  # queued again for a worker
    assert jobs.resume_stalled(now=later) == 0  # once only
    bulk.run_job(job.pk)
    bulk.run_job(job.pk)  # a second runner (e.g. the old worker waking up) finds nothing left
    job = BulkJob.objects.get(pk=job.pk)
    assert (job.state, job.done, job.changed) == (BulkState.DONE, 8, 8)
    assert Case.objects.filter(owner=agent).count() == 8
    assert AuditEntry.objects.filter(action="case.update").count() == 8  # each case changed once


def test_the_sweep_command_resumes_stalled_work(manager, rental, contact, make_case, agent):
    from datetime import timedelta
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    from centrala.worklists.models import BulkJob, BulkState

    job = bulk.create_job(manager, "set_owner", {"owner": agent.pk}, ids=[make_case(rental, contact).pk])
    BulkJob.objects.filter(pk=job.pk).update(state=BulkState.RUNNING,
                                             progress_at=timezone.now() - timedelta(minutes=30))
    out = StringIO()
    call_command("jobs_sweep", stdout=out)
    assert out.getvalue().strip() == "Resumed 1 bulk job(s) and 0 import(s); 0 interrupted e-mail(s) marked failed."


@pytest.mark.django_db(transaction=True)
def test_two_runners_of_one_job_at_once_apply_each_chunk_once(manager, rental, contact, make_case, agent, monkeypatch):
    """A resumed job whose old worker was only slow: both run, each chunk is applied once."""
    import threading

    from centrala.audit.models import AuditEntry
    from centrala.worklists.models import BulkJob, BulkState

    monkeypatch.setattr(bulk, "CHUNK", 3)
    ids = [make_case(rental, contact).pk for _ in range(8)]
    job = bulk.create_job(manager, "set_owner", {"owner": agent.pk}, ids=ids)
    real, inside, release = bulk._run_chunk, threading.Event(), threading.Event()

    def slow_first_chunk_of_a(context, chunk):
        if threading.current_thread().name == "A" and not inside.is_set():
            inside.set()
            release.wait(10)  # A holds its chunk's transaction while B starts
        return real(context, chunk)

    monkeypatch.setattr(bulk, "_run_chunk", slow_first_chunk_of_a)

    def runner():
        from django.db import connection

        try:
            bulk.run_job(job.pk)
        finally:
            connection.close()

    a = threading.Thread(target=runner, name="A")
    b = threading.Thread(target=runner, name="B")
    a.start()
    assert inside.wait(10)
    b.start()
    b.join(0.5)  # B waits for A's chunk
    release.set()
    a.join(30)
    b.join(30)
    job = BulkJob.objects.get(pk=job.pk)
    assert (job.state, job.done, job.changed) == (BulkState.DONE, 8, 8)
    assert AuditEntry.objects.filter(action="case.update").count() == 8
