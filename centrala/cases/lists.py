"""The case views (VIEW-01, VIEW-03, CASE-13): Tickets, My tickets, Tickets to distribute, Cases,
Reminders and Spam, on the working-lists engine (centrala.worklists.lists).

- Tickets: open cases (status not of a closing type), not spam. Agents see the unowned ones and
  their own; supervisors see every open case, owned ones too, to monitor the team (VIEW-03).
- My tickets: open cases the user owns. Tickets to distribute: open cases with no owner yet.
- Cases: every case the user may see, whatever its status (the place to look a case up).
- Reminders: cases in a callback status with a due time, soonest first; agents see public
  callbacks and their own private ones.
- Spam: cases marked as spam (CASE-13); every other view leaves them out.

Status types are filtered through the (small) status table: a list of status ids, so the case
table is filtered on its own indexed columns without a join.

What a page asks more than once (the user's visible cases and campaigns, status ids, card links)
is computed once per request (worklists.lists.memoized): an agent's Tickets page read the agent's
teams six times before.
"""

from dataclasses import replace

from django.db.models import Q
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import pgettext_lazy

from centrala.accounts.models import AGENT_ROLES, User
from centrala.accounts.permissions import visible_campaigns, visible_cases
from centrala.campaigns.models import CALLBACK_TYPES, CLOSED_TYPES, Status, StatusType
from centrala.contacts.actions import contact_match
from centrala.worklists.lists import Column, Filter, ListDef, date_filter, label_of, memoized, short_datetime, url_of

from .models import Priority, Source

CASE_EVENTS = ("case.created", "case.updated", "cases.bulk_updated")


def status_ids(types):
    """Ids of the statuses of these types (the status table is small: read once per request)."""
    by_type = memoized("status_types", lambda: list(Status.objects.values_list("pk", "type")))
    return [pk for pk, kind in by_type if kind in types]


def open_status_ids():
    return status_ids([value for value in StatusType.values if value not in CLOSED_TYPES])


def is_agent(user):
    return user.role in AGENT_ROLES


def _visible_cases(user):
    return memoized(("visible_cases", user.pk), lambda: visible_cases(user)).all()


def _campaigns(user):
    """[(id, name, script id)] of the campaigns the user sees, by name."""
    return memoized(("campaigns", user.pk), lambda: list(
        visible_campaigns(user).order_by("name").values_list("pk", "name", "script_id")))


# --- the rows of each view --------------------------------------------------------------------

def tickets(user):
    cases = _visible_cases(user).filter(is_spam=False, status_id__in=open_status_ids())
    if is_agent(user):
        cases = cases.filter(Q(owner__isnull=True) | Q(owner=user))
    return cases


def my_tickets(user):
    return _visible_cases(user).filter(is_spam=False, owner=user, status_id__in=open_status_ids())


def to_distribute(user):
    return _visible_cases(user).filter(is_spam=False, owner__isnull=True, status_id__in=open_status_ids())


def all_cases(user):
    return _visible_cases(user).filter(is_spam=False)


def reminders(user):
    cases = _visible_cases(user).filter(
        is_spam=False, callback_at__isnull=False, status_id__in=status_ids(CALLBACK_TYPES),
    )
    if is_agent(user):
        private = status_ids([StatusType.PRIVATE_CALLBACK])
        cases = cases.exclude(Q(status_id__in=private) & ~Q(owner=user))
    return cases


def spam(user):
    return _visible_cases(user).filter(is_spam=True)


# --- filters ------------------------------------------------------------------------------------

def campaign_choices(user):
    return [(str(pk), name) for pk, name, _script in _campaigns(user)]


