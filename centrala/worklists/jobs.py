"""Running a BulkJob (BULK-01): the part every bulk action shares, whatever it changes.

A bulk module validates its parameters, calls create_job with the ids, and gives run_in_chunks a
function that handles one chunk in its own transaction and answers (changed, unchanged,
{reason: [ids]}). Progress, the refusal summary, the final state and a failure's message are kept
here, so the job page reads the same fields for every action.
"""

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import BulkJob, BulkState

log = logging.getLogger(__name__)

REFUSED_IDS_KEPT = 50  # ids shown per refusal reason; the count covers all of them


def clean_ids(raw, *, max_ids, not_an_id, too_many):
    """Positive integer ids from a form or JSON, without repeats, in the order given.
    not_an_id: a message with %(value)s; too_many: a message; both shown to the user."""
    ids = []
    for value in raw or []:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValidationError(not_an_id % {"value": str(value)[:20]}) from None
        if number <= 0 or number > 2**63 - 1:
            raise ValidationError(not_an_id % {"value": number})
        ids.append(number)
    ids = list(dict.fromkeys(ids))
    if len(ids) > max_ids:
        raise ValidationError(too_many)
    return ids


def start(job, run, task, inline_max):
    """Run a small job now (run(job_id)); queue a large one (task.enqueue(job_id) after commit)."""
    if job.total <= inline_max:
        run(job.pk)
        job.refresh_from_db()
    else:
        transaction.on_commit(lambda: task.enqueue(job.pk))
    return job


def add_refused(job, refused):
    for reason, ids in refused.items():
        entry = job.refused.setdefault(str(reason), {"count": 0, "ids": []})
        entry["count"] += len(ids)
        entry["ids"] = (entry["ids"] + list(ids))[:REFUSED_IDS_KEPT]


def run_in_chunks(job, chunk_size, run_chunk):
    """Work through job.ids from where it stopped, one transaction per chunk, saving progress
    after each. Each chunk locks the job row and starts where the job says it stands, so a runner
    that resumes a stalled job (resume_stalled) and the old one, should it wake up, never apply a
    chunk twice. A failure marks the job failed with its message (chunks done stay done) and is
    raised again for the task backend to record."""
    if job.state in (BulkState.DONE, BulkState.FAILED):
        return job
    BulkJob.objects.filter(pk=job.pk).update(state=BulkState.RUNNING, progress_at=timezone.now())
    job.state = BulkState.RUNNING
    try:
        while True:
            with transaction.atomic():
                current = BulkJob.objects.select_for_update().defer("ids").get(pk=job.pk)
                if current.state != BulkState.RUNNING or current.done >= current.total:
                    break
                chunk = job.ids[current.done:current.done + chunk_size]
                changed, unchanged, refused = run_chunk(chunk)
                current.done += len(chunk)
                current.changed += changed
                current.unchanged += unchanged
                add_refused(current, refused)
                current.progress_at = timezone.now()
                current.save(update_fields=["done", "changed", "unchanged", "refused", "progress_at"])
                job.done, job.changed, job.unchanged, job.refused = (current.done, current.changed,
                                                                    current.unchanged, current.refused)
        BulkJob.objects.filter(pk=job.pk, state=BulkState.RUNNING).update(state=BulkState.DONE,
                                                                         finished_at=timezone.now())
        job.refresh_from_db(fields=["state", "done", "changed", "unchanged", "refused", "finished_at", "progress_at"])
    except Exception as error:
        BulkJob.objects.filter(pk=job.pk).update(state=BulkState.FAILED, error=str(error)[:2000],
                                                 finished_at=timezone.now())
        raise
    return job


STALLED_AFTER = timedelta(minutes=10)  # a chunk takes about a second: this long silent, its worker died


def _tasks():
    """The task that runs each kind of job (imported here: the bulk modules import this one)."""
    from centrala.cases import bulk as case_bulk
    from centrala.contacts import bulk as contact_bulk

    found = {action: case_bulk.run_bulk_job for action in case_bulk.ACTIONS}
    found[contact_bulk.ACTION] = contact_bulk.run_create_cases_job
    return found


def resume_stalled(now=None):
    """Queue again the running jobs that made no progress for STALLED_AFTER (their worker was
    killed or the machine restarted): they go on from the chunk they had reached. Returns how many."""
    now = now or timezone.now()
    tasks = _tasks()
    resumed = 0
    for job in BulkJob.objects.filter(state=BulkState.RUNNING, progress_at__lt=now - STALLED_AFTER).only(
            "pk", "action", "progress_at"):
        task = tasks.get(job.action)
        if task is None:
            log.error("stalled bulk job %s has an action no module runs: %s", job.pk, job.action)
            continue
        # Claimed by moving progress_at on: two sweeps never queue the same job twice.
        if BulkJob.objects.filter(pk=job.pk, state=BulkState.RUNNING, progress_at=job.progress_at).update(
                progress_at=now):
            task.enqueue(job.pk)
            resumed += 1
    return resumed
