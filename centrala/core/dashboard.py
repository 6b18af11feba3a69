"""The home page dashboard of people who work cases (DASH-01, ACT-03).

Per campaign the user sees: cases created today and the stage (status type) each of them is at
now, open cases, and callbacks past their due time; then the user's own latest activities.
Every number links to the case view that lists exactly those cases, so the counts follow the same
rules as the views (centrala.cases.lists): spam is left out, and an agent's overdue callbacks are
the public ones and their own private ones.

The cost is fixed whatever the number of campaigns: one grouped query counts every campaign at
once, one query reads the activities.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils import timezone

from centrala.accounts.models import AGENT_ROLES
from centrala.accounts.permissions import visible_campaigns, visible_cases
from centrala.activities.actions import info_label
from centrala.activities.lists import on_cases
from centrala.activities.models import Activity, ActivityKind
from centrala.campaigns.models import CALLBACK_TYPES, CLOSED_TYPES, StatusType
from centrala.worklists.lists import date_bounds

RECENT_ACTIVITIES = 15
# Server events after which the numbers may have changed: the page asks for a fresh panel.
LIVE_EVENTS = ("case.created", "case.updated", "cases.bulk_updated", "activity.changed")
OPEN_TYPES = [value for value in StatusType.values if value not in CLOSED_TYPES]


@dataclass
class Stage:
    type: str
    label: str
    count: int
    url: str


@dataclass
class CampaignRow:
    campaign_id: int
    name: str
    active: bool
    new_today: int = 0
    open: int = 0
    overdue: int = 0
    stages: list = field(default_factory=list)
    urls: dict = field(default_factory=dict)


def _url(name, **params):
    return reverse(name) + "?" + urlencode(params, doseq=True)


def campaign_counts(user, cases, now):
    """{campaign id: {status type: {"today", "total", "overdue"}}} in one grouped query.

    total counts open cases only (closed ones are read only when created today), overdue
    only callbacks: what each type's numbers are used for.
    """
    start, end = date_bounds("today", now)
    today = Q(created_at__gte=start, created_at__lt=end)
    late = Q(callback_at__lt=now, status__type__in=CALLBACK_TYPES)
    if user.role in AGENT_ROLES:  # as the Reminders view: others' private callbacks are theirs
        late &= ~Q(status__type=StatusType.PRIVATE_CALLBACK) | Q(owner=user)
    rows = (
        cases.filter(is_spam=False)
        .filter(today | Q(status__type__in=OPEN_TYPES))
        .values("campaign_id", "status__type")
        .annotate(today=Count("pk", filter=today), total=Count("pk"), overdue=Count("pk", filter=late))
        .order_by()
    )
    counts = {}
    for row in rows:
        counts.setdefault(row["campaign_id"], {})[row["status__type"]] = row
    return counts


def campaign_rows(user, cases, now):
    counts = campaign_counts(user, cases, now)
    rows = []
    for campaign_id, name, active in visible_campaigns(user).order_by("name").values_list("pk", "name", "active"):
        by_type = counts.get(campaign_id, {})
        if not active and not by_type:
            continue  # a finished campaign with nothing left to do
        row = CampaignRow(campaign_id, name, active)
        row.new_today = sum(item["today"] for item in by_type.values())
        row.open = sum(item["total"] for kind, item in by_type.items() if kind in OPEN_TYPES)
        row.overdue = sum(item["overdue"] for item in by_type.values())
        for value, label in StatusType.choices:
            count = by_type.get(value, {}).get("today", 0)
            if count:
                row.stages.append(Stage(value, label, count, _url(
                    "cases:view_cases", campaign=campaign_id, created="today", status_type=value)))
        row.urls = {
            "new_today": _url("cases:view_cases", campaign=campaign_id, created="today"),
            "open": _url("cases:view_cases", campaign=campaign_id, status_type=OPEN_TYPES),
            "overdue": _url("cases:view_reminders", campaign=campaign_id, due="overdue"),
        }
        rows.append(row)
    return rows


def activity_summary(activity):
    """One line about an activity, in the reader's language."""
    data = activity.data or {}
    if activity.kind == ActivityKind.INFO:
        change = data.get("new") or ""
        return f"{info_label(data)}: {change}" if change else info_label(data)
    if activity.kind == ActivityKind.ATTACHMENT and data.get("name"):
        return data["name"]
    text = data.get("subject") or activity.body
    return truncatechars(" ".join(text.split()), 100)


def recent_activities(user, cases):
    """The user's latest entries on cases they may still see, with their cases and contacts."""
    activities = on_cases(Activity.objects.filter(author=user), cases)
    activities = list(activities.select_related("case", "contact").order_by("-created_at", "-id")[:RECENT_ACTIVITIES])
    for activity in activities:
        activity.summary = activity_summary(activity)
    return activities


def dashboard_context(user, now=None):
    now = now or timezone.now()
    cases = visible_cases(user)
    return {
        "campaigns": campaign_rows(user, cases, now),
        "activities": recent_activities(user, cases),
        "live_events": " ".join(LIVE_EVENTS),
        "reminders_url": reverse("cases:view_reminders"),
    }
