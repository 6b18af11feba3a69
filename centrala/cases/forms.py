"""Input of the case pages: the "+" form and what the case card posts.

The card posts every input as a raw value (what the browser sends: a string, or a sorted list of
strings for a multiple choice) together with the raw values the card was loaded with (`original`,
one JSON hidden input). A save applies only what differs from the original, so "keep mine" after
a conflict leaves alone the fields the other user changed and this user did not touch (CASE-11).
"""

import json
from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from centrala.accounts.models import AGENT_ROLES, User
from centrala.accounts.permissions import (
    campaign_agents,
    get_campaign_for_user,
    get_contact_for_user,
    visible_campaigns,
)
from centrala.campaigns.models import CallbackRule, Campaign, FormFieldKind
from centrala.contacts.models import Contact, ContactPhone
from centrala.lib.phones import looks_like_phone, to_e164

from .actions import CHECKED
from .models import Priority

HEADER_NAMES = ("subject", "campaign", "status", "callback_at", "owner", "priority", "contact")
FORM_PREFIX = "form."
# Inputs that steer a save; never values of the case.
CONTROL_NAMES = frozenset({"csrfmiddlewaretoken", "confirm_campaign_change", "keep_mine", "then"})
# A draft keeps what the user typed plus the version and original values it was typed against.
# The campaign is not kept: changing it saves at once (after a warning), it is never pending.
DRAFT_SKIP = CONTROL_NAMES | {"campaign"}
DRAFT_MAX_FIELDS = 400
DRAFT_MAX_CHARS = 200_000


# --- raw values --------------------------------------------------------------------------------

def local_input(moment):
    """A datetime as a datetime-local input shows it, in the current time zone."""
    if not moment:
        return ""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def parse_local_input(text):
    """What a datetime-local input posted, as an aware datetime; ValueError when unreadable."""
    text = (text or "").strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            moment = datetime.strptime(text, pattern)
        except ValueError:
            continue
        return timezone.make_aware(moment)
    raise ValueError(text)


def load_fields(form):
    """Every field of a form with its choices (two queries), or [] for no form."""
    if form is None:
        return []
    return list(form.fields.prefetch_related("choices"))


def value_fields(fields):
    """The fields that hold a value and appear on the card (buttons and hidden fields do not;
    hidden fields keep their data untouched)."""
    return [f for f in fields if f.kind != FormFieldKind.BUTTON and not f.hidden]


def stored_to_raw(field, value):
    """A value from Case.form_data as the card's input holds it."""
    kind = field.kind
    if kind == FormFieldKind.MULTI_CHOICE:
        if value in (None, ""):
            return []
        return sorted(str(v) for v in (value if isinstance(value, list) else [value]))
    if kind == FormFieldKind.CHECKBOX:
        return "true" if value in CHECKED else "false"
    if value is None:
        return ""
    if kind == FormFieldKind.DATETIME:
        from django.utils.dateparse import parse_datetime

        moment = parse_datetime(str(value))
        return local_input(moment) if moment else str(value)
    return str(value)


def saved_values(case, fields):
    """The raw value of every input of the card, as the case is saved now."""
    values = {
        "subject": case.subject,
        "campaign": str(case.campaign_id),
        "status": str(case.status_id),
        "callback_at": local_input(case.callback_at),
        "owner": str(case.owner_id or ""),
        "priority": str(case.priority),
        "contact": str(case.contact_id),
    }
    for field in fields:
        values[FORM_PREFIX + field.key] = stored_to_raw(field, case.form_data.get(field.key))
    return values


def kinds_of(fields):
    return {FORM_PREFIX + f.key: f.kind for f in fields}


def read_posted(data, fields):
    """The raw values of the inputs present in `data` (a QueryDict or MultiValueDict).

    Inputs the card did not send (disabled, or a form tab that was not shown) are absent, so
    they count as unchanged. Multiple choices and checkboxes come with a hidden marker input, so
    "all unticked" is told apart from "not sent".
    """
    values = {}
    for name in HEADER_NAMES:
        if name in data:
            values[name] = _text(data.get(name))
    for field in fields:
        name = FORM_PREFIX + field.key
        if name not in data:
            continue
        if field.kind == FormFieldKind.MULTI_CHOICE:
            values[name] = sorted({v for v in data.getlist(name) if v})
        elif field.kind == FormFieldKind.CHECKBOX:
            values[name] = "true" if "true" in data.getlist(name) else "false"
        else:
            values[name] = _text(data.get(name))
    return values


