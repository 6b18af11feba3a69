"""What the case card shows: options of its lists, rows of its form, header field actions, the
conflict panel. Pure presentation: values come in as the raw strings the card's inputs hold."""

import json
from dataclasses import dataclass
from dataclasses import field as dc_field

from django.conf import settings
from django.db.models import Q, prefetch_related_objects
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from centrala.accounts.models import AGENT_ROLES, User
from centrala.accounts.permissions import can, get_contact_for_user, visible_campaigns
from centrala.campaigns.models import CallbackRule, Campaign, FormFieldKind, Status
from centrala.contacts.models import Contact
from centrala.lib.phones import to_e164

from .actions import FIELD_LABELS
from .forms import (
    FORM_PREFIX,
    HEADER_NAMES,
    changed_names,
    kinds_of,
    load_fields,
    same_value,
    saved_values,
    value_fields,
)
from .models import CaseDraft, Priority

CONTACT_ACTIONS_TEMPLATE = "contacts/_actions.html"


def optional_url(name, *args):
    """The URL of a view another part of Centrala provides, or None while it does not exist."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def template_exists(name):
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return False
    return True


@dataclass(frozen=True)
class Channels:
    """The ways this user can reach a customer from the card (CASE-10, CON-04)."""

    call: bool
    sms: bool
    email: bool


def channels_for(user):
    # SMS needs a provider; until the SMS channel configures one, nobody can send.
    return Channels(
        call=bool(user.phone_extension),
        sms=bool(getattr(settings, "SMS_PROVIDER", "")),
        email=bool(user.outgoing_email),
    )


# --- list options ----------------------------------------------------------------------------

def campaign_options(user, case):
    """Campaigns the case can move to: the user's active ones, and its own (CASE-06)."""
    campaigns = list(
        visible_campaigns(user).filter(Q(active=True) | Q(pk=case.campaign_id))
        .select_related("script__initial_status").order_by("name")
    )
    if not any(c.pk == case.campaign_id for c in campaigns):
        campaigns.insert(0, case.campaign)  # a supervisor moved it out of the user's campaigns
    return campaigns


def status_options(case):
    statuses = list(Status.objects.filter(Q(active=True) | Q(pk=case.status_id), script_id=case.campaign.script_id))
    return statuses


