"""Read-only views of presence for supervisors: who is where now, and time worked per day."""

import csv
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from centrala.accounts.permissions import CAPABILITIES, visible_users

from .actions import day_summary
from .models import PresenceKind, PresenceStatus

# Everyone whose role has a status in the top bar appears on the team page and in the report.
PRESENCE_ROLES = sorted(CAPABILITIES["use_presence"])
OFF = "off"


def presence_users(viewer, team=None):
    users = (
        visible_users(viewer)
        .filter(role__in=PRESENCE_ROLES)
        .select_related("presence__status")
        .prefetch_related("teams")
        .order_by("last_name", "first_name", "username")
    )
    if team is not None:
        users = users.filter(teams=team)
    return users


@dataclass
class TeamRow:
    user: object
    status: PresenceStatus | None
    since: datetime | None

    @property
    def kind(self):
        return self.status.kind if self.status else OFF

    @property
    def in_queue(self):
        return bool(self.status and self.status.logs_into_queues)


def team_board(viewer, team=None):
    """Rows for the team page and the counts above them (at work / on break / signed out)."""
    rows = []
    for user in presence_users(viewer, team):
        presence = getattr(user, "presence", None)  # a user who never signed in has none
        rows.append(TeamRow(user, presence.status if presence else None, presence.since if presence else None))
    counts = {PresenceKind.WORK.value: 0, PresenceKind.BREAK.value: 0, OFF: 0}
    for row in rows:
        counts[row.kind] += 1
    return rows, counts


# --- the work-time report ---------------------------------------------------------------------------


def hours_minutes(seconds):
    """1 h 5 min -> "1:05". Minutes are whole minutes already spent, never rounded up."""
    seconds = int(seconds or 0)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}"


@dataclass
class ReportRow:
    user: object
    logged_in: int
    work: int
    on_break: int
    by_status: list = field(default_factory=list)  # seconds, in the order of Report.statuses


@dataclass
class Report:
    day: object
    rows: list
    statuses: list  # the statuses anybody was in that day, in top-bar order
    total: ReportRow


def work_time_report(viewer, day, team=None, *, now=None):
    users = list(presence_users(viewer, team))
    summary = day_summary(users, day, now=now)
    used = {status_id for totals in summary.values() for status_id, value in totals["statuses"].items() if value}
    statuses = list(PresenceStatus.objects.filter(pk__in=used))  # inactive ones too: history keeps them
    rows = []
    for user in users:
        totals = summary[user.pk]
        rows.append(ReportRow(
            user, totals["logged_in"], totals["work"], totals["break"],
            [totals["statuses"].get(status.pk, 0) for status in statuses],
        ))
    total = ReportRow(
        None, sum(r.logged_in for r in rows), sum(r.work for r in rows), sum(r.on_break for r in rows),
        [sum(r.by_status[i] for r in rows) for i in range(len(statuses))],
    )
    return Report(day, rows, statuses, total)


def _cell(value):
    # A spreadsheet runs a cell that starts with one of these as a formula: a user named
    # "=HYPERLINK(...)" must stay text.
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_report_csv(report, out):
    writer = csv.writer(out)
    writer.writerow(
        [_("Name"), _("Username"), _("Teams"), _("Logged in"), _("Work"), _("Break")]
        + [_cell(status.name) for status in report.statuses]
    )
    for row in report.rows:
        user = row.user
        writer.writerow(
            [_cell(user.get_full_name() or user.username), _cell(user.username),
             _cell(", ".join(team.name for team in user.teams.all()))]
            + [hours_minutes(value) for value in (row.logged_in, row.work, row.on_break, *row.by_status)]
        )
    total = report.total
    writer.writerow(
        [_("Total"), "", ""]
        + [hours_minutes(value) for value in (total.logged_in, total.work, total.on_break, *total.by_status)]
    )


def today():
    return timezone.localdate(timezone=timezone.get_default_timezone())
