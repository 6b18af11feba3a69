"""Every change to a case goes through here: check, then do (audit, timeline, live event).

Views and the API parse input and call these; they never save a Case themselves.
"""

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from centrala.accounts.models import AGENT_ROLES
from centrala.accounts.permissions import (
    case_audience,
    get_campaign_for_user,
    get_case_for_user,
    visible_campaigns,
)
from centrala.activities.actions import record_info
from centrala.audit.actions import record
from centrala.campaigns.models import CallbackRule, FormFieldKind, Status, StatusType
from centrala.realtime.publish import publish

from .models import Case, CaseDraft, Priority, Source

# Fields a case update may change, and how users call them (for the timeline).
FIELD_LABELS = {
    "subject": gettext_lazy("Subject"),
    "source": gettext_lazy("Source"),
    "campaign": gettext_lazy("Campaign"),
    "status": gettext_lazy("Status"),
    "owner": gettext_lazy("Owner"),
    "priority": gettext_lazy("Priority"),
    "contact": gettext_lazy("Contact"),
    "callback_at": gettext_lazy("Callback due"),
    "is_spam": gettext_lazy("Spam"),
    "form_data": gettext_lazy("Form"),
}
UPDATABLE = frozenset(FIELD_LABELS)
# What a checkbox value may be when ticked (JSON true, an HTML input's value, a number).
CHECKED = (True, "true", "on", "1", 1)


class CaseConflict(Exception):
    """The case was saved by someone else since the version the user started from (CASE-11)."""

    def __init__(self, current, attempted):
        super().__init__(f"case {current.pk} is at version {current.version}")
        self.current = current
        self.attempted = attempted


def generated_subject(contact, campaign):
    """CASE-04: "First Last (Campaign name)"."""
    return f"{contact.display_name} ({campaign.name})"


def callback_due(status, *, picked=None, now=None):
    """The callback due time a status gives (STS-02), or None when it has none.

    picked: the time the agent chose, needed when the status lets the agent pick.
    """
    now = now or timezone.now()
    rule = status.callback_rule
    if rule == CallbackRule.RELATIVE:
        return now + timedelta(minutes=status.callback_minutes or 0)
    if rule == CallbackRule.ABSOLUTE:
        return status.callback_at
    if rule == CallbackRule.PICKED:
        if picked is None:
            raise ValidationError({"callback_at": _("Choose when to call back for status “%(status)s”.") % {"status": status.name}})
        return picked
    return None


def check_owner(owner, campaign=None):
    """CASE-07: only active agents and home agents own cases, and only cases of a campaign they
    are assigned to (directly or through a team): an owner must be able to see what they own.

    campaign: the campaign the case is (or will be) in; None checks only the role.
    """
    if owner is None:
        return
    if owner.role not in AGENT_ROLES or not owner.is_active:
        raise ValidationError({"owner": _("Only an active agent or home agent can own a case.")})
    if campaign is not None and not _assigned(owner, campaign):
        raise ValidationError({"owner": _("%(user)s is not assigned to the campaign “%(campaign)s”.") % {
            "user": owner, "campaign": campaign.name}})


def _assigned(user, campaign):
    return visible_campaigns(user).filter(pk=campaign.pk).exists()


def owner_by_id(raw):
    """The user `raw` names, if they may own cases (CASE-07); ValidationError otherwise."""
    from centrala.accounts.models import User

    try:
        owner = User.objects.get(pk=int(raw))
    except (User.DoesNotExist, TypeError, ValueError, OverflowError):
        raise ValidationError(_("Choose an owner.")) from None
    if owner.role not in AGENT_ROLES or not owner.is_active:
        raise ValidationError(_("Only an active agent or home agent can own cases."))
    return owner


def check_status(campaign, status):
    if status.script_id != campaign.script_id or not status.active:
        raise ValidationError({"status": _("This status does not belong to the campaign's script.")})


def check_private_callback_owner(status, owner):
    if status.type == StatusType.PRIVATE_CALLBACK and owner is None:
        raise ValidationError({"owner": _("A private callback needs an owner: the agent who calls back.")})


