"""Callback reminders (STS-02): when a callback falls due, the people who should call are told.

A private callback reminds its owner; a public one reminds the campaign's agents (assigned
directly or through a team). Each due time is announced once: the sweep sets reminder_sent_at,
and cases.actions.do_update_case clears it whenever callback_at changes, so a rescheduled
callback is announced again at its new time.

Several sweepers may run at once (`serve` on two machines, a `reminders_sweep` beside it): each
claims cases with one conditional UPDATE ... WHERE reminder_sent_at IS NULL ... RETURNING id and
notifies only for the rows it got back. Claim and notifications commit together, so a sweep that
fails leaves its cases for the next one.
"""

from django.db import connection, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from centrala.accounts.models import User
from centrala.accounts.permissions import campaign_agents
from centrala.campaigns.models import CALLBACK_TYPES, Status, StatusType
from centrala.notifications.actions import do_notify

from .models import Case

KIND = "reminder"
BATCH = 500  # cases claimed per transaction
MAX_BATCHES = 20  # per sweep: a backlog is worked off over the next sweeps, not in one long run


def _title(case):
    return _("Callback due: #%(number)s %(subject)s") % {"number": case.pk, "subject": case.subject}


def _body(case):
    when = formats.date_format(timezone.localtime(case.callback_at), "SHORT_DATETIME_FORMAT")
    return _("%(status)s, due %(when)s") % {"status": case.status.name, "when": when}


# Rendered by do_notify in each recipient's own language.
title_for = lazy(_title, str)
body_for = lazy(_body, str)


def callback_status_ids():
    return list(Status.objects.filter(type__in=CALLBACK_TYPES).values_list("pk", flat=True))


def due_cases(now, status_ids):
    """Callbacks due by `now` that nobody has been reminded of yet."""
    return Case.objects.filter(
        callback_at__lte=now, reminder_sent_at__isnull=True, is_spam=False, status_id__in=status_ids,
    )


def claim(case_ids, now, status_ids):
    """Mark these cases reminded; the ids this call marked (not those another sweeper got first).

    The conditions are checked again in the UPDATE itself: on PostgreSQL a concurrent sweeper's
    UPDATE waits for ours to commit and then finds reminder_sent_at set; SQLite runs one writer
    at a time. Both return the changed rows (RETURNING).
    """
    if not case_ids or not status_ids:
        return []
    meta = Case._meta
    column = {name: connection.ops.quote_name(meta.get_field(name).column)
              for name in ("id", "reminder_sent_at", "callback_at", "is_spam", "status")}
    stamp = meta.get_field("reminder_sent_at").get_db_prep_value(now, connection)
    due = meta.get_field("callback_at").get_db_prep_value(now, connection)
    ids = ", ".join(["%s"] * len(case_ids))
    statuses = ", ".join(["%s"] * len(status_ids))
    sql = (
        f"UPDATE {connection.ops.quote_name(meta.db_table)} SET {column['reminder_sent_at']} = %s "
        f"WHERE {column['id']} IN ({ids}) AND {column['reminder_sent_at']} IS NULL "
        f"AND {column['callback_at']} <= %s AND {column['is_spam']} = %s AND {column['status']} IN ({statuses}) "
        f"RETURNING {column['id']}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [stamp, *case_ids, due, False, *status_ids])
        return sorted(row[0] for row in cursor.fetchall())


def agents_of(campaign_ids):
    """{campaign id: [active agents of it]}: assigned directly or through one of its teams."""
    assigned = campaign_agents(campaign_ids) if campaign_ids else {}
    agents = {campaign_id: [] for campaign_id in campaign_ids}
    for user in User.objects.filter(pk__in=assigned).order_by("pk"):
        for campaign_id in assigned[user.pk]:
            agents[campaign_id].append(user)
    return agents


def recipients_for(cases):
    """{case id: users to remind}: the owner of a private callback, the agents of a public one."""
    public = {case.campaign_id for case in cases if case.status.type == StatusType.PUBLIC_CALLBACK}
    agents = agents_of(sorted(public))
    recipients = {}
    for case in cases:
        if case.status.type == StatusType.PRIVATE_CALLBACK:
            recipients[case.pk] = [case.owner] if case.owner is not None and case.owner.is_active else []
        else:
            recipients[case.pk] = agents.get(case.campaign_id, [])
    return recipients


def _sweep_batch(now, status_ids):
    with transaction.atomic():
        due = due_cases(now, status_ids).order_by("callback_at", "pk")
        candidates = list(due.values_list("pk", flat=True)[:BATCH])
        claimed = claim(candidates, now, status_ids)
        if claimed:
            cases = Case.objects.filter(pk__in=claimed).select_related("status", "owner")
            cases = list(cases.order_by("callback_at", "pk"))
            recipients = recipients_for(cases)
            for case in cases:
                if recipients[case.pk]:
                    do_notify(recipients[case.pk], kind=KIND, title=title_for(case), body=body_for(case),
                              url=reverse("cases:card", args=[case.pk]))
    return len(candidates), len(claimed)


def sweep_due_reminders(now=None):
    """Remind people of every callback due by `now` (default: now). Returns how many cases."""
    now = now or timezone.now()
    status_ids = callback_status_ids()
    if not status_ids:
        return 0
    reminded = 0
    for _batch in range(MAX_BATCHES):
        found, claimed = _sweep_batch(now, status_ids)
        reminded += claimed
        if found < BATCH:
            break
    return reminded
