"""The background-tasks page and the TaskRecord bookkeeping behind it."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from asgiref.local import Local
from django.tasks import TaskResultStatus, task_backends
from django.test import override_settings
from django.utils import timezone

from centrala.core import signals, views
from centrala.core.models import TaskRecord
from centrala.core.tasks import worker_check

from .failing_tasks import always_fails

URL = "/admin/tasks/"


def _reset_task_backends():
    # django.tasks caches its backends and does not listen to setting changes.
    task_backends.__dict__.pop("settings", None)
    task_backends._settings = None
    task_backends._connections = Local(task_backends.thread_critical)


@pytest.fixture
def immediate_tasks():
    """Tasks run at once, in the test, through django.tasks' immediate backend (signals included)."""
    with override_settings(TASKS={"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}):
        _reset_task_backends()
        yield
    _reset_task_backends()


def make_record(status, *, error="", minutes_ago=0, **fields):
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return TaskRecord.objects.create(
        task_id=f"t-{TaskRecord.objects.count()}", task_path="centrala.core.tasks.worker_check",
        backend="default", queue="default", status=status, enqueued_at=at, error=error, **fields,
    )


# --- access -----------------------------------------------------------------------------------

def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["agent", "home_agent", "manager", "receptionist", "specialist"])
def test_only_administrators_see_tasks(client_for, make_user, role):
    assert client_for(make_user(role, role)).get(URL).status_code == 403
    assert client_for(make_user(f"{role}2", role)).post(URL + "check/").status_code == 403


def test_check_needs_post(client_for, administrator):
    assert client_for(administrator).get(URL + "check/").status_code == 405


# --- the list -----------------------------------------------------------------------------------

def test_lists_tasks_with_translated_status_and_the_error_line(client_for, administrator):
    make_record("SUCCESSFUL")
    traceback = 'Traceback (most recent call last):\n  File "x.py", line 1\nValueError: the mailbox is full\n'
    make_record("FAILED", error=traceback)
    response = client_for(administrator).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Done" in html and "Failed" in html
    assert "<code>ValueError: the mailbox is full</code>" in html  # the summary shown first
    assert "File &quot;x.py&quot;, line 1" in html  # the whole traceback one click away
    assert "hx-trigger=\"every 3s\"" not in html  # nothing left to wait for


def test_filter_by_status(client_for, administrator):
    make_record("SUCCESSFUL")
    failed = make_record("FAILED", error="RuntimeError: x")
    response = client_for(administrator).get(URL, {"status": "FAILED"})
    assert [r.pk for r in response.context["page"].object_list] == [failed.pk]


def test_unknown_status_is_a_clear_error(client_for, administrator):
    make_record("SUCCESSFUL")
    response = client_for(administrator).get(URL, {"status": "EXPLODED"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert list(response.context["page"].object_list) == []


def test_page_refreshes_itself_while_tasks_are_pending(client_for, administrator):
    make_record("READY")
    client = client_for(administrator)
    html = client.get(URL).content.decode()
    assert 'hx-trigger="every 3s"' in html
    fragment = client.get(URL, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert fragment.content.decode().lstrip().startswith('<div id="task-results"')
    assert "<html" not in fragment.content.decode()


def test_warns_when_tasks_wait_too_long(client_for, administrator):
    client = client_for(administrator)
    make_record("READY")
    assert 'data-testid="tasks-stuck"' not in client.get(URL).content.decode()
    make_record("READY", minutes_ago=5)
    assert 'data-testid="tasks-stuck"' in client.get(URL).content.decode()


def test_bad_page_numbers_fall_back_to_a_real_page(client_for, administrator):
    make_record("SUCCESSFUL")
    for page in ["abc", "-1", "9999"]:
        assert client_for(administrator).get(URL, {"page": page}).status_code == 200


def test_list_query_count_does_not_grow_with_tasks(client_for, administrator, django_assert_max_num_queries):
    client = client_for(administrator)
    for _ in range(30):
        make_record("SUCCESSFUL")
    with django_assert_max_num_queries(8):
        client.get(URL)


# --- running tasks and recording them -----------------------------------------------------------

def test_worker_check_button_queues_a_check(client_for, administrator, immediate_tasks):
    response = client_for(administrator).post(URL + "check/", follow=True)
    assert response.redirect_chain == [("/admin/tasks/", 302)]
    assert "A check task was queued" in response.content.decode()
    record = TaskRecord.objects.get()
    assert (record.task_path, record.status) == ("centrala.core.tasks.worker_check", "SUCCESSFUL")
    assert record.enqueued_at and record.started_at and record.finished_at


def test_worker_check_says_when_the_queue_is_down(client_for, administrator, monkeypatch):
    def enqueue(**kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(views, "worker_check", SimpleNamespace(enqueue=enqueue))
    response = client_for(administrator).post(URL + "check/", follow=True)
    assert "The check task could not be queued: Error 111 connecting" in response.content.decode()
    assert not TaskRecord.objects.exists()


def test_signals_record_a_successful_task(db, immediate_tasks):
    result = worker_check.enqueue(note="n")
    assert result.status == TaskResultStatus.SUCCESSFUL
    record = TaskRecord.objects.get(task_id=result.id)
    assert (record.status, record.error, record.queue) == ("SUCCESSFUL", "", "default")


def test_signals_record_a_failure_with_its_traceback(db, immediate_tasks):
    result = always_fails.enqueue(reason="printer on fire")
    assert result.status == TaskResultStatus.FAILED
    record = TaskRecord.objects.get(task_id=result.id)
    assert record.status == "FAILED"
    assert record.error.startswith("Traceback")
    assert record.error.rstrip().endswith("DeliberateFailure: printer on fire")


def _fake_result(status, errors=()):
    now = timezone.now()
    return SimpleNamespace(
        id="rq-1", status=status, backend="default", errors=list(errors),
        task=SimpleNamespace(module_path="centrala.core.tasks.worker_check", queue_name="default"),
        enqueued_at=now, started_at=now, finished_at=now,
    )


def test_a_late_enqueued_signal_does_not_undo_a_finished_task(db):
    # RQ: the worker may finish before the web process has recorded the enqueueing.
    signals.on_started(None, _fake_result("RUNNING"))
    signals.on_finished(None, _fake_result("SUCCESSFUL"))
    signals.on_enqueued(None, _fake_result("READY"))
    record = TaskRecord.objects.get(task_id="rq-1")
    assert record.status == "SUCCESSFUL"
    assert record.enqueued_at and record.started_at and record.finished_at


def test_a_late_started_signal_does_not_undo_a_failure(db):
    signals.on_finished(None, _fake_result("FAILED", [SimpleNamespace(traceback="Boom", exception_class_path="x")]))
    signals.on_started(None, _fake_result("RUNNING"))
    record = TaskRecord.objects.get(task_id="rq-1")
    assert (record.status, record.error) == ("FAILED", "Boom")


def test_failure_without_stored_errors_takes_the_exception_being_handled(db):
    # The RQ backend signals a failure from its callback, before RQ has stored the traceback.
    try:
        raise LookupError("no such contact")
    except LookupError:
        signals.on_finished(None, _fake_result("FAILED"))
    record = TaskRecord.objects.get(task_id="rq-1")
    assert record.status == "FAILED"
    assert "LookupError: no such contact" in record.error


@pytest.mark.browser
def test_the_page_follows_a_waiting_task_until_it_is_done(browser_for, administrator):
    from playwright.sync_api import expect

    record = make_record("READY")
    page = browser_for(administrator)
    page.goto(URL)
    row = page.locator(f"tr[data-task-id='{record.task_id}']")
    expect(row).to_contain_text("Waiting")
    TaskRecord.objects.filter(pk=record.pk).update(
        status="FAILED", finished_at=timezone.now(), error="Traceback ...\nRuntimeError: the printer is on fire",
    )
    expect(row).to_contain_text("Failed", timeout=10_000)
    expect(row.locator("[data-testid=task-error]")).to_have_text("RuntimeError: the printer is on fire")