def status_choices(user):
    """Statuses grouped by the campaigns (scripts) the user sees."""
    groups = {}
    scripts = {}
    for _pk, name, script_id in _campaigns(user):
        scripts.setdefault(script_id, []).append(name)
    statuses = Status.objects.filter(script_id__in=scripts).order_by("script_id", "position", "pk")
    for pk, script_id, name in statuses.values_list("pk", "script_id", "name"):
        label = ", ".join(scripts[script_id])
        groups.setdefault(label, []).append((str(pk), name))
    return sorted(groups.items())


def status_type_choices(user):
    return [(value, label) for value, label in StatusType.choices]


def owner_choices(user):
    choices = [("me", _("Me")), ("none", _("No owner"))]
    agents = (User.objects.filter(role__in=AGENT_ROLES, is_active=True).order_by("last_name", "first_name")
              .values_list("pk", "first_name", "last_name", "username"))
    # As str(user) (User.__str__: the full name, else the username), without 300 model instances.
    choices += [(str(pk), f"{first} {last}".strip() or username) for pk, first, last, username in agents]
    return choices


def source_choices(user):
    return list(Source.choices)


def priority_choices(user):
    return [(str(value), label) for value, label in Priority.choices]


def by_campaign(queryset, values, user):
    return queryset.filter(campaign_id__in=[int(value) for value in values])


def by_status(queryset, values, user):
    return queryset.filter(status_id__in=[int(value) for value in values])


def by_status_type(queryset, values, user):
    return queryset.filter(status_id__in=status_ids(values))


def by_owner(queryset, values, user):
    condition = Q()
    ids = [int(value) for value in values if value.isdigit()]
    if "me" in values:
        ids.append(user.pk)
    if ids:
        condition |= Q(owner_id__in=ids)
    if "none" in values:
        condition |= Q(owner__isnull=True)
    return queryset.filter(condition)


def by_source(queryset, values, user):
    return queryset.filter(source__in=values)


def by_priority(queryset, values, user):
    return queryset.filter(priority__in=[int(value) for value in values])


def by_contact(queryset, text, user):
    """A contact by name, phone (any format), e-mail, or "#id"."""
    bare = text[1:].strip() if text.startswith("#") else ""
    if bare.isdigit() and len(bare) <= 18:
        return queryset.filter(contact_id=int(bare))
    from centrala.contacts.models import Contact

    return queryset.filter(contact_id__in=Contact.objects.filter(contact_match(text)).values("pk"))


def by_number(queryset, text, user):
    """One number ("#123", "123") or a range ("100-200")."""
    text = text.replace("#", "").replace(" ", "")
    low, dash, high = text.partition("-")
    if dash and low.isdigit() and high.isdigit() and len(low) <= 18 and len(high) <= 18:
        return queryset.filter(pk__gte=int(low), pk__lte=int(high))
    if text.isdigit() and len(text) <= 18:
        return queryset.filter(pk=int(text))
    return queryset.none()


def by_text(queryset, text, user):
    """Free text: a case number, the contact's name, phone in any format or e-mail, the subject.
    The branches are a UNION of case ids, so each rides its own index (an OR of them makes
    PostgreSQL walk every case: 0.4–1.3 s at a million cases against 8–30 ms)."""
    from centrala.contacts.models import Contact

    from .models import Case

    bare = text.lstrip("#").strip()
    contacts = Contact.objects.filter(contact_match(text)).values("pk")
    branches = [Case.objects.filter(contact_id__in=contacts).values("pk"),
                Case.objects.filter(subject__icontains=text).values("pk")]
    if bare.isdigit() and len(bare) <= 18:
        branches.append(Case.objects.filter(pk=int(bare)).values("pk"))
    return queryset.filter(pk__in=branches[0].union(*branches[1:], all=True))


