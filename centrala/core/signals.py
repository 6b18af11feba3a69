"""Keep TaskRecord in step with the task backends' signals (database and RQ backends alike).

The three signals of one task come from different processes (enqueued: the web process;
started and finished: the worker) and may arrive out of order: an RQ worker can finish a task
before the web process has written "enqueued". So each signal writes only its own timestamp
and moves the status forward, never back.
"""

import logging
import sys
import traceback

from django.db import DatabaseError, transaction
from django.utils import timezone

log = logging.getLogger(__name__)

# How far along each status is; a signal never replaces a status of a later stage.
STAGES = {"READY": 0, "RUNNING": 1, "SUCCESSFUL": 2, "FAILED": 2}


def _status(task_result):
    status = task_result.status
    return str(getattr(status, "value", status))


def _error(task_result):
    errors = getattr(task_result, "errors", None) or []
    if errors:
        return errors[-1].traceback or errors[-1].exception_class_path
    # The RQ backend sends task_finished from its failure callback, before RQ stores the error
    # on the job; the exception is still the one being handled, so take it from there.
    if sys.exc_info()[1] is not None:
        return traceback.format_exc()
    return ""


def _save(task_result, status, **fields):
    from .models import TaskRecord

    later = [name for name, stage in STAGES.items() if stage > STAGES.get(status, 0)]
    try:
        with transaction.atomic():
            record, created = TaskRecord.objects.get_or_create(
                task_id=str(task_result.id),
                defaults={
                    "task_path": task_result.task.module_path[:200],
                    "backend": str(task_result.backend)[:100],
                    "queue": (getattr(task_result.task, "queue_name", "") or "")[:50],
                    "status": status,
                    **fields,
                },
            )
            if not created:
                TaskRecord.objects.filter(pk=record.pk).update(**fields)
                TaskRecord.objects.filter(pk=record.pk).exclude(status__in=later).update(status=status)
    except DatabaseError:  # bookkeeping must never break the task itself
        log.exception("could not record task state", extra={"task_id": str(task_result.id)})


def on_enqueued(sender, task_result, **kwargs):
    _save(task_result, "READY", enqueued_at=getattr(task_result, "enqueued_at", None) or timezone.now())


def on_started(sender, task_result, **kwargs):
    _save(task_result, "RUNNING", started_at=getattr(task_result, "started_at", None) or timezone.now())


def on_finished(sender, task_result, **kwargs):
    status = _status(task_result)
    if status not in ("SUCCESSFUL", "FAILED"):
        status = "FAILED"
    _save(
        task_result,
        status,
        finished_at=getattr(task_result, "finished_at", None) or timezone.now(),
        error=_error(task_result) if status == "FAILED" else "",
    )


def connect():
    from django.tasks import signals as core_signals

    modules = [core_signals]
    try:  # the RQ backend is built on the django-tasks backport and sends its signals
        from django_tasks import signals as backport_signals

        modules.append(backport_signals)
    except ImportError:
        pass
    for module in modules:
        module.task_enqueued.connect(on_enqueued, dispatch_uid=f"{module.__name__}.enqueued")
        module.task_started.connect(on_started, dispatch_uid=f"{module.__name__}.started")
        module.task_finished.connect(on_finished, dispatch_uid=f"{module.__name__}.finished")