def _parse_value(field, value):
    """A form value as stored (JSON-safe), or ValidationError with the field's title."""
    if value in (None, "", []):
        return None
    kind = field.kind
    if kind in (FormFieldKind.TEXT, FormFieldKind.LONG_TEXT):
        return str(value)[: 10000 if kind == FormFieldKind.LONG_TEXT else 500]
    if kind == FormFieldKind.NUMBER:
        try:
            number = Decimal(str(value).replace(",", ".").strip())
        except InvalidOperation:
            raise ValidationError(_("“%(field)s” must be a number.") % {"field": field.label}) from None
        if not number.is_finite():
            raise ValidationError(_("“%(field)s” must be a number.") % {"field": field.label})
        # Plain notation: 7000 stays "7000" (normalize() alone would give "7E+3").
        return format(number.normalize(), "f")
    if kind == FormFieldKind.DATETIME:
        moment = value if isinstance(value, datetime) else parse_datetime(str(value))
        if moment is None:
            raise ValidationError(_("“%(field)s” must be a date and time.") % {"field": field.label})
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment.isoformat()
    if kind == FormFieldKind.CHECKBOX:
        return value in CHECKED
    if kind in (FormFieldKind.SINGLE_CHOICE, FormFieldKind.MULTI_CHOICE):
        keys = {c.key for c in field.choices.all()}
        chosen = value if isinstance(value, list) else [value]
        chosen = [str(v) for v in chosen]
        unknown = [v for v in chosen if v not in keys]
        if unknown:
            raise ValidationError(_("“%(field)s” has no choice “%(value)s”.") % {"field": field.label, "value": unknown[0]})
        if kind == FormFieldKind.SINGLE_CHOICE:
            if len(chosen) > 1:
                raise ValidationError(_("“%(field)s” takes one choice.") % {"field": field.label})
            return chosen[0]
        return chosen
    return None  # buttons hold no value


def clean_form_data(form, submitted, previous, *, by_agent=False):
    """Merge submitted values into the previous data and check them (FRM-01, CASE-09).

    Values of hidden fields and of fields no longer on the form are kept untouched: hiding a
    field must not lose data (a value submitted for a hidden field is ignored). A key that is no
    field of the form is refused, as contacts refuse an unknown further field. Required visible
    fields must have a value. by_agent: fields not editable by agents must keep their previous
    value (the card and the API both rely on this).
    """
    data = dict(previous or {})
    fields = list(form.fields.prefetch_related("choices")) if form is not None else []
    keys = {field.key for field in fields}
    errors = {
        f"form.{key}": [_("There is no form field “%(key)s”.") % {"key": str(key)[:50]}]
        for key in submitted if key not in keys
    }
    if form is None:
        if errors:
            raise ValidationError(errors)
        return data
    for field in fields:
        if field.hidden or field.kind == FormFieldKind.BUTTON or field.key not in submitted:
            continue
        try:
            value = _parse_value(field, submitted[field.key])
        except ValidationError as error:
            errors[f"form.{field.key}"] = error.messages
            continue
        if by_agent and not field.editable and (value or None) != (data.get(field.key) or None):
            errors[f"form.{field.key}"] = [_("“%(field)s” cannot be changed by agents.") % {"field": field.label}]
            continue
        if value is None or value is False and field.kind != FormFieldKind.CHECKBOX:
            data.pop(field.key, None)
        else:
            data[field.key] = value
    for field in fields:
        if field.required and not field.hidden and field.kind != FormFieldKind.BUTTON:
            if data.get(field.key) in (None, "", [], False) and f"form.{field.key}" not in errors:
                errors[f"form.{field.key}"] = [_("“%(field)s” is required.") % {"field": field.label}]
    if errors:
        raise ValidationError(errors)
    return data


def _display(field, value):
    if value is None or value == "":
        return ""
    if field == "priority":
        return Priority(value).label
    if field == "source":
        return Source(value).label
    if field == "is_spam":
        return _("yes") if value else _("no")
    if field == "callback_at" and value:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def _audience(case):
    return case_audience(case.campaign)


def _event_payload(case, actor, changed):
    return {
        "case_id": case.pk,
        "version": case.version,
        "changed": sorted(changed),
        "by_user_id": actor.pk if actor else None,
        "by_name": str(actor) if actor else "",
    }