FILTERS = [
    Filter("q", gettext_lazy("Search"), "text", by_text),
    Filter("campaign", gettext_lazy("Campaign"), "multi", by_campaign, campaign_choices),
    Filter("status", gettext_lazy("Status"), "multi", by_status, status_choices),
    Filter("status_type", gettext_lazy("Status type"), "multi", by_status_type, status_type_choices),
    Filter("owner", gettext_lazy("Owner"), "multi", by_owner, owner_choices),
    Filter("source", gettext_lazy("Source"), "multi", by_source, source_choices),
    Filter("priority", gettext_lazy("Priority"), "multi", by_priority, priority_choices),
    Filter("created", gettext_lazy("Created"), "date", date_filter("created_at")),
    Filter("updated", gettext_lazy("Updated"), "date", date_filter("updated_at"), shown=False),
    Filter("due", gettext_lazy("Callback due"), "date", date_filter("callback_at")),
    Filter("contact", gettext_lazy("Contact"), "text", by_contact, shown=False),
    Filter("number", pgettext_lazy("case", "Number"), "text", by_number, shown=False),
]


# --- columns ------------------------------------------------------------------------------------

def _when(value):
    if value is None:
        return ""
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), short_datetime(value))


def card_url(pk):
    return url_of("cases:card", pk)


def _card_link(case, text):
    return format_html('<a href="{}" data-card-link>{}</a>', card_url(case.pk), text)


def _due(case):
    if case.callback_at is None:
        return ""
    overdue = case.callback_at <= timezone.now()
    return format_html('<span class="{}">{}</span>', "overdue" if overdue else "", _when(case.callback_at))


def _spam_button(case):
    label = _("Not spam") if case.is_spam else _("Spam")
    return format_html(
        '<button type="button" class="link spam-toggle" data-spam-toggle data-case-id="{}" data-version="{}" '
        'data-spam="{}" data-url="{}">{}</button>',
        case.pk, case.version, "0" if case.is_spam else "1", url_of("cases:spam", case.pk), label,
    )


