"""Traffic reports (issue 6, item 6): traffic by goal, channel and employee; conversion into
documents; ignored traffic by reason; time from registration to take-over; traffic never taken.

Every number is counted by the database (GROUP BY with filtered COUNTs; the take-over median and
90th percentile by a window function, ROW_NUMBER over each group ordered by the waiting time), so
a report costs a few queries whatever the amount of traffic, on SQLite and PostgreSQL alike.
Python only adds labels and percentages to the aggregated rows.

A report covers the traffic registered in a period of local days [start, end]. Percentiles are
"nearest rank": the median of n waits is the ceil(n/2)-th shortest (of two middle values, the
lower), the 90th percentile the ceil(0.9 n)-th.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Q, Value, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from centrala.accounts.models import User
from centrala.lib.export import cell as export_cell

from .models import Channel, ContactGoal, Department, IgnoreReason, Traffic, TrafficState

NEVER_TAKEN_SHOWN = 500  # rows of "never taken" on the page; the CSV has them all


@dataclass
class Report:
    """One report's table. columns: (key, label, kind) with kind "text", "count", "percent",
    "duration" (seconds), "datetime" or "link"; rows: dicts by column key; total: the same, or None."""

    key: str
    title: str
    columns: list
    rows: list = field(default_factory=list)
    total: dict | None = None
    truncated: int = 0  # rows left out of the page (the CSV has them)


def period_bounds(start, end):
    """[lower, upper) datetimes of the local days start..end."""
    lower = timezone.make_aware(datetime.combine(start, time.min))
    upper = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min))
    return lower, upper


def traffic_in(start, end):
    lower, upper = period_bounds(start, end)
    return Traffic.objects.filter(registered_at__gte=lower, registered_at__lt=upper)


def percent(part, whole):
    return round(100 * part / whole, 1) if whole else None


STATE_COUNTS = {
    "waiting": Count("pk", filter=Q(state=TrafficState.WAITING)),
    "taken": Count("pk", filter=Q(state=TrafficState.TAKEN)),
    "processed": Count("pk", filter=Q(state=TrafficState.PROCESSED)),
    "ignored": Count("pk", filter=Q(state=TrafficState.IGNORED)),
}


def _volume_columns(first_key, first_label):
    return [
        (first_key, first_label, "text"),
        ("total", _("Registered"), "count"),
        ("waiting", TrafficState.WAITING.label, "count"),
        ("taken", TrafficState.TAKEN.label, "count"),
        ("processed", TrafficState.PROCESSED.label, "count"),
        ("ignored", TrafficState.IGNORED.label, "count"),
    ]


def _volume(queryset, group, labels, key, title, first_label, order=None):
    """Counts of traffic by `group` (an ORM path or expression name), labelled by labels[id]."""
    rows = []
    grouped = queryset.values(group).annotate(total=Count("pk"), **STATE_COUNTS).order_by()
    for item in grouped:
        row = {"label": labels(item[group]), **{name: item[name] for name in ("total", *STATE_COUNTS)}}
        row["_order"] = order(item[group]) if order else row["label"]
        rows.append(row)
    rows.sort(key=lambda row: row.pop("_order"))
    total = queryset.aggregate(total=Count("pk"), **STATE_COUNTS)
    return Report(key, title, _volume_columns("label", first_label), rows, {"label": _("Total"), **total})


def _goal_labels():
    goals = {goal.pk: goal for goal in ContactGoal.objects.select_related("department")}
    return (lambda pk: str(goals[pk]) if pk in goals else "—",
            lambda pk: (goals[pk].department.position, goals[pk].department.name, goals[pk].position,
                        goals[pk].name, goals[pk].channel) if pk in goals else (0, "", 0, "", ""))


def _user_labels(ids, nobody):
    people = {user.pk: str(user) for user in User.objects.filter(pk__in=[pk for pk in ids if pk is not None])}
    return lambda pk: people.get(pk, "—") if pk is not None else nobody


def by_goal(start, end):
    label, order = _goal_labels()
    return _volume(traffic_in(start, end), "goal_id", label, "goal", _("Traffic by goal"), _("Goal"), order)


def by_channel(start, end):
    labels = dict(Channel.choices)
    order = {value: position for position, value in enumerate(Channel.values)}
    return _volume(traffic_in(start, end), "channel", lambda value: str(labels.get(value, value)), "channel",
                   _("Traffic by channel"), _("Channel"), lambda value: order.get(value, 99))


def employee_expression():
    """The employee traffic belongs to: who took it, else who was chosen at the desk."""
    return Coalesce("taken_by_id", "assigned_to_id")


def by_employee(start, end):
    queryset = traffic_in(start, end).annotate(employee=employee_expression())
    ids = set(queryset.order_by().values_list("employee", flat=True).distinct())
    label = _user_labels(ids, _("Nobody (not taken, no employee chosen)"))
    return _volume(queryset, "employee", label, "employee", _("Traffic by employee"), _("Employee"),
                   lambda pk: (pk is None, label(pk)))


# --- conversion -----------------------------------------------------------------------------------

CONVERSION = {"total": Count("pk"), "converted": Count("pk", filter=Q(document__isnull=False))}


def _conversion_columns(first_label):
    return [
        ("label", first_label, "text"),
        ("total", _("Registered"), "count"),
        ("converted", _("Converted into a document"), "count"),
        ("rate", _("Conversion"), "percent"),
    ]


def _with_rate(row):
    row["rate"] = percent(row["converted"], row["total"])
    return row


def conversion_by_goal(start, end):
    label, order = _goal_labels()
    queryset = traffic_in(start, end)
    rows = [_with_rate({"label": label(item["goal_id"]), "_order": order(item["goal_id"]),
                        "total": item["total"], "converted": item["converted"]})
            for item in queryset.values("goal_id").annotate(**CONVERSION).order_by()]
    rows.sort(key=lambda row: row.pop("_order"))
    total = _with_rate({"label": _("Total"), **queryset.aggregate(**CONVERSION)})
    return Report("conversion_goal", _("Conversion into documents by goal"), _conversion_columns(_("Goal")),
                  rows, total)


def conversion_by_department(start, end):
    departments = {department.pk: department for department in Department.objects.all()}
    queryset = traffic_in(start, end)
    rows = []
    for item in queryset.values("department_id").annotate(**CONVERSION).order_by():
        department = departments.get(item["department_id"])
        rows.append(_with_rate({"label": department.name if department else "—",
                                "_order": (department.position, department.name) if department else (0, ""),
                                "total": item["total"], "converted": item["converted"]}))
    rows.sort(key=lambda row: row.pop("_order"))
    total = _with_rate({"label": _("Total"), **queryset.aggregate(**CONVERSION)})
    return Report("conversion_department", _("Conversion into documents by department"),
                  _conversion_columns(_("Department")), rows, total)


# --- ignored --------------------------------------------------------------------------------------

def ignored_by_reason(start, end):
    queryset = traffic_in(start, end).filter(state=TrafficState.IGNORED)
    reasons = {reason.pk: reason for reason in IgnoreReason.objects.all()}
    grouped = list(queryset.values("ignore_reason_id").annotate(count=Count("pk")).order_by())
    whole = sum(item["count"] for item in grouped)
    rows = []
    for item in grouped:
        reason = reasons.get(item["ignore_reason_id"])
        rows.append({"label": reason.name if reason else _("No reason given"), "count": item["count"],
                     "share": percent(item["count"], whole),
                     "_order": (reason is None, reason.position if reason else 0, reason.name if reason else "")})
    rows.sort(key=lambda row: row.pop("_order"))
    columns = [("label", _("Reason"), "text"), ("count", _("Ignored"), "count"), ("share", _("Share"), "percent")]
    return Report("ignored", _("Ignored traffic by reason"), columns, rows,
                  {"label": _("Total"), "count": whole, "share": percent(whole, whole)})


# --- time to take-over ----------------------------------------------------------------------------

def _waits(queryset):
    return queryset.filter(taken_at__isnull=False).annotate(
        wait=ExpressionWrapper(F("taken_at") - F("registered_at"), output_field=DurationField()))


def _rank(size, numerator, denominator=10):
    """ceil(size * numerator / denominator), in integer SQL arithmetic."""
    return (F(size) * Value(numerator) + Value(denominator - 1)) / Value(denominator)


def takeover_stats(queryset, group=None):
    """{group value: {"count", "median", "p90", "max"}} (seconds) of the time from registration to
    take-over, for the taken traffic of `queryset` grouped by `group` (a field or annotation);
    group None: all of it, under the key None."""
    waits = _waits(queryset)
    if group is None:
        overall = waits.aggregate(count=Count("pk"), longest=Max("wait"))
        grouped = [{None: None, **overall}] if overall["count"] else []
        partition = {}
    else:
        grouped = waits.values(group).annotate(count=Count("pk"), longest=Max("wait")).order_by()
        partition = {"partition_by": [F(group)]}
    stats = {item[group]: {"count": item["count"], "max": _seconds(item["longest"]), "median": None, "p90": None}
             for item in grouped}
    ranked = waits.annotate(
        position=Window(RowNumber(), order_by=[F("wait").asc(), F("pk").asc()], **partition),
        size=Window(Count("pk"), **partition),
    )
    fields = (group, "wait") if group else ("wait",)
    for name, numerator in (("median", 5), ("p90", 9)):
        for found in ranked.filter(position=_rank("size", numerator)).values_list(*fields):
            value, wait = found if group else (None, found[0])
            if value in stats:
                stats[value][name] = _seconds(wait)
    return stats


def _seconds(value):
    if value is None:
        return None
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value / 1_000_000  # a database that returns microseconds


def _takeover_columns(first_label):
    return [
        ("label", first_label, "text"),
        ("count", _("Taken"), "count"),
        ("median", _("Median"), "duration"),
        ("p90", _("90th percentile"), "duration"),
        ("max", _("Longest"), "duration"),
    ]


def _takeover_total(queryset):
    overall = takeover_stats(queryset).get(None)
    return {"label": _("Total"), **(overall or {"count": 0, "median": None, "p90": None, "max": None})}


def takeover_by_goal(start, end):
    label, order = _goal_labels()
    queryset = traffic_in(start, end)
    stats = takeover_stats(queryset, "goal_id")
    rows = sorted(({"label": label(pk), **values, "_order": order(pk)} for pk, values in stats.items()),
                  key=lambda row: row["_order"])
    for row in rows:
        row.pop("_order")
    return Report("takeover_goal", _("Time to take-over by goal"), _takeover_columns(_("Goal")), rows,
                  _takeover_total(queryset))


def takeover_by_employee(start, end):
    queryset = traffic_in(start, end)
    stats = takeover_stats(queryset, "taken_by_id")
    label = _user_labels(stats, _("A former employee"))
    rows = sorted(({"label": label(pk), **values} for pk, values in stats.items()), key=lambda row: row["label"])
    return Report("takeover_employee", _("Time to take-over by employee"), _takeover_columns(_("Employee")),
                  rows, _takeover_total(queryset))


# --- never taken ----------------------------------------------------------------------------------

def never_taken(start, end, *, everything=False, now=None):
    """Traffic registered in the period that nobody has taken yet, oldest first, with its age;
    the oldest NEVER_TAKEN_SHOWN of it unless `everything`."""
    now = now or timezone.now()
    queryset = traffic_in(start, end).filter(state=TrafficState.WAITING, taken_by__isnull=True).select_related(
        "goal", "contact", "assigned_to").order_by("registered_at", "pk")
    count = queryset.count()
    rows = []
    for traffic in queryset.iterator(chunk_size=2000) if everything else queryset[:NEVER_TAKEN_SHOWN]:
        rows.append({
            "number": traffic.pk, "registered": traffic.registered_at, "goal": str(traffic.goal),
            "client": traffic.client_label, "employee": str(traffic.assigned_to or ""),
            "age": (now - traffic.registered_at).total_seconds(),
        })
    columns = [
        ("number", _("Number"), "link"), ("registered", _("Registered"), "datetime"), ("goal", _("Goal"), "text"),
        ("client", _("Client"), "text"), ("employee", _("Employee chosen"), "text"), ("age", _("Age"), "duration"),
    ]
    return Report("never_taken", _("Traffic never taken"), columns, rows, None,
                  truncated=count - len(rows))


REPORTS = {
    "goal": (gettext_lazy("By goal"), by_goal),
    "channel": (gettext_lazy("By channel"), by_channel),
    "employee": (gettext_lazy("By employee"), by_employee),
    "conversion_goal": (gettext_lazy("Conversion by goal"), conversion_by_goal),
    "conversion_department": (gettext_lazy("Conversion by department"), conversion_by_department),
    "ignored": (gettext_lazy("Ignored by reason"), ignored_by_reason),
    "takeover_goal": (gettext_lazy("Take-over time by goal"), takeover_by_goal),
    "takeover_employee": (gettext_lazy("Take-over time by employee"), takeover_by_employee),
    "never_taken": (gettext_lazy("Never taken"), never_taken),
}


def format_duration(seconds):
    """H:MM:SS (hours may exceed 24), or "" for no value."""
    if seconds is None:
        return ""
    seconds = max(int(round(seconds)), 0)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def csv_rows(report):
    """The report as CSV lines: a header, the rows, the total; plain values."""
    yield [str(label) for _key, label, _kind in report.columns]
    for row in [*report.rows, *([report.total] if report.total else [])]:
        yield [_csv_value(row.get(key), kind) for key, _label, kind in report.columns]


def _csv_value(value, kind):
    if value is None:
        return ""
    if kind == "duration":
        return format_duration(value)
    if kind == "datetime":
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    return export_cell(value)


def display_rows(report, link=None):
    """The report's rows (and total) as the page shows them: [[{"key", "text", "url", "num"}]].
    link(value) gives the URL of a "link" cell (e.g. the traffic card), or None."""
    def cells(row):
        out = []
        for key, _label, kind in report.columns:
            value = row.get(key)
            cell = {"key": key, "num": kind not in ("text", "link"), "url": None}
            if value is None:
                cell["text"] = "—"
            elif kind == "duration":
                cell["text"] = format_duration(value)
            elif kind == "percent":
                cell["text"] = f"{formats.number_format(value, 1)} %"
            elif kind == "datetime":
                cell["text"] = formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
            elif kind == "link":
                cell["text"] = f"#{value}"
                cell["url"] = link(value) if link else None
            else:
                cell["text"] = value
            out.append(cell)
        return out

    return [cells(row) for row in report.rows], cells(report.total) if report.total else None
