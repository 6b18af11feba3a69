"""The traffic journal (DLR-05): every registered call and walk-in as a working list, and the
client history the contact card shows.

The journal is a list of the working-lists engine (centrala.worklists), so it has keyset pages,
saved tabs, per-user columns and CSV/XLSX export like every other list.

Which rows a user sees (journal_rows, capability view_traffic_journal) is exactly what the traffic
card lets them open (access.visible_traffic), so every row opens:
- managers and administrators: all traffic;
- receptionists: all traffic. Every call and walk-in is registered at the desk, and the desk is
  one shared workplace: a receptionist on the afternoon shift looks up what a colleague
  registered in the morning, or whether a client's earlier visit was taken. They see no documents;
- specialists: the traffic of their departments (those of the contact goals they are a
  specialist of), traffic assigned to them and traffic they took. Another department's
  specialist sees none of it.
"""

from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from centrala.accounts.models import SUPERVISOR_ROLES, Role, User
from centrala.accounts.permissions import can
from centrala.worklists.lists import Column, Filter, ListDef, date_filter

from .access import visible_documents, visible_traffic
from .reports import format_duration
from .models import (
    Channel,
    ContactGoal,
    Department,
    Document,
    IgnoreReason,
    Traffic,
    TrafficOutcome,
    TrafficState,
    normalise_plate,
)

TRAFFIC_EVENTS = ("traffic.changed",)


# --- who sees which rows ------------------------------------------------------------------------

def journal_rows(user):
    """The traffic `user` may see in the journal and in a client's history: exactly what the
    traffic card lets them open (access.visible_traffic), for those with view_traffic_journal."""
    if not can(user, "view_traffic_journal"):
        return Traffic.objects.none()
    return visible_traffic(user)


def history_documents(user):
    """Documents `user` may see in a client's history: those the document page opens."""
    if not can(user, "view_traffic_journal"):
        return Document.objects.none()
    return visible_documents(user)


def traffic_url(traffic):
    return reverse("dealership:traffic", args=[traffic.pk])


def document_url(document):
    return reverse("dealership:document", args=[document.pk])


# --- filters ------------------------------------------------------------------------------------

def goal_choices(user):
    goals = ContactGoal.objects.select_related("department").order_by("department__position", "department__name",
                                                                        "position", "name")
    groups = {}
    for goal in goals:
        groups.setdefault(goal.department.name, []).append((str(goal.pk), str(goal)))
    return list(groups.items())


def channel_choices(user):
    return list(Channel.choices)


def department_choices(user):
    return [(str(pk), name) for pk, name in Department.objects.order_by("position", "name").values_list("pk", "name")]


def state_choices(user):
    return list(TrafficState.choices)


def outcome_choices(user):
    return list(TrafficOutcome.choices)


def employee_choices(user):
    choices = [("me", _("Me")), ("none", _("Nobody yet"))]
    people = User.objects.filter(role__in={Role.SPECIALIST, *SUPERVISOR_ROLES}, is_active=True).order_by(
        "last_name", "first_name", "username")
    return choices + [(str(person.pk), str(person)) for person in people]


def reason_choices(user):
    return [(str(pk), name) for pk, name in IgnoreReason.objects.order_by("position", "name").values_list("pk", "name")]


def by_goal(queryset, values, user):
    return queryset.filter(goal_id__in=[int(value) for value in values])


def by_channel(queryset, values, user):
    return queryset.filter(channel__in=values)


def by_department(queryset, values, user):
    return queryset.filter(department_id__in=[int(value) for value in values])


def by_state(queryset, values, user):
    return queryset.filter(state__in=values)


def by_outcome(queryset, values, user):
    return queryset.filter(outcome__in=values)


def by_reason(queryset, values, user):
    return queryset.filter(ignore_reason_id__in=[int(value) for value in values])


def by_employee(queryset, values, user):
    """The employee responsible: the one who took it, or the one chosen at the desk while nobody
    has taken it. "Nobody yet": broadcast traffic nobody took."""
    ids = [int(value) for value in values if value.isdigit()]
    if "me" in values:
        ids.append(user.pk)
    condition = Q()
    if ids:
        condition |= Q(taken_by_id__in=ids) | Q(taken_by__isnull=True, assigned_to_id__in=ids)
    if "none" in values:
        condition |= Q(taken_by__isnull=True, assigned_to__isnull=True)
    return queryset.filter(condition)


