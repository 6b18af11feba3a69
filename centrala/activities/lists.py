"""The activity views (ACT-04): Calls, Mail and SMS on the working-lists engine.

Each lists the activities of one kind on the cases the user may see (accounts.permissions,
visible_cases), newest first; paging rides the (kind, created_at) index. What each kind keeps in
Activity.data (direction, from/to, number, duration, subject; see activities.models) gets its own
columns where that kind has it.
"""

from django.db.models import Q
from django.template.defaultfilters import truncatechars
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import pgettext_lazy

from centrala.accounts.models import AGENT_ROLES, SUPERVISOR_ROLES, User
from centrala.accounts.permissions import visible_cases
from centrala.cases.lists import by_contact, campaign_choices
from centrala.worklists.lists import Column, Filter, ListDef, date_filter, short_datetime, url_of

from .models import Activity, ActivityKind
from .templatetags.activities import duration

ACTIVITY_EVENTS = ("activity.changed",)
EXCERPT_LENGTH = 120


def on_cases(activities, cases):
    """`activities` narrowed to those of `cases` (a visible_cases() queryset)."""
    if not cases.query.where:  # every case (supervisors): no need to check each row's case
        return activities
    return activities.filter(case__in=cases)


def activities_of(kind):
    """The rows of a view: activities of `kind` on the cases `user` may see."""
    return lambda user: on_cases(Activity.objects.filter(kind=kind), visible_cases(user))


# --- filters ------------------------------------------------------------------------------------

def author_choices(user):
    choices = [("me", _("Me")), ("none", _("System"))]
    people = User.objects.filter(role__in=AGENT_ROLES | SUPERVISOR_ROLES, is_active=True).order_by(
        "last_name", "first_name", "username")
    return choices + [(str(person.pk), str(person)) for person in people]


def direction_choices(user):
    return [("in", _("Incoming")), ("out", _("Outgoing"))]


def by_campaign(queryset, values, user):
    return queryset.filter(case__campaign_id__in=[int(value) for value in values])


def by_author(queryset, values, user):
    ids = [int(value) for value in values if value.isdigit()]
    if "me" in values:
        ids.append(user.pk)
    condition = Q(author_id__in=ids) if ids else Q()
    if "none" in values:
        condition |= Q(author__isnull=True)
    return queryset.filter(condition)


def by_direction(queryset, values, user):
    return queryset.filter(data__direction__in=values)


def by_case_number(queryset, text, user):
    number = text.replace("#", "").strip()
    if number.isdigit() and len(number) <= 18:
        return queryset.filter(case_id=int(number))
    return queryset.none()


def by_text(queryset, text, user):
    """Words in the text of the message or call notes (and an e-mail's subject)."""
    return queryset.filter(Q(body__icontains=text) | Q(data__subject__icontains=text))


FILTERS = [
    Filter("q", gettext_lazy("Search in text"), "text", by_text),
    Filter("campaign", gettext_lazy("Campaign"), "multi", by_campaign, campaign_choices),
    Filter("author", gettext_lazy("Author"), "multi", by_author, author_choices),
    Filter("when", gettext_lazy("Date"), "date", date_filter("created_at")),
    Filter("direction", gettext_lazy("Direction"), "multi", by_direction, direction_choices),
    Filter("contact", gettext_lazy("Contact"), "text", by_contact, shown=False),
    Filter("case", gettext_lazy("Case number"), "text", by_case_number, shown=False),
]


# --- columns ------------------------------------------------------------------------------------

def _when(value):
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), short_datetime(value))


def _local(value):
    return timezone.localtime(value).replace(tzinfo=None)


def _data(activity, key):
    value = (activity.data or {}).get(key)
    return "" if value is None else str(value)


def _direction_label(activity):
    direction = _data(activity, "direction")
    if activity.kind == ActivityKind.EMAIL:
        return {"in": _("Received"), "out": _("Sent")}.get(direction, "")
    return {"in": _("Incoming"), "out": _("Outgoing")}.get(direction, "")


