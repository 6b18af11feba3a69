"""Presence: checking and changing a user's status, the status catalogue, and the day's time.

Every change goes through a do_* function here: it validates, writes the audit trail and
publishes events. Views only parse, call and render.
"""

from collections import defaultdict
from datetime import UTC, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from centrala.accounts.models import SUPERVISOR_ROLES
from centrala.accounts.permissions import can
from centrala.audit.actions import diff, record
from centrala.core.ordering import move_one_place
from centrala.realtime.publish import publish

from .models import CurrentPresence, PresenceChange, PresenceKind, PresenceStatus

# --- a user's own status ------------------------------------------------------------------------


def selectable_statuses():
    return list(PresenceStatus.objects.filter(active=True))


def current_presence(user):
    return CurrentPresence.objects.select_related("status").filter(user=user).first()


def check_status_choice(user, status_id):
    if not can(user, "use_presence"):
        raise ValidationError(_("Your role has no presence status."))
    try:
        return PresenceStatus.objects.get(pk=int(status_id), active=True)
    except (PresenceStatus.DoesNotExist, TypeError, ValueError, OverflowError):
        raise ValidationError(_("That status does not exist or is no longer in use.")) from None


def _presence_payload(user, status, since):
    return {
        "user_id": user.pk,
        "status_id": status.pk if status else None,
        "status_name": status.name if status else "",
        "kind": status.kind if status else "",
        "since": since.isoformat(),
    }


@transaction.atomic
def do_set_presence(user, status, *, at=None):
    """Record that `user` is now in `status` (None: signed out) and tell supervisors live."""
    at = at or timezone.now()
    current = CurrentPresence.objects.select_for_update().filter(user=user).first()
    if current is not None and current.status_id == (status.pk if status else None):
        return current
    PresenceChange.objects.create(user=user, status=status, kind=status.kind if status else "", at=at)
    # A change made by the user is a sign of life too (and a fresh sign-in must not look idle).
    if current is None:
        # update_or_create, not create: a first sign-in on two devices at once may race here.
        current, _created = CurrentPresence.objects.update_or_create(
            user=user, defaults={"status": status, "since": at, "last_seen": at}
        )
    else:
        current.status, current.since, current.last_seen = status, at, at
        current.save(update_fields=["status", "since", "last_seen"])
    publish("presence.changed", _presence_payload(user, status, at), users=[user], roles=SUPERVISOR_ROLES)
    return current


def default_status():
    return (
        PresenceStatus.objects.filter(active=True, is_default=True).first()
        or PresenceStatus.objects.filter(active=True, kind=PresenceKind.WORK).first()
    )


def on_sign_in(user):
    """A user who signs in gets the default status, unless already signed in elsewhere
    (a second device must not end a break or reset the status chosen on the first)."""
    if can(user, "use_presence"):
        current = current_presence(user)
        if current is not None and current.status_id is not None:
            return
        status = default_status()
        if status is not None:
            do_set_presence(user, status)


def on_sign_out(user):
    if can(user, "use_presence"):
        do_set_presence(user, None)


# --- the status catalogue (administrators) -------------------------------------------------------

STATUS_FIELDS = ["name", "kind", "logs_into_queues", "is_default", "position", "active"]


def _status_state(status):
    return {field: getattr(status, field) for field in STATUS_FIELDS}


def _locked_statuses():
    """Every status in screen order, locked until the transaction ends.

    Catalogue edits touch several rows at once (the one default, positions), so they run one at
    a time. NO KEY UPDATE, because a plain FOR UPDATE would also block agents whose status
    changes reference these rows.
    """
    return list(PresenceStatus.objects.select_for_update(no_key=True).order_by("position", "name", "pk"))


def _find(statuses, status):
    for item in statuses:
        if item.pk == status.pk:
            return item
    raise PresenceStatus.DoesNotExist(f"presence status {status.pk} is gone")


def status_in_use(status):
    """True once anyone has ever been in the status: history refers to it, so it cannot go."""
    return (
        PresenceChange.objects.filter(status=status).exists()
        or CurrentPresence.objects.filter(status=status).exists()
    )