def by_client(queryset, text, user):
    """A client by name, phone (any format), e-mail or "#id"; a car's plate; or words of an
    unidentified visitor's description."""
    from centrala.contacts.actions import contact_match
    from centrala.contacts.models import Contact

    bare = text[1:].strip() if text.startswith("#") else ""
    if bare.isdigit() and len(bare) <= 18:
        return queryset.filter(contact_id=int(bare))
    contacts = Contact.objects.filter(contact_match(text)).values("pk")
    branches = [
        Traffic.objects.filter(contact_id__in=contacts).values("pk"),
        Traffic.objects.filter(visitor_description__icontains=text).values("pk"),
    ]
    plate = normalise_plate(text)
    if len(plate) >= 3:
        branches.append(Traffic.objects.filter(vehicle__plate_key__contains=plate).values("pk"))
    return queryset.filter(pk__in=branches[0].union(*branches[1:], all=True))


def by_number(queryset, text, user):
    number = text.replace("#", "").strip()
    if number.isdigit() and len(number) <= 18:
        return queryset.filter(pk=int(number))
    return queryset.none()


FILTERS = [
    Filter("client", gettext_lazy("Client"), "text", by_client),
    Filter("registered", gettext_lazy("Date"), "date", date_filter("registered_at")),
    Filter("goal", gettext_lazy("Goal"), "multi", by_goal, goal_choices),
    Filter("channel", gettext_lazy("Channel"), "multi", by_channel, channel_choices),
    Filter("employee", gettext_lazy("Employee"), "multi", by_employee, employee_choices),
    Filter("state", gettext_lazy("State"), "multi", by_state, state_choices),
    Filter("department", gettext_lazy("Department"), "multi", by_department, department_choices, shown=False),
    Filter("outcome", gettext_lazy("Outcome"), "multi", by_outcome, outcome_choices, shown=False),
    Filter("reason", gettext_lazy("Ignore reason"), "multi", by_reason, reason_choices, shown=False),
    Filter("number", pgettext_lazy("traffic", "Number"), "text", by_number, shown=False),
]


# --- columns ------------------------------------------------------------------------------------

NONE = mark_safe('<span class="muted">—</span>')


