"""The contacts list on the working-lists engine (VIEW-02, CON-06): search, filters, sortable
columns, saved tabs, export, and checkboxes for the bulk action "create cases in a campaign".

Kept fast at hundreds of thousands of contacts: every sortable column has an (column, id) index
(Contact.Meta.indexes); the page's phones and e-mails come in one query each, and only the first
of each contact (a window over the page's contacts, not every number they have).
"""

from django.db.models import Prefetch
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from centrala.accounts.models import AGENT_ROLES, User
from centrala.accounts.permissions import can, visible_campaigns, visible_contacts
from centrala.worklists.lists import Column, Filter, ListDef, date_filter, label_of, memoized, short_datetime, url_of

from .actions import contact_match
from .models import Contact, ContactEmail, ContactKind, ContactPhone, ImportGroup

IMPORT_GROUPS_OFFERED = 200  # the newest groups offered by the filter


def contacts(user):
    """Every contact the user may see, with only its first phone and first e-mail loaded."""
    return visible_contacts(user).prefetch_related(
        Prefetch("phones", queryset=ContactPhone.objects.order_by("position", "id")[:1], to_attr="first_phones"),
        Prefetch("emails", queryset=ContactEmail.objects.order_by("position", "id")[:1], to_attr="first_emails"),
    )


# --- filters ------------------------------------------------------------------------------------

def by_text(queryset, text, user):
    """A name (any word, without diacritics), a phone number in any format, an e-mail, or "#id"."""
    bare = text[1:].strip() if text.startswith("#") else text
    contact_id = int(bare) if bare.isdigit() and len(bare) <= 18 else None
    if text.startswith("#") and contact_id is not None:
        return queryset.filter(pk=contact_id)
    return queryset.filter(contact_match(text, contact_id=contact_id))


def kind_choices(user):
    return list(ContactKind.choices)


def by_kind(queryset, values, user):
    return queryset.filter(kind__in=values)


def campaign_choices(user):
    return memoized(("contact_campaign_choices", user.pk), lambda: [
        (str(pk), name) for pk, name in visible_campaigns(user).order_by("name").values_list("pk", "name")])


def by_campaign(queryset, values, user):
    """Contacts with at least one case in one of the chosen campaigns (ones the user sees)."""
    from centrala.cases.models import Case

    cases = Case.objects.filter(campaign_id__in=[int(value) for value in values])
    return queryset.filter(pk__in=cases.values("contact_id"))


def import_group_choices(user):
    groups = ImportGroup.objects.order_by("-created_at", "-id").values_list("pk", "name", "created_at")
    return [(str(pk), f"{name} ({formats.date_format(timezone.localtime(at), 'SHORT_DATE_FORMAT')})")
            for pk, name, at in groups[:IMPORT_GROUPS_OFFERED]]


def by_import_group(queryset, values, user):
    members = Contact.import_groups.through.objects.filter(importgroup_id__in=[int(value) for value in values])
    return queryset.filter(pk__in=members.values("contact_id"))


FILTERS = [
    Filter("q", gettext_lazy("Search"), "text", by_text),
    Filter("kind", gettext_lazy("Kind"), "multi", by_kind, kind_choices),
    Filter("campaign", gettext_lazy("Campaign"), "multi", by_campaign, campaign_choices),
    Filter("created", gettext_lazy("Created"), "date", date_filter("created_at")),
    Filter("updated", gettext_lazy("Updated"), "date", date_filter("updated_at"), shown=False),
    Filter("import_group", gettext_lazy("Import group"), "multi", by_import_group, import_group_choices),
]


# --- columns ------------------------------------------------------------------------------------

def _when(value):
    if value is None:
        return ""
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), short_datetime(value))


def _local(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


NONE = mark_safe('<span class="muted">—</span>')


def _card_link(contact, text):
    return format_html('<a href="{}">{}</a>', url_of("contacts:card", contact.pk), text)


def first_phone(contact):
    phones = getattr(contact, "first_phones", None)
    if phones is None:
        phones = list(contact.phones.all()[:1])
    return phones[0] if phones else None


def first_email(contact):
    emails = getattr(contact, "first_emails", None)
    if emails is None:
        emails = list(contact.emails.all()[:1])
    return emails[0] if emails else None


def _phone(contact):
    phone = first_phone(contact)
    return format_html("{}", phone.display) if phone else NONE


def _email(contact):
    email = first_email(contact)
    return format_html("{}", email.address) if email else NONE


COLUMNS = [
    Column("id", gettext_lazy("ID"), "pk", 80, render=lambda c: _card_link(c, f"#{c.pk}"), export=lambda c: c.pk),
    Column("name", gettext_lazy("Name"), "display_name", 240,
           render=lambda c: _card_link(c, str(c)), export=lambda c: c.display_name),
    Column("kind", gettext_lazy("Kind"), "kind", 100,
           render=lambda c: format_html("{}", label_of(ContactKind, c.kind)), export=lambda c: str(c.get_kind_display())),
    Column("phone", gettext_lazy("Phone"), None, 150, render=_phone,
           export=lambda c: (first_phone(c).display if first_phone(c) else "")),
    Column("email", gettext_lazy("E-mail"), None, 220, render=_email,
           export=lambda c: (first_email(c).address if first_email(c) else "")),
    Column("city", gettext_lazy("City"), "city", 140,
           render=lambda c: format_html("{}", c.city) if c.city else NONE,
           export=lambda c: c.city),
    Column("created", gettext_lazy("Created"), "created_at", 150,
           render=lambda c: _when(c.created_at), export=lambda c: _local(c.created_at)),
    Column("updated", gettext_lazy("Updated"), "updated_at", 150, visible=False,
           render=lambda c: _when(c.updated_at), export=lambda c: _local(c.updated_at)),
]


def create_cases_choices(user):
    """What "create cases in campaign" offers: the active campaigns the user may create cases in
    and, for managers, the agents who may own them (an agent's cases are the agent's own)."""
    campaigns = visible_campaigns(user).filter(active=True).order_by("name").values_list("pk", "name")
    owners = []
    if can(user, "assign_cases"):
        agents = (User.objects.filter(role__in=AGENT_ROLES, is_active=True).order_by("last_name", "first_name", "pk")
                  .only("pk", "first_name", "last_name", "username"))
        owners = [(str(agent.pk), str(agent)) for agent in agents]
    return {"campaigns": [(str(pk), name) for pk, name in campaigns], "owners": owners}


def list_extra_context(request, query):
    """The bulk bar's choices (BULK-01) and whether to offer the import (CON-06)."""
    user = request.user
    context = {"can_import_contacts": can(user, "import_contacts")}
    if can(user, "bulk_edit_cases"):
        context["contact_bulk"] = create_cases_choices(user)
    return context


CONTACT_LISTS = {
    "contacts": ListDef(
        key="contacts", label=gettext_lazy("Contacts"), url_name="contacts:list", queryset=contacts,
        columns=COLUMNS, filters=FILTERS, default_sort="name",
        row_url=lambda contact: url_of("contacts:card", contact.pk), selectable=True,
        actions_template="contacts/_list_actions.html", bulk_template="contacts/_list_bulk.html",
        extra_context=list_extra_context, scripts=("cases/bulk.js",),
    ),
}