def _text(value):
    # Browsers post textarea line breaks as CRLF; store and compare them as LF.
    return str(value or "").replace("\r\n", "\n")


def parse_original(text):
    """The original values the card sent, or None when missing or malformed."""
    try:
        data = json.loads(text or "")
    except (TypeError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    clean = {}
    for name, value in data.items():
        if isinstance(value, list):
            clean[str(name)] = sorted(str(v) for v in value)
        elif value is None or isinstance(value, (str, int, float, bool)):
            clean[str(name)] = "" if value is None else str(value)
    return clean


def _normal(kind, value):
    if kind == FormFieldKind.MULTI_CHOICE or isinstance(value, list):
        return sorted(value or []) if isinstance(value, list) else ([value] if value else [])
    value = value or ""
    if kind == FormFieldKind.CHECKBOX and value == "false":
        return ""
    return value


def same_value(kind, a, b):
    return _normal(kind, a) == _normal(kind, b)


def changed_names(posted, original, kinds):
    """Inputs whose posted value differs from the value the card was loaded with."""
    return [name for name, value in posted.items() if not same_value(kinds.get(name), value, original.get(name))]


def _draft_name(name):
    if name in DRAFT_SKIP:
        return False
    return name in HEADER_NAMES or name in ("version", "original") or name.startswith(FORM_PREFIX)


def draft_payload(data):
    """What a draft keeps of a post: every input but the control ones, as lists of strings.

    Raises ValidationError when it is not a draft of a case card (too big, no version).
    """
    payload = {name: [_text(v) for v in data.getlist(name)] for name in data if _draft_name(name)}
    if len(payload) > DRAFT_MAX_FIELDS or sum(len(v) for values in payload.values() for v in values) > DRAFT_MAX_CHARS:
        raise ValidationError(_("The draft is too big to keep."), code="too_big")
    try:
        base_version = int(data.get("version", ""))
    except ValueError:
        raise ValidationError(_("The version of the case you edited is missing."), code="version") from None
    if base_version < 1:
        raise ValidationError(_("The version of the case you edited is missing."), code="version")
    return payload, base_version


# --- the card's changes ---------------------------------------------------------------------------

def card_changes(user, case, posted, names, *, statuses, owners, fields):
    """Turn the changed inputs into do_update_case changes, or errors keyed by input name.

    statuses/owners: what the card offered (so a value the card never showed is refused).
    """
    changes, errors, form_values = {}, {}, {}
    by_name = {FORM_PREFIX + f.key: f for f in fields}
    status_ids = {str(s.pk): s for s in statuses}
    owner_ids = {str(u.pk): u for u in owners}
    for name in names:
        value = posted[name]
        if name == "subject":
            changes["subject"] = value
        elif name == "campaign":
            try:
                changes["campaign"] = get_campaign_for_user(user, value)
            except Campaign.DoesNotExist:
                errors[name] = [_("Choose one of your campaigns.")]
        elif name == "status":
            if value in status_ids:
                changes["status"] = status_ids[value]
            else:
                errors[name] = [_("Choose a status of the case's campaign.")]
        elif name == "owner":
            if value == "":
                changes["owner"] = None
            elif value in owner_ids:
                changes["owner"] = owner_ids[value]
            else:
                errors[name] = [_("Choose an agent of the case's campaign, or no owner.")]
        elif name == "priority":
            try:
                changes["priority"] = Priority(int(value))
            except ValueError:
                errors[name] = [_("Choose a priority from the list.")]
        elif name == "contact":
            try:
                changes["contact"] = get_contact_for_user(user, value)
            except Contact.DoesNotExist:
                errors[name] = [_("That contact does not exist. Choose another one.")]
        elif name in by_name:
            # Fields agents may not edit are refused by cases.actions.clean_form_data.
            form_values[by_name[name].key] = value
    # Required fields are required for every save of the card (CASE-09), not only when the form
    # was touched: an empty form_data change still has its required fields checked.
    if form_values or any(name.startswith(FORM_PREFIX) for name in posted):
        changes["form_data"] = form_values

    # A status whose due time the agent picks needs the picked time (STS-02); any other status
    # computes its own, so the input is only read for a "picked" status.
    status = changes.get("status", case.status)
    if status.callback_rule == CallbackRule.PICKED and ("status" in changes or "callback_at" in names):
        try:
            changes["callback_at"] = parse_local_input(posted.get("callback_at"))
        except ValueError:
            errors["callback_at"] = [_("Enter the call-back time as a date and time.")]
    return changes, errors


# --- creating a case ("+") --------------------------------------------------------------------------

def find_contacts(user, text, limit=2):
    """Contacts matching what was typed: an id, a phone number in any format, or the exact name.

    The fallback when no suggestion was picked (no JavaScript, or typing faster than suggesting).
    """
    text = (text or "").strip().lstrip("#")
    if not text:
        return []
    from centrala.accounts.permissions import visible_contacts

    contacts = visible_contacts(user)
    if text.isdigit() and len(text) < 10:
        found = list(contacts.filter(pk=int(text))[:limit])
        if found:
            return found
    if looks_like_phone(text):
        e164 = to_e164(text)
        if e164:
            ids = ContactPhone.objects.filter(e164=e164).values("contact_id")
            return list(contacts.filter(pk__in=ids)[:limit])
    return list(contacts.filter(Q(display_name__iexact=text))[:limit])


class CaseCreateForm(forms.Form):
    campaign = forms.ModelChoiceField(
        label=gettext_lazy("Campaign"), queryset=Campaign.objects.none(), empty_label=gettext_lazy("Choose a campaign"),
        error_messages={"invalid_choice": gettext_lazy("Choose one of your active campaigns.")},
    )
    contact = forms.IntegerField(required=False, widget=forms.HiddenInput)
    contact_search = forms.CharField(label=gettext_lazy("Contact"), required=False, max_length=200)
    owner = forms.ModelChoiceField(
        label=gettext_lazy("Owner"), queryset=User.objects.none(), required=False, empty_label=gettext_lazy("No owner"),
        error_messages={"invalid_choice": gettext_lazy("Choose an agent of the campaign.")},
    )
    priority = forms.TypedChoiceField(
        label=gettext_lazy("Priority"), choices=Priority.choices, coerce=int, initial=Priority.LOW,
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.campaigns = list(visible_campaigns(user).filter(active=True).order_by("name"))
        self.agents = campaign_agents([c.pk for c in self.campaigns])
        self.fields["campaign"].queryset = visible_campaigns(user).filter(active=True)
        self.fields["owner"].queryset = User.objects.filter(pk__in=self.agents, is_active=True, role__in=AGENT_ROLES)
        if len(self.campaigns) == 1 and not self.is_bound:
            self.initial["campaign"] = self.campaigns[0].pk
        self.contact_obj = None

    def owner_options(self):
        """(user, "campaign ids") of every possible owner, for the owner list and its filter."""
        users = User.objects.filter(pk__in=self.agents).order_by("last_name", "first_name", "username")
        return [(u, " ".join(str(c) for c in sorted(self.agents[u.pk]))) for u in users]

    def clean(self):
        cleaned = super().clean()
        contact_id = cleaned.get("contact")
        if contact_id:
            try:
                self.contact_obj = get_contact_for_user(self.user, contact_id)
            except Contact.DoesNotExist:
                self.add_error("contact_search", _("That contact does not exist. Choose another one."))
        else:
            found = find_contacts(self.user, cleaned.get("contact_search"))
            if len(found) == 1:
                self.contact_obj = found[0]
            elif not (cleaned.get("contact_search") or "").strip():
                self.add_error("contact_search", _("Choose the contact the case is about, or add a new one."))
            else:
                self.add_error("contact_search", _("Pick the contact from the suggestions, or add a new one."))
        campaign, owner = cleaned.get("campaign"), cleaned.get("owner")
        if campaign and owner and campaign.pk not in self.agents.get(owner.pk, ()):
            self.add_error("owner", _("%(user)s is not assigned to the campaign “%(campaign)s”.") % {
                "user": owner, "campaign": campaign.name})
        return cleaned