def owner_options(case):
    """Active agents and home agents of the case's campaign, and its current owner (CASE-07)."""
    campaign = case.campaign
    owners = list(
        User.objects.filter(is_active=True, role__in=AGENT_ROLES)
        .filter(Q(campaigns=campaign) | Q(teams__campaigns=campaign))
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
    if case.owner_id and not any(u.pk == case.owner_id for u in owners):
        owners.insert(0, case.owner)
    return owners


# --- form rows -------------------------------------------------------------------------------------

@dataclass
class Action:
    kind: str  # call, sms, email, edit
    label: str
    href: str = ""


@dataclass
class FieldRow:
    field: object
    name: str
    input_id: str
    value: object = ""  # raw: str, or list for a multiple choice
    choices: list = dc_field(default_factory=list)  # (key, label, selected)
    errors: list = dc_field(default_factory=list)
    disabled: bool = False
    display: str = ""
    actions: list = dc_field(default_factory=list)
    sets_status: object = None

    @property
    def kind(self):
        return self.field.kind

    @property
    def single_action(self):
        return self.actions[0] if len(self.actions) == 1 else None


def _display(field, raw, choice_labels):
    if field.kind == FormFieldKind.MULTI_CHOICE:
        return ", ".join(choice_labels.get(key, key) for key in raw or [])
    if field.kind == FormFieldKind.SINGLE_CHOICE:
        return choice_labels.get(raw, raw or "")
    if field.kind == FormFieldKind.CHECKBOX:
        return _("yes") if raw == "true" else _("no")
    if field.kind == FormFieldKind.DATETIME:
        return (raw or "").replace("T", " ")
    return raw or ""


def _header_actions(user, field, raw, channels):
    actions = []
    if raw and field.is_phone:
        number = to_e164(raw) or raw
        if channels.call:
            actions.append(Action("call", _("Call"), "tel:" + number))
        if channels.sms:
            actions.append(Action("sms", _("Send an SMS"), "sms:" + number))
    if raw and field.is_email and channels.email:
        actions.append(Action("email", _("Send an e-mail"), "mailto:" + raw))
    if field.editable or user.role not in AGENT_ROLES:
        actions.append(Action("edit", _("Edit")))
    return actions


def form_rows(user, fields, values, errors, channels, statuses):
    """Rows of the Form tab (FRM-01): every field that is not hidden, in order."""
    rows = []
    status_ids = {s.pk: s for s in statuses}
    for field in fields:
        if field.hidden:
            continue
        name = FORM_PREFIX + field.key
        row = FieldRow(field=field, name=name, input_id="field-" + field.key.replace("_", "-"),
                       errors=errors.get(name, []))
        if field.kind == FormFieldKind.BUTTON:
            row.sets_status = status_ids.get(field.sets_status_id)
            rows.append(row)
            continue
        raw = values.get(name, [] if field.kind == FormFieldKind.MULTI_CHOICE else "")
        row.value = raw
        row.disabled = not field.editable and user.role in AGENT_ROLES
        labels = {}
        if field.kind in (FormFieldKind.SINGLE_CHOICE, FormFieldKind.MULTI_CHOICE):
            chosen = set(raw if isinstance(raw, list) else [raw])
            for choice in field.choices.all():
                labels[choice.key] = choice.label
                # A hidden choice is no longer offered, but a case that has it keeps showing it.
                if not choice.hidden or choice.key in chosen:
                    row.choices.append((choice.key, choice.label, choice.key in chosen))
        row.display = _display(field, raw, labels)
        if field.in_header:
            row.actions = _header_actions(user, field, raw, channels)
        rows.append(row)
    return rows


# --- the conflict panel (CASE-11) --------------------------------------------------------------------

@dataclass
class ConflictRow:
    name: str
    label: str
    theirs: str
    yours: str
    both: bool


class _Displayer:
    """Readable values for the conflict panel, looking up ids in one query per kind."""

    def __init__(self, fields, values_sets):
        self.fields = {FORM_PREFIX + f.key: f for f in fields}
        self.choices = {FORM_PREFIX + f.key: {c.key: c.label for c in f.choices.all()} for f in fields}
        ids = {"campaign": set(), "status": set(), "owner": set(), "contact": set()}
        for values in values_sets:
            for name in ids:
                if str(values.get(name) or "").isdigit():
                    ids[name].add(int(values[name]))
        self.names = {
            "campaign": dict(Campaign.objects.filter(pk__in=ids["campaign"]).values_list("pk", "name")),
            "status": dict(Status.objects.filter(pk__in=ids["status"]).values_list("pk", "name")),
            "owner": {u.pk: str(u) for u in User.objects.filter(pk__in=ids["owner"])},
            "contact": {c.pk: str(c) for c in Contact.objects.filter(pk__in=ids["contact"])},
        }

    def label(self, name):
        if name in self.fields:
            return self.fields[name].label
        if name in FIELD_LABELS:
            return str(FIELD_LABELS[name])
        return name.removeprefix(FORM_PREFIX)

    def value(self, name, raw):
        if name in self.names:
            if not raw:
                return _("no owner") if name == "owner" else ""
            return self.names[name].get(int(raw), raw) if str(raw).isdigit() else raw
        if name == "priority":
            try:
                return str(Priority(int(raw)).label)
            except (TypeError, ValueError):
                return raw or ""
        if name == "callback_at":
            return (raw or "").replace("T", " ")
        if name in self.fields:
            return _display(self.fields[name], raw, self.choices[name])
        return ", ".join(raw) if isinstance(raw, list) else (raw or "")


def conflict_rows(case, fields, original, posted):
    """What the other user changed since this user's card was loaded: theirs next to yours."""
    if original is None:
        return []
    current = saved_values(case, value_fields(fields))
    kinds = kinds_of(fields)
    mine = set(changed_names(posted, original, kinds))
    names = list(HEADER_NAMES) + [n for n in current if n.startswith(FORM_PREFIX)]
    names += [n for n in original if n.startswith(FORM_PREFIX) and n not in current]
    show = _Displayer(fields, [current, original, posted])
    rows = []
    for name in names:
        if same_value(kinds.get(name), current.get(name), original.get(name)):
            continue
        yours = posted.get(name, original.get(name))
        rows.append(ConflictRow(name=name, label=show.label(name), theirs=show.value(name, current.get(name)),
                                yours=show.value(name, yours), both=name in mine))
    return rows


# --- the whole card ------------------------------------------------------------------------------------

def card_context(request, case, *, posted=None, original=None, version=None, errors=None, conflict=None,
                 outcome="", then="", restored=None, needs_campaign_confirm=False):
    """Everything the card template needs.

    posted: raw values to show instead of the saved ones (a failed save, a restored draft).
    original/version: what the user's card was loaded with (kept through failed saves and drafts,
    so the next save still knows what the user started from).
    """
    user = request.user
    fields = load_fields(case.campaign.script.form)
    saved = saved_values(case, value_fields(fields))
    values = dict(saved)
    values.update(posted or {})
    errors = errors or {}
    statuses = status_options(case)
    channels = channels_for(user)

    contact = case.contact
    if values.get("contact") and values["contact"] != str(case.contact_id):
        try:
            contact = get_contact_for_user(user, values["contact"])
        except Contact.DoesNotExist:
            values["contact"] = str(case.contact_id)
    prefetch_related_objects([contact], "phones", "emails")
    rows = form_rows(user, fields, values, errors, channels, statuses)
    selected_status = next((s for s in statuses if str(s.pk) == values["status"]), case.status)
    card_url = reverse("cases:card", args=[case.pk])
    form_tab_url = reverse("cases:form_tab", args=[case.pk])
    form = case.campaign.script.form
    editor_url = None
    if form is not None and can(user, "edit_forms"):
        editor_url = optional_url("campaigns:form_editor", form.pk)
    summary = []
    for name, messages in errors.items():
        for message in messages:
            if name.startswith(FORM_PREFIX) or name in ("__all__", "version"):
                summary.append((name, message))
            else:
                label = FIELD_LABELS.get(name, name)
                summary.append((name, f"{label}: {message}"))
    return {
        "case": case,
        "values": values,
        "original_json": json.dumps(original if original is not None else saved, ensure_ascii=False, sort_keys=True),
        "version": version if version is not None else case.version,
        "errors": errors,
        "error_summary": summary,
        "outcome": outcome,
        "then": then,
        "dirty": bool(errors or conflict is not None or restored),
        "restored": restored,
        "conflict": conflict,
        "needs_campaign_confirm": needs_campaign_confirm,
        "age": timesince(case.created_at, depth=1),
        "campaigns": campaign_options(user, case),
        "statuses": statuses,
        "selected_status": selected_status,
        "picked_callback": selected_status.callback_rule == CallbackRule.PICKED,
        "owners": owner_options(case),
        "priorities": [(str(value), label) for value, label in Priority.choices],
        "contact": contact,
        "contact_changed": contact.pk != case.contact_id,
        "contact_actions": template_exists(CONTACT_ACTIONS_TEMPLATE),
        "form": form,
        "rows": rows,
        "header_rows": [r for r in rows if r.field.in_header and r.kind != FormFieldKind.BUTTON],
        "channels": channels,
        "is_supervisor": user.is_supervisor,
        "card_url": card_url,
        "form_tab_url": form_tab_url,
        "editor_url": editor_url,
        "urls": {
            "contact_card": optional_url("contacts:card", contact.pk),
            "contact_create": optional_url("contacts:create"),
            "contact_suggest": optional_url("contacts:suggest"),
            "timeline": optional_url("activities:case_timeline", case.pk),
            "audit": optional_url("audit:list") if can(user, "view_audit") else None,
        },
        "tab_title": f"#{case.pk} {contact}",
    }


def draft_for(user, case):
    return CaseDraft.objects.filter(case=case, user=user).first()