def _local(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


COLUMNS = [
    Column("number", pgettext_lazy("case", "Number"), "pk", 90,
           render=lambda c: _card_link(c, format_html('<span class="source-icon source-{}" title="{}"></span> #{}',
                                                       c.source, label_of(Source, c.source), c.pk)),
           export=lambda c: c.pk),
    Column("subject", gettext_lazy("Subject"), "subject", 280,
           render=lambda c: _card_link(c, c.subject), export=lambda c: c.subject),
    Column("contact", gettext_lazy("Contact"), "contact__display_name", 180,
           render=lambda c: format_html("{}", c.contact.display_name), export=lambda c: c.contact.display_name),
    Column("campaign", gettext_lazy("Campaign"), "campaign__name", 160,
           render=lambda c: format_html("{}", c.campaign.name), export=lambda c: c.campaign.name),
    Column("status", gettext_lazy("Status"), "status__name", 150,
           render=lambda c: format_html('<span class="status-pill status-type-{}">{}</span>', c.status.type, c.status.name),
           export=lambda c: c.status.name),
    Column("owner", gettext_lazy("Owner"), "owner__last_name", 150,
           render=lambda c: format_html("{}", c.owner or "—"), export=lambda c: str(c.owner or "")),
    Column("priority", gettext_lazy("Priority"), "priority", 100,
           render=lambda c: format_html('<span class="priority priority-{}">{}</span>', c.priority, label_of(Priority, c.priority)),
           export=lambda c: str(c.get_priority_display())),
    Column("source", gettext_lazy("Source"), "source", 120, visible=False,
           render=lambda c: format_html("{}", label_of(Source, c.source)), export=lambda c: str(c.get_source_display())),
    Column("due", gettext_lazy("Callback due"), "callback_at", 150, render=_due, export=lambda c: _local(c.callback_at)),
    Column("created", gettext_lazy("Created"), "created_at", 150, visible=False,
           render=lambda c: _when(c.created_at), export=lambda c: _local(c.created_at)),
    Column("updated", gettext_lazy("Updated"), "updated_at", 150,
           render=lambda c: _when(c.updated_at), export=lambda c: _local(c.updated_at)),
    Column("spam", gettext_lazy("SPAM"), None, 90, render=_spam_button, export=lambda c: c.is_spam),
]

RELATED = ("contact", "campaign", "status", "owner")
# What the columns, the cursor and the spam button read (not the form data, not the owner's password hash).
ONLY = ("id", "subject", "source", "campaign", "status", "owner", "priority", "contact", "is_spam", "callback_at",
        "created_at", "updated_at", "version", "contact__display_name", "campaign__name", "status__name",
        "status__type", "owner__first_name", "owner__last_name", "owner__username")


def bulk_bar_context(request, query):
    """What the bulk bar offers this user (BULK-01): actions, and the statuses, owners and
    campaigns to choose from. Statuses of the type "no qualifier" are not offered (STS-01)."""
    from centrala.accounts.permissions import can

    from .bulk import ACTIONS

    user = request.user
    if not can(user, "bulk_edit_cases"):
        return {}
    assign = can(user, "assign_cases")
    actions = [(key, label) for key, label in ACTIONS.items() if assign or key != "move_campaign"]
    # The filters of this page load the same choices: take them from the query's cache.
    choices = lambda key: query.choices_of(query.listdef.filters_by_key[key])  # noqa: E731
    if assign:
        owners = [owner for owner in choices("owner") if owner[0] != "me"]
    else:
        owners = [("none", _("No owner")), (str(user.pk), str(user))]
    no_qualifier = set(map(str, status_ids([StatusType.NO_QUALIFIER])))
    statuses = [(group, [item for item in items if item[0] not in no_qualifier]) for group, items in choices("status")]
    statuses = [group for group in statuses if group[1]]
    campaigns = choices("campaign") if assign else []
    return {"bulk": {
        "actions": actions, "statuses": statuses, "owners": owners, "campaigns": campaigns,
        "sources": choices("source"), "priorities": choices("priority"),
        # Hundreds of options (every agent, every status) cost more as template loops than the
        # rest of the page's bar: built here, escaped.
        "status_options": options_html(statuses), "owner_options": options_html(owners),
        "campaign_options": options_html(campaigns),
    }}


def options_html(choices):
    """<option>s of (value, label) pairs and <optgroup>s of (group, [(value, label)])."""
    parts = []
    for value, label in choices:
        if isinstance(label, (list, tuple)):
            inner = "".join(f'<option value="{escape(v)}">{escape(text)}</option>' for v, text in label)
            parts.append(f'<optgroup label="{escape(value)}">{inner}</optgroup>')
        else:
            parts.append(f'<option value="{escape(value)}">{escape(label)}</option>')
    return mark_safe("".join(parts))


def _case_list(key, label, queryset, default_sort="-number", hidden=()):
    columns = [replace(column, visible=False) if column.key in hidden else column for column in COLUMNS]
    return ListDef(
        key=key, label=label, url_name=f"cases:view_{key}", queryset=queryset, columns=columns, filters=FILTERS,
        default_sort=default_sort, related=RELATED, only=ONLY, family="cases", live_events=CASE_EVENTS,
        row_url=lambda case: card_url(case.pk), selectable=True,
        bulk_template="cases/_bulk_bar.html", extra_context=bulk_bar_context, scripts=("cases/bulk.js",),
    )


CASE_LISTS = {
    listdef.key: listdef
    for listdef in [
        _case_list("tickets", gettext_lazy("Tickets"), tickets),
        _case_list("mine", gettext_lazy("My tickets"), my_tickets, hidden=("owner",)),
        _case_list("distribute", gettext_lazy("Tickets to distribute"), to_distribute, hidden=("owner",)),
        _case_list("cases", pgettext_lazy("view", "Cases"), all_cases, hidden=("spam",)),
        _case_list("reminders", gettext_lazy("Reminders"), reminders, default_sort="due", hidden=("spam",)),
        _case_list("spam", gettext_lazy("Spam"), spam),
    ]
}