def _direction(activity):
    label = _direction_label(activity)
    if not label:
        return ""
    return format_html('<span class="direction direction-{}">{}</span>', _data(activity, "direction"), label)


def _excerpt(activity):
    return truncatechars(" ".join(activity.body.split()), EXCERPT_LENGTH)


def _case_link(activity):
    case = activity.case
    return format_html('<a href="{}" data-card-link title="{}">#{}</a>', url_of("cases:card", case.pk),
                       case.subject, case.pk)


def _contact_link(activity):
    return format_html('<a href="{}">{}</a>', url_of("contacts:card", activity.contact_id),
                       activity.contact.display_name)


def _author(activity):
    return str(activity.author) if activity.author else _("System")


def _text(key):
    return lambda activity: format_html("{}", _data(activity, key))


WHEN = Column("when", gettext_lazy("When"), "created_at", 160, render=lambda a: _when(a.created_at),
              export=lambda a: _local(a.created_at))
DIRECTION = Column("direction", gettext_lazy("Direction"), None, 100, render=_direction, export=_direction_label)
NUMBER = Column("number", gettext_lazy("Phone number"), None, 140, render=_text("number"),
                export=lambda a: _data(a, "number"))
DURATION = Column("duration", gettext_lazy("Duration"), None, 80,
                  render=lambda a: format_html("{}", duration(a.data.get("duration")) if a.data else ""),
                  export=lambda a: duration((a.data or {}).get("duration")))
SENDER = Column("from", pgettext_lazy("e-mail sender", "From"), None, 200, render=_text("from"),
                export=lambda a: _data(a, "from"))
RECIPIENT = Column("to", pgettext_lazy("e-mail recipient", "To"), None, 200, render=_text("to"),
                   export=lambda a: _data(a, "to"))
SUBJECT = Column("subject", gettext_lazy("Subject"), None, 240, render=_text("subject"),
                 export=lambda a: _data(a, "subject"))
TEXT = Column("text", gettext_lazy("Text"), None, 240, render=lambda a: format_html("{}", _excerpt(a)),
              export=lambda a: a.body)
CASE = Column("case", gettext_lazy("Case"), "case_id", 80, render=_case_link, export=lambda a: a.case_id)
CONTACT = Column("contact", gettext_lazy("Contact"), "contact__display_name", 180, render=_contact_link,
                 export=lambda a: a.contact.display_name)
CAMPAIGN = Column("campaign", gettext_lazy("Campaign"), "case__campaign__name", 160,
                  render=lambda a: format_html("{}", a.case.campaign.name), export=lambda a: a.case.campaign.name)
AUTHOR = Column("author", gettext_lazy("Author"), "author__last_name", 150,
                render=lambda a: format_html("{}", _author(a)), export=_author)

RELATED = ("case__campaign", "contact", "author")
# What the columns read (not the case's form data, not the author's password hash).
ONLY = ("id", "case", "contact", "kind", "body", "data", "author", "created_at", "case__subject", "case__campaign",
        "case__campaign__name", "contact__display_name", "author__first_name", "author__last_name", "author__username")


def _activity_list(key, label, kind, columns):
    return ListDef(
        key=key, label=label, url_name=f"activities:view_{key}", queryset=activities_of(kind),
        columns=[WHEN, DIRECTION, *columns, TEXT, CASE, CONTACT, CAMPAIGN, AUTHOR], filters=FILTERS,
        default_sort="-when", related=RELATED, only=ONLY, family="activities", live_events=ACTIVITY_EVENTS,
        row_url=lambda activity: url_of("cases:card", activity.case_id),
    )


ACTIVITY_LISTS = {
    listdef.key: listdef
    for listdef in [
        _activity_list("calls", gettext_lazy("Calls"), ActivityKind.CALL, [NUMBER, DURATION]),
        _activity_list("mail", gettext_lazy("Mail"), ActivityKind.EMAIL, [SENDER, RECIPIENT, SUBJECT]),
        _activity_list("sms", gettext_lazy("SMS"), ActivityKind.SMS, [NUMBER]),
    ]
}
