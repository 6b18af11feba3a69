"""The home page dashboard of people who work cases (DASH-01, ACT-03).

Per campaign the user sees: cases created today and the stage (status type) each of them is at
now, open cases, and callbacks past their due time; then the user's own latest activities.
Every number links to the case view that lists exactly those cases, so the counts follow the same
rules as the views (centrala.cases.lists): spam is left out, and an agent's overdue callbacks are
the public ones and their own private ones.

The cost is fixed whatever the number of cases: a campaign's open cases and overdue callbacks
are counted up to COUNT_CAP ("1,000+", as the lists count), each from a partial index of the
case table alone (case_campaign_status_idx, case_campaign_due_idx); cases created today are
counted exactly (a day's worth of the created_at index). Counting every open case of a million
took a manager's dashboard 1.1–1.8 s.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils import timezone

from centrala.accounts.models import AGENT_ROLES
from centrala.accounts.permissions import visible_campaigns, visible_cases
from centrala.activities.actions import info_label
from centrala.activities.lists import on_cases
from centrala.activities.models import Activity, ActivityKind
from centrala.campaigns.models import CALLBACK_TYPES, CLOSED_TYPES, Status, StatusType
from centrala.cases.models import Case
from centrala.worklists.lists import COUNT_CAP, date_bounds  # counted up to COUNT_CAP, as the lists count

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
    open_capped: bool = False  # more than `open`
    overdue_capped: bool = False
    stages: list = field(default_factory=list)
    urls: dict = field(default_factory=dict)


def _url(name, **params):
    return reverse(name) + "?" + urlencode(params, doseq=True)


class BoundedCount(Subquery):
    """How many rows a subquery has, counted up to its LIMIT: (SELECT COUNT(*) FROM (... LIMIT n))."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) bounded)"
    output_field = IntegerField()


def _status_ids(types):
    return Status.objects.filter(type__in=types).values("pk")


def today_counts(cases, now):
    """{campaign id: {status type: cases created today}}."""
    start, end = date_bounds("today", now)
    rows = (cases.filter(is_spam=False, created_at__gte=start, created_at__lt=end)
            .values_list("campaign_id", "status__type").annotate(count=Count("pk")).order_by())
    counts = {}
    for campaign_id, kind, count in rows:
        counts.setdefault(campaign_id, {})[kind] = count
    return counts


def bounded_counts(user, campaigns, now):
    """The campaigns (visible_campaigns(user)) annotated with open (open cases) and overdue
    (callbacks past due; for agents, as the Reminders view: the public ones and their own private
    ones), each counted up to COUNT_CAP + 1."""
    in_campaign = Case.objects.filter(campaign_id=OuterRef("pk"), is_spam=False).order_by()
    open_cases = in_campaign.filter(status_id__in=_status_ids(OPEN_TYPES))
    late = in_campaign.filter(callback_at__isnull=False, callback_at__lt=now, status_id__in=_status_ids(CALLBACK_TYPES))
    if user.role in AGENT_ROLES:  # others' private callbacks are theirs
        late = late.exclude(Q(status_id__in=_status_ids([StatusType.PRIVATE_CALLBACK])) & ~Q(owner_id=user.pk))
    return campaigns.annotate(
        open_count=BoundedCount(open_cases.values("pk")[: COUNT_CAP + 1]),
        overdue_count=BoundedCount(late.values("pk")[: COUNT_CAP + 1]),
    )


def campaign_rows(user, cases, now):
    today = today_counts(cases, now)
    rows = []
    campaigns = bounded_counts(user, visible_campaigns(user), now).order_by("name")
    for campaign_id, name, active, open_count, overdue_count in campaigns.values_list(
            "pk", "name", "active", "open_count", "overdue_count"):
        by_type = today.get(campaign_id, {})
        if not active and not by_type and not open_count:
            continue  # a finished campaign with nothing left to do
        row = CampaignRow(campaign_id, name, active)
        row.new_today = sum(by_type.values())
        row.open, row.open_capped = min(open_count, COUNT_CAP), open_count > COUNT_CAP
        row.overdue, row.overdue_capped = min(overdue_count, COUNT_CAP), overdue_count > COUNT_CAP
        for value, label in StatusType.choices:
            count = by_type.get(value, 0)
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
