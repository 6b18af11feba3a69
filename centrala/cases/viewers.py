"""Who has which case card open right now (CASE-11).

One row per (case, websocket), so several tabs of one user are several rows but one viewer.
The websocket consumer calls these (through database_sync_to_async) after it has checked that
the user may see the case; nothing here checks access.

Rows normally go when the card closes or the socket disconnects. A server process that dies
cannot say goodbye, so the page repeats "case.watch" every HEARTBEAT_SECONDS (refreshing
seen_at) and a row not confirmed for STALE_AFTER no longer counts and is deleted.
"""

from datetime import timedelta

from django.utils import timezone

from .models import CaseViewer

HEARTBEAT_SECONDS = 60  # presence.js repeats case.watch this often; keep both in step
STALE_AFTER = timedelta(seconds=3 * HEARTBEAT_SECONDS)


def _cutoff(now):
    return now - STALE_AFTER


def watch(user, case_id, channel_name, *, now=None):
    """Record (or confirm) that `channel_name`'s user has case `case_id` open. True when new."""
    now = now or timezone.now()
    # Cheap on the seen_at index, and keeps rows of vanished processes from piling up.
    CaseViewer.objects.filter(seen_at__lt=_cutoff(now)).delete()
    touched = CaseViewer.objects.filter(case_id=case_id, channel_name=channel_name).update(seen_at=now, user=user)
    if touched:
        return False
    CaseViewer.objects.create(case_id=case_id, user=user, channel_name=channel_name, started_at=now, seen_at=now)
    return True


def unwatch(case_id, channel_name):
    """Forget that `channel_name` has the case open. True when it had."""
    deleted, _ = CaseViewer.objects.filter(case_id=case_id, channel_name=channel_name).delete()
    return bool(deleted)


def unwatch_all(channel_name):
    """Forget every card of a socket that went away; returns the ids of the cases it had open."""
    rows = CaseViewer.objects.filter(channel_name=channel_name)
    case_ids = sorted(set(rows.values_list("case_id", flat=True)))
    rows.delete()
    return case_ids


def viewers_of(case_id, *, now=None):
    """[{user_id, name}] of active users with the case open, first opener first, each once."""
    now = now or timezone.now()
    rows = (
        CaseViewer.objects.filter(case_id=case_id, seen_at__gte=_cutoff(now), user__is_active=True)
        .select_related("user")
        .order_by("started_at", "id")
    )
    seen, result = set(), []
    for row in rows:
        if row.user_id not in seen:
            seen.add(row.user_id)
            result.append({"user_id": row.user_id, "name": str(row.user)})
    return result