def _when(value):
    if value is None:
        return NONE
    return format_html('<time datetime="{}">{}</time>', value.isoformat(),
                       formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT"))


def _local(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def take_seconds(traffic):
    """Seconds from registration to take-over; None while nobody has taken it."""
    if traffic.taken_at is None:
        return None
    return (traffic.taken_at - traffic.registered_at).total_seconds()


def _number(traffic):
    return format_html('<a href="{}" data-card-link>#{}</a>', traffic_url(traffic), traffic.pk)


def _client_text(traffic):
    return str(traffic.contact) if traffic.contact_id else traffic.visitor_description


def _client(traffic):
    if traffic.contact_id:
        return format_html('<a href="{}">{}</a>', reverse("dealership:client_history_page", args=[traffic.contact_id]),
                           traffic.contact)
    if traffic.visitor_description:
        return format_html('<span class="muted" title="{}">{}</span>', _("Unidentified visitor"),
                           traffic.visitor_description)
    return NONE


def _vehicle_text(traffic):
    return str(traffic.vehicle) if traffic.vehicle_id else traffic.vehicle_description


def _employee(traffic):
    return traffic.taken_by if traffic.taken_by_id else traffic.assigned_to


def _employee_text(traffic):
    person = _employee(traffic)
    return str(person) if person else ""


def _state(traffic):
    return format_html('<span class="traffic-state traffic-state-{}">{}</span>', traffic.state,
                       traffic.get_state_display())


def _document_text(traffic):
    return traffic.document.number if traffic.document_id else ""


def _document(traffic):
    if not traffic.document_id:
        if traffic.case_id:
            return format_html('<a href="{}">{}</a>', reverse("cases:card", args=[traffic.case_id]),
                               _("Case #%(number)s") % {"number": traffic.case_id})
        return NONE
    label = f"{traffic.document.number} {traffic.document.get_kind_display()}"
    return format_html('<a href="{}">{}</a>', document_url(traffic.document), label)


def _text(attribute):
    return lambda traffic: format_html("{}", getattr(traffic, attribute)) if getattr(traffic, attribute) else NONE


def _person(attribute):
    def render(traffic):
        person = getattr(traffic, attribute)
        return format_html("{}", person) if person else NONE
    return render


def _person_text(attribute):
    return lambda traffic: str(getattr(traffic, attribute) or "")


COLUMNS = [
    Column("number", pgettext_lazy("traffic", "Number"), "pk", 70, render=_number, export=lambda t: t.pk),
    Column("registered", gettext_lazy("Registered"), "registered_at", 165,
           render=lambda t: _when(t.registered_at), export=lambda t: _local(t.registered_at)),
    Column("channel", gettext_lazy("Channel"), "channel", 80,
           render=lambda t: format_html("{}", t.get_channel_display()), export=lambda t: str(t.get_channel_display())),
    Column("goal", gettext_lazy("Goal"), "goal__name", 210,
           render=lambda t: format_html("{}", t.goal.name), export=lambda t: t.goal.name),
    Column("department", gettext_lazy("Department"), "department__name", 130, visible=False,
           render=lambda t: format_html("{}", t.department.name), export=lambda t: t.department.name),
    Column("client", gettext_lazy("Client"), None, 170, render=_client, export=_client_text),
    Column("vehicle", gettext_lazy("Car"), None, 150,
           render=lambda t: format_html("{}", _vehicle_text(t)) if _vehicle_text(t) else NONE, export=_vehicle_text),
    Column("employee", gettext_lazy("Employee"), None, 150,
           render=lambda t: format_html("{}", _employee(t)) if _employee(t) else NONE, export=_employee_text),
    Column("state", gettext_lazy("State"), "state", 100, render=_state, export=lambda t: str(t.get_state_display())),
    Column("document", gettext_lazy("Document"), "document_id", 160, render=_document, export=_document_text),
    Column("outcome", gettext_lazy("Outcome"), "outcome", 150, visible=False,
           render=lambda t: format_html("{}", t.get_outcome_display()) if t.outcome else NONE,
           export=lambda t: str(t.get_outcome_display()) if t.outcome else ""),
    Column("reason", gettext_lazy("Ignore reason"), "ignore_reason__name", 140, visible=False,
           render=lambda t: format_html("{}", t.ignore_reason.name) if t.ignore_reason_id else NONE,
           export=lambda t: t.ignore_reason.name if t.ignore_reason_id else ""),
    Column("comment", gettext_lazy("Comment"), None, 200, visible=False, render=_text("ignore_comment"),
           export=lambda t: t.ignore_comment),
    Column("note", gettext_lazy("Note"), None, 200, visible=False, render=_text("note"), export=lambda t: t.note),
    Column("registered_by", gettext_lazy("Registered by"), "registered_by__last_name", 150, visible=False,
           render=_person("registered_by"), export=_person_text("registered_by")),
    Column("taken", gettext_lazy("Taken"), "taken_at", 150, visible=False,
           render=lambda t: _when(t.taken_at), export=lambda t: _local(t.taken_at)),
    Column("wait", gettext_lazy("Time to take-over"), None, 110, visible=False,
           render=lambda t: format_html("{}", format_duration(take_seconds(t))) if t.taken_at else NONE,
           export=lambda t: format_duration(take_seconds(t))),
    Column("processed", gettext_lazy("Processed"), "processed_at", 150, visible=False,
           render=lambda t: _when(t.processed_at), export=lambda t: _local(t.processed_at)),
]

RELATED = ("goal", "department", "contact", "vehicle", "assigned_to", "taken_by", "registered_by", "document",
           "ignore_reason")


TRAFFIC_LISTS = {
    "traffic": ListDef(
        key="traffic", label=gettext_lazy("Traffic journal"), url_name="dealership:journal", queryset=journal_rows,
        columns=COLUMNS, filters=FILTERS, default_sort="-registered", related=RELATED,
        capability="view_traffic_journal", live_events=TRAFFIC_EVENTS, row_url=traffic_url,
    ),
}


# --- the client history (the contact card's "History") -----------------------------------------

HISTORY_SHOWN = 50

# The order of a client's history: newest first; at the same moment traffic, then documents, cases,
# calls; then the newest row first. A page ends at its last item, and the next ("older") page
# starts right after it: the cursor is that item's (when, kind, pk).
HISTORY_KINDS = ("traffic", "document", "case", "call")


class HistoryItem:
    """One line of a client's history: what it was, when, and the card it opens."""

    def __init__(self, kind, kind_label, when, title, detail="", url=None, state="", recordings=(), pk=None):
        self.kind, self.kind_label, self.when = kind, kind_label, when
        self.title, self.detail, self.url, self.state = title, detail, url, state
        self.recordings = list(recordings)
        self.pk = pk

    @property
    def order(self):
        return (self.when, -HISTORY_KINDS.index(self.kind), self.pk)

    @property
    def cursor(self):
        """Where the next, older page starts: "<when>~<kind>~<pk>"."""
        return f"{self.when.isoformat()}~{self.kind}~{self.pk}"


def parse_history_cursor(value):
    """(when, kind, pk) of a cursor made by HistoryItem.cursor, or None for anything else."""
    from django.utils.dateparse import parse_datetime

    parts = str(value or "").split("~")
    if len(parts) != 3 or parts[1] not in HISTORY_KINDS or not parts[2].isdigit() or len(parts[2]) > 18:
        return None
    try:
        when = parse_datetime(parts[0])
    except ValueError:
        return None
    if when is None or timezone.is_naive(when):
        return None
    return when, parts[1], int(parts[2])


def _older(queryset, field, kind, before):
    """The rows of one source that come after the cursor `before` in the history's order."""
    if before is None:
        return queryset
    when, cursor_kind, pk = before
    rank, cursor_rank = HISTORY_KINDS.index(kind), HISTORY_KINDS.index(cursor_kind)
    if rank < cursor_rank:  # at the cursor's moment this kind comes before the cursor's
        return queryset.filter(**{f"{field}__lt": when})
    if rank > cursor_rank:
        return queryset.filter(**{f"{field}__lte": when})
    return queryset.filter(Q(**{f"{field}__lt": when}) | Q(**{field: when, "pk__lt": pk}))


def _traffic_items(user, contact, limit, before=None):
    rows = _older(journal_rows(user).filter(contact=contact), "registered_at", "traffic", before).select_related(
        "goal", "taken_by", "assigned_to", "document", "vehicle").order_by("-registered_at", "-id")[:limit]
    for traffic in rows:
        employee = _employee(traffic)
        detail = " · ".join(str(part) for part in (
            traffic.get_state_display(), employee or "", _vehicle_text(traffic),
            _document_text(traffic) if traffic.document_id else "") if part)
        label = _("Traffic: %(channel)s") % {"channel": traffic.get_channel_display()}
        yield HistoryItem("traffic", label, traffic.registered_at,
                          f"#{traffic.pk} {traffic.goal.name}", detail, traffic_url(traffic), traffic.state,
                          pk=traffic.pk)


def _document_items(user, contact, limit, before=None):
    rows = _older(history_documents(user).filter(contact=contact), "created_at", "document", before).select_related(
        "vehicle", "responsible").order_by("-created_at", "-id")[:limit]
    for document in rows:
        detail = " · ".join(str(part) for part in (
            document.get_status_display(), document.vehicle or "", document.responsible or "",
            formats.date_format(timezone.localtime(document.scheduled_at), "SHORT_DATETIME_FORMAT")
            if document.scheduled_at else "") if part)
        title = f"{document.number} {document.subject}".strip()
        yield HistoryItem("document", document.get_kind_display(), document.created_at, title, detail,
                          document_url(document), document.status, pk=document.pk)


def _case_items(user, contact, limit, before=None):
    from centrala.accounts.permissions import visible_cases

    rows = _older(visible_cases(user).filter(contact=contact), "created_at", "case", before).select_related(
        "campaign", "status", "owner").order_by("-created_at", "-id")[:limit]
    for case in rows:
        detail = " · ".join(str(part) for part in (case.campaign.name, case.status.name, case.owner or "") if part)
        yield HistoryItem("case", _("Case"), case.created_at, f"#{case.pk} {case.subject}", detail,
                          reverse("cases:card", args=[case.pk]), pk=case.pk)


def _call_items(user, contact, limit, before=None):
    from centrala.accounts.permissions import visible_cases
    from centrala.activities.lists import on_cases
    from centrala.activities.models import Activity, ActivityKind
    from centrala.activities.templatetags.activities import duration

    calls = on_cases(Activity.objects.filter(contact=contact, kind=ActivityKind.CALL), visible_cases(user))
    rows = _older(calls, "created_at", "call", before).select_related("author").prefetch_related(
        "attachments").order_by("-created_at", "-id")[:limit]
    for call in rows:
        data = call.data or {}
        direction = {"in": _("Incoming"), "out": _("Outgoing")}.get(data.get("direction"), "")
        detail = " · ".join(str(part) for part in (
            direction, data.get("number", ""), duration(data["duration"]) if data.get("duration") else "",
            call.author or "") if part)
        recordings = [(attachment.name, reverse("activities:download", args=[attachment.pk]))
                      for attachment in call.attachments.all() if attachment.content_type.startswith("audio/")]
        yield HistoryItem("call", _("Phone call"), call.created_at, f"{_('Case')} #{call.case_id}", detail,
                          reverse("cases:card", args=[call.case_id]) + f"#activity-{call.pk}", recordings=recordings,
                          pk=call.pk)


def client_history(user, contact, limit=HISTORY_SHOWN, before=None):
    """Everything `user` may see of the client, newest first: traffic, documents, cases and calls.
    Each source gives its newest `limit` (one query each), so the merged newest `limit` are right.
    `before` (parse_history_cursor) starts the page after that item: following each page's last
    item.cursor reaches every item once, however long the history.
    Returns (items, truncated): truncated when there was more than `limit` in all."""
    items = []
    for source in (_traffic_items, _document_items, _case_items, _call_items):
        items += source(user, contact, limit + 1, before)
    items.sort(key=lambda item: item.order, reverse=True)
    return items[:limit], len(items) > limit