def check_status_fields(status, *, name, is_default, active):
    """Rules a status must keep; raises ValidationError keyed by field."""
    errors = {}
    clash = PresenceStatus.objects.filter(name__iexact=name.strip())
    if status.pk is not None:
        clash = clash.exclude(pk=status.pk)
    if not name.strip():
        errors["name"] = _("Enter a name.")
    elif clash.exists():
        errors["name"] = _("A status with this name already exists.")
    if is_default and not active:
        errors["is_default"] = _("The status set after login must be active.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def do_save_status(actor, status, *, name, kind, logs_into_queues=False, is_default=False, active=True):
    """Create or update a status. Making it the one set after login takes that from any other."""
    statuses = _locked_statuses()
    check_status_fields(status, name=name, is_default=is_default, active=active)
    if kind not in PresenceKind.values:
        raise ValidationError({"kind": _("Choose work or break.")})
    created = status.pk is None
    # The instance may already carry unsaved edits (a bound ModelForm sets them) or an old
    # position (another administrator reordered meanwhile): the locked row is the truth.
    locked = None if created else _find(statuses, status)
    before = {} if created else _status_state(locked)
    if is_default:
        for other in statuses:
            if other.is_default and other.pk != status.pk:
                other.is_default = False
                other.save(update_fields=["is_default"])
                record(actor, "presence_status.update", other, {"is_default": [True, False]})
    status.name, status.kind = name.strip(), kind
    status.logs_into_queues, status.is_default, status.active = logs_into_queues, is_default, active
    if created:
        status.position = max((s.position for s in statuses), default=-1) + 1
        status.save()
    else:
        status.position = locked.position
        status.save(update_fields=["name", "kind", "logs_into_queues", "is_default", "active"])
    changes = diff(before, _status_state(status))
    if created or changes:
        record(actor, "presence_status.create" if created else "presence_status.update", status, changes)
    return status


@transaction.atomic
def do_delete_status(actor, status):
    _locked_statuses()
    if status_in_use(status):
        raise ValidationError(
            _("“%(name)s” has been used, so its history must keep it. Deactivate it instead.")
            % {"name": status.name}
        )
    gone = {field: [value, None] for field, value in _status_state(status).items()}
    record(actor, "presence_status.delete", status, gone)
    status.delete()


@transaction.atomic
def do_move_status(actor, status, direction):
    """Move a status one place up or down in the top-bar list."""
    statuses = _locked_statuses()
    for item, old in move_one_place(statuses, status, direction):
        record(actor, "presence_status.move", item, {"position": [old, item.position]})
    return next(item for item in statuses if item.pk == status.pk)


# --- time per day ----------------------------------------------------------------------------------


def touch(user_id, *, at=None):
    """Note a sign of life from the user's pages (socket connected, ping, disconnected)."""
    CurrentPresence.objects.filter(user_id=user_id).update(last_seen=at or timezone.now())


def sign_out_idle(*, now=None, idle_minutes=None):
    """Sign out users whose pages have been silent for too long, at their last sign of life.

    Without this, closing the browser instead of signing out would count as work until the next
    sign-in. Users never seen by a socket (e.g. API-only) are left alone. Returns how many.
    """
    from django.conf import settings

    now = now or timezone.now()
    limit = now - timedelta(minutes=idle_minutes or settings.PRESENCE_IDLE_MINUTES)
    idle = (
        CurrentPresence.objects.filter(status__isnull=False, last_seen__lt=limit)
        .select_related("user")
        .order_by("user_id")
    )
    count = 0
    for current in idle:
        with transaction.atomic():
            fresh = CurrentPresence.objects.select_for_update().get(pk=current.pk)
            if fresh.status_id is None or fresh.last_seen is None or fresh.last_seen >= limit:
                continue  # came back (or was signed out) meanwhile
            do_set_presence(current.user, None, at=max(fresh.last_seen, fresh.since))
            count += 1
    return count


def day_bounds(day, tz=None):
    """The first instant of a local calendar day and of the next one, in UTC.

    In UTC on purpose: Python compares and subtracts datetimes that share a tzinfo by their
    wall clocks, which would make the day a change of daylight saving time 24 hours long
    instead of 23 or 25.
    """
    tz = tz or timezone.get_default_timezone()
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def _changes_for_day(user_ids, start, end):
    """Per user, the change in force when the day began (however old), then the day's changes."""
    in_force = (
        PresenceChange.objects.filter(user=OuterRef("pk"), at__lt=start).order_by("-at", "-id").values("pk")[:1]
    )
    first_ids = (
        get_user_model().objects.filter(pk__in=user_ids).annotate(change=Subquery(in_force)).values("change")
    )
    return (
        PresenceChange.objects.filter(
            Q(user_id__in=user_ids, at__gte=start, at__lt=end) | Q(pk__in=first_ids)
        )
        .order_by("user_id", "at", "id")
        .values_list("user_id", "kind", "status_id", "at")
    )


def day_summary(users, day, *, now=None, tz=None):
    """Seconds signed in, at work and on break per user for one local day.

    Each recorded change lasts until the user's next one; the last one of a user still signed
    in lasts until `now`. Every interval is clipped to the day (and to `now`), and signed-out
    intervals count for nothing. Returns {user_id: {"logged_in", "work", "break", "statuses":
    {status_id: seconds}}}; users with no time that day get zeros. Work and break are sums of
    the per-status seconds, and logged_in their sum, so the report's columns always add up.
    Work or break is the kind the status had at the time of the change, so editing a status
    later does not rewrite past days.
    """
    now = now or timezone.now()
    start, end = day_bounds(day, tz)
    user_ids = [getattr(u, "pk", u) for u in users]
    by_user = defaultdict(list)
    for user_id, kind, status_id, at in _changes_for_day(user_ids, start, end):
        by_user[user_id].append((kind, status_id, at))
    totals = {}
    for user_id in user_ids:
        rows = by_user.get(user_id, [])
        spans = defaultdict(timedelta)
        for index, (kind, status_id, at) in enumerate(rows):
            until = rows[index + 1][2] if index + 1 < len(rows) else now
            lo, hi = max(at, start), min(until, end, now)
            if status_id is not None and hi > lo:
                spans[(status_id, kind)] += hi - lo
        seconds = {key: int(span.total_seconds()) for key, span in spans.items()}
        by_status = defaultdict(int)
        for (status_id, _kind), value in seconds.items():
            by_status[status_id] += value
        work = sum(value for (_s, kind), value in seconds.items() if kind == PresenceKind.WORK)
        on_break = sum(value for (_s, kind), value in seconds.items() if kind != PresenceKind.WORK)
        totals[user_id] = {
            "logged_in": work + on_break, "work": work, "break": on_break, "statuses": dict(by_status),
        }
    return totals
