"""Running a BulkJob (BULK-01): the part every bulk action shares, whatever it changes.

A bulk module validates its parameters, calls create_job with the ids, and gives run_in_chunks a
function that handles one chunk in its own transaction and answers (changed, unchanged,
{reason: [ids]}). Progress, the refusal summary, the final state and a failure's message are kept
here, so the job page reads the same fields for every action.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import BulkJob, BulkState

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
    after each. A failure marks the job failed with its message (chunks done stay done) and is
    raised again for the task backend to record."""
    if job.state in (BulkState.DONE, BulkState.FAILED):
        return job
    BulkJob.objects.filter(pk=job.pk).update(state=BulkState.RUNNING)
    try:
        for start_at in range(job.done, job.total, chunk_size):
            chunk = job.ids[start_at:start_at + chunk_size]
            with transaction.atomic():
                changed, unchanged, refused = run_chunk(chunk)
                job.done = start_at + len(chunk)
                job.changed += changed
                job.unchanged += unchanged
                add_refused(job, refused)
                job.save(update_fields=["done", "changed", "unchanged", "refused"])
        job.state, job.finished_at = BulkState.DONE, timezone.now()
        job.save(update_fields=["state", "finished_at"])
    except Exception as error:
        BulkJob.objects.filter(pk=job.pk).update(state=BulkState.FAILED, error=str(error)[:2000],
                                                 finished_at=timezone.now())
        raise
    return job