def do_create_case(actor, *, campaign, contact, source=Source.OUTBOUND, owner=None, priority=Priority.LOW,
                   status=None, form_data=None, subject=None, callback_at=None, is_spam=False, check_access=True,
                   savepoint=True, audience=None):
    """Create a case (CASE-01). Agents may create cases only in campaigns assigned to them.

    is_spam: probable spam, created straight into the Spam list for review (BEY-03).
    savepoint=False: inside a transaction whose own savepoint covers a failure (incoming e-mail).
    audience: case_audience(campaign), when the caller read it already for many cases.
    """
    with transaction.atomic(savepoint=savepoint):
        if check_access:
            campaign = get_campaign_for_user(actor, campaign.pk)
        if not campaign.active:
            raise ValidationError({"campaign": _("The campaign “%(name)s” is not active.") % {"name": campaign.name}})
        script = campaign.script
        status = status or script.initial_status
        if status is None:
            raise ValidationError({"status": _("The campaign's script has no initial status.")})
        check_status(campaign, status)
        if owner is None and actor is not None and actor.is_authenticated and actor.role in AGENT_ROLES:
            owner = actor  # the agent who creates a case works it (and would own it on opening anyway)
        check_owner(owner, campaign)
        check_private_callback_owner(status, owner)
        if source not in Source.values:
            raise ValidationError({"source": _("Unknown source.")})
        if priority not in Priority.values:
            raise ValidationError({"priority": _("Unknown priority.")})
        data = clean_form_data(script.form, form_data or {}, {},
                               by_agent=getattr(actor, "role", None) in AGENT_ROLES) if form_data else {}
        # As do_update_case: the status's rule decides (STS-02). A given time is used only by a
        # status whose time the agent picks; relative and absolute rules compute their own, and
        # a status without a callback has none.
        callback_at = callback_due(status, picked=callback_at)
        subject = (subject or "").strip() or generated_subject(contact, campaign)
        by = actor if actor is not None and actor.is_authenticated else None
        case = Case.objects.create(
            subject=subject[:250], source=source, campaign=campaign, status=status, owner=owner,
            priority=priority, contact=contact, form_data=data, callback_at=callback_at, is_spam=bool(is_spam),
            created_by=by, updated_by=by,
        )
        changes = {
            "campaign": [None, campaign.name], "status": [None, status.name], "contact": [None, str(contact)],
            "owner": [None, str(owner) if owner else None], "source": [None, source],
        }
        if is_spam:
            changes["is_spam"] = [None, True]
        record(by, "case.create", case, changes)
        record_info(case, by, field="created", label=_("Case created"), new=Source(source).label)
        publish("case.created", _event_payload(case, by, ["created"]), **(audience or _audience(case)))
        return case


@transaction.atomic
def do_update_case(actor, case_id, *, base_version, changes, confirm_campaign_change=False):
    """Apply `changes` (field -> new value) to a case the actor can see, based on base_version.

    Raises Case.DoesNotExist (not visible), CaseConflict (someone saved since base_version) or
    ValidationError (with field keys; "campaign_change" when the campaign change needs confirming).
    Returns the saved case.
    """
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValidationError({field: _("This field cannot be changed.") for field in sorted(unknown)})
    case = get_case_for_user(actor, case_id, for_update=True)
    case = Case.objects.select_related("campaign__script__form", "status", "owner", "contact").get(pk=case.pk)
    try:
        base_version = int(base_version)
    except (TypeError, ValueError):
        raise ValidationError({"version": _("The version of the case you edited is missing.")}) from None
    if case.version != base_version:
        raise CaseConflict(case, changes)

    before = {field: getattr(case, field) for field in ("subject", "source", "campaign", "status", "owner",
                                                         "priority", "contact", "callback_at", "is_spam")}
    before["form_data"] = dict(case.form_data)
    campaign = changes.get("campaign", case.campaign)
    status = changes.get("status")
    if campaign.pk != case.campaign_id:
        campaign = get_campaign_for_user(actor, campaign.pk)
        if not campaign.active:
            raise ValidationError({"campaign": _("The campaign “%(name)s” is not active.") % {"name": campaign.name}})
        if not confirm_campaign_change:
            raise ValidationError(
                _("Changing the campaign sets its initial status and replaces the form: the form data will be lost."),
                code="campaign_change",
            )
        # CASE-06: the new campaign's initial status and form; the old form data goes.
        new_status = campaign.script.initial_status
        if new_status is None:
            raise ValidationError({"campaign": _("The campaign's script has no initial status.")})
        case.campaign, case.status, case.form_data, case.callback_at = campaign, new_status, {}, None
        status = None
        if "owner" not in changes and case.owner is not None and not _assigned(case.owner, campaign):
            case.owner = None  # CASE-07: an owner not assigned to the new campaign could not even see it
        changes = {k: v for k, v in changes.items() if k not in ("form_data", "status", "callback_at")}
    if "subject" in changes:
        subject = (changes["subject"] or "").strip()
        if not subject:
            raise ValidationError({"subject": _("The subject cannot be empty.")})
        case.subject = subject[:250]
    if "source" in changes:
        if changes["source"] not in Source.values:
            raise ValidationError({"source": _("Unknown source.")})
        case.source = changes["source"]
    if "priority" in changes:
        try:
            case.priority = Priority(int(changes["priority"]))
        except (TypeError, ValueError):
            raise ValidationError({"priority": _("Unknown priority.")}) from None
    if "owner" in changes:
        check_owner(changes["owner"], case.campaign)  # the campaign the case ends up in
        case.owner = changes["owner"]
    if "contact" in changes:
        case.contact = changes["contact"]
    if "is_spam" in changes:
        case.is_spam = bool(changes["is_spam"])
    if "form_data" in changes:
        form = case.campaign.script.form
        case.form_data = clean_form_data(form, changes["form_data"] or {}, case.form_data,
                                         by_agent=getattr(actor, "role", None) in AGENT_ROLES)
    if status is not None and status.pk != case.status_id:
        check_status(case.campaign, status)
        case.status = status
        case.callback_at = callback_due(status, picked=changes.get("callback_at"))
    elif "callback_at" in changes and case.status.callback_rule == CallbackRule.PICKED:
        if changes["callback_at"] is None:
            callback_due(case.status)  # a picked due time cannot be removed
        case.callback_at = changes["callback_at"]
    check_private_callback_owner(case.status, case.owner)

    after = {field: getattr(case, field) for field in before if field != "form_data"}
    after["form_data"] = case.form_data
    changed = [field for field in before if before[field] != after[field]]
    if not changed:
        return case
    if "callback_at" in changed:
        case.reminder_sent_at = None  # a new due time is announced again when it comes (cases.reminders)
    case.version = F("version") + 1
    case.updated_by = actor
    case.save()
    case.refresh_from_db(fields=["version", "updated_at"])

    audit_changes = {field: [_audit_value(before[field]), _audit_value(after[field])] for field in changed}
    audit_changes["version"] = [base_version, case.version]
    record(actor, "case.update", case, audit_changes)
    for field in changed:
        if field == "form_data":
            record_info(case, actor, field="form_data", label=FIELD_LABELS["form_data"],
                        new=", ".join(_changed_form_labels(case, before["form_data"], after["form_data"])))
        else:
            record_info(case, actor, field=field, label=FIELD_LABELS[field],
                        old=_display(field, before[field]), new=_display(field, after[field]))
    publish("case.updated", _event_payload(case, actor, changed), **_audience(case))
    return case


def _audit_value(value):
    if hasattr(value, "pk"):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _changed_form_labels(case, old, new):
    form = case.campaign.script.form
    labels = {f.key: f.label for f in form.fields.all()} if form else {}
    keys = sorted({k for k in set(old) | set(new) if old.get(k) != new.get(k)})
    return [labels.get(key, key) for key in keys]


@transaction.atomic
def do_claim_on_open(actor, case):
    """CASE-07: an agent who opens a case without an owner becomes its owner (first one wins)."""
    if actor.role not in AGENT_ROLES or case.owner_id is not None:
        return case
    claimed = Case.objects.filter(pk=case.pk, owner__isnull=True).update(
        owner=actor, version=F("version") + 1, updated_by=actor, updated_at=timezone.now()
    )
    case.refresh_from_db()
    if claimed:
        record(actor, "case.update", case, {"owner": [None, str(actor)], "version": [case.version - 1, case.version]})
        record_info(case, actor, field="owner", label=FIELD_LABELS["owner"], new=str(actor))
        publish("case.updated", _event_payload(case, actor, ["owner"]), **_audience(case))
    return case


def statuses_for(campaign):
    return list(Status.objects.filter(script_id=campaign.script_id, active=True))


# --- drafts (BEY-04) ---------------------------------------------------------------------------
# A user's unsaved edits of a case, kept while they type so a closed tab or a crash loses nothing.
# Private to the user and not a change of the case: no audit entry, no timeline, no event.

def do_save_draft(actor, case, *, data, base_version):
    draft, _created = CaseDraft.objects.update_or_create(
        case=case, user=actor, defaults={"data": data, "base_version": base_version}
    )
    return draft


def do_discard_draft(actor, case):
    CaseDraft.objects.filter(case=case, user=actor).delete()
