"""Every change to a contact goes through here: check, then do (and write the audit trail).

Views and the API parse input and call these; they never save a Contact themselves. Contacts are
shared by every campaign, so a change publishes no live event: case cards read the contact when
they render, and contact edits are guarded by the contact's own version (like cases, CASE-11).
"""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models import F, Q
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from centrala.accounts.models import AGENT_ROLES
from centrala.accounts.permissions import visible_campaign_ids, visible_contacts
from centrala.audit.actions import diff, record
from centrala.lib.phones import to_e164
from centrala.lib.text import fold

from .models import (
    ConsentChannel,
    ConsentEvent,
    ConsentType,
    Contact,
    ContactEmail,
    ContactField,
    ContactKind,
    ContactPhone,
    FieldKind,
)

PERSON_FIELDS = ("first_name", "last_name")
COMPANY_FIELDS = ("company_name", "tax_id")
ADDRESS_FIELDS = ("street", "postal_code", "city", "country")
BASIC_FIELDS = PERSON_FIELDS + COMPANY_FIELDS + ADDRESS_FIELDS
UPDATABLE = frozenset(BASIC_FIELDS) | {"kind", "phones", "emails", "extra"}
DUPLICATES_SHOWN = 10
TEXT_LIMIT, LONG_TEXT_LIMIT = 500, 10000


class ContactConflict(Exception):
    """The contact was saved by someone else since the version the user started from."""

    def __init__(self, current, attempted):
        super().__init__(f"contact {current.pk} is at version {current.version}")
        self.current = current
        self.attempted = attempted


def _by(actor):
    return actor if actor is not None and actor.is_authenticated else None


def is_agent(actor):
    return actor is not None and getattr(actor, "role", None) in AGENT_ROLES


# --- phones and e-mails ------------------------------------------------------------------------

def phone_items(phones):
    """(index, raw, label) for each non-blank item; items are strings or {"number", "label"}.

    The index is the item's place in the list as submitted, so errors point at the right row.
    """
    for index, item in enumerate(phones or ()):
        if isinstance(item, dict):
            raw, label = item.get("number") or item.get("raw") or "", item.get("label") or ""
        else:
            raw, label = item, ""
        raw, label = str(raw or "").strip(), str(label or "").strip()
        if raw:
            yield index, raw, label


def email_items(emails):
    """(index, address, label) for each non-blank item; items are strings or {"address", "label"}."""
    for index, item in enumerate(emails or ()):
        if isinstance(item, dict):
            address, label = item.get("address") or "", item.get("label") or ""
        else:
            address, label = item, ""
        address, label = str(address or "").strip(), str(label or "").strip()
        if address:
            yield index, address, label


def clean_phones(phones, *, kept_as_typed=frozenset()):
    """[{"raw", "e164", "label"}] and {"phones.<index>": message} for the numbers that are refused.

    kept_as_typed: numbers already stored without a valid E.164 form (old imports): they stay
    as they are rather than blocking every later edit of the contact.
    """
    cleaned, errors, seen = [], {}, {}
    for index, raw, label in phone_items(phones):
        key = f"phones.{index}"
        e164 = to_e164(raw)
        if len(raw) > ContactPhone._meta.get_field("raw").max_length:
            errors[key] = _("“%(number)s” is too long for a phone number.") % {"number": raw[:50]}
        elif e164 is None and raw not in kept_as_typed:
            errors[key] = _(
                "“%(number)s” is not a valid phone number. Type it with the area or country code, "
                "e.g. 601 234 567 or +49 30 1234567."
            ) % {"number": raw}
        elif (e164 or raw) in seen:
            errors[key] = _("“%(number)s” is the same number as “%(other)s”.") % {
                "number": raw, "other": seen[e164 or raw],
            }
        else:
            seen[e164 or raw] = raw
            cleaned.append({"raw": raw, "e164": e164 or "", "label": label[:40]})
    return cleaned, errors


def clean_emails(emails):
    """[{"address", "label"}] and {"emails.<index>": message} for the addresses that are refused."""
    cleaned, errors, seen = [], {}, {}
    for index, address, label in email_items(emails):
        key = f"emails.{index}"
        try:
            validate_email(address)
        except ValidationError:
            errors[key] = _("“%(address)s” is not a valid e-mail address.") % {"address": address[:100]}
            continue
        if address.lower() in seen:
            errors[key] = _("“%(address)s” is already listed.") % {"address": address}
            continue
        seen[address.lower()] = address
        cleaned.append({"address": address, "label": label[:40]})
    return cleaned, errors


# --- further fields (SCC-05) ------------------------------------------------------------------------

def applicable_fields(campaign_ids=()):
    """Fields shown for a contact worked in these campaigns: system-wide ones and theirs."""
    return list(
        ContactField.objects.filter(Q(campaign__isnull=True) | Q(campaign_id__in=list(campaign_ids)))
        .select_related("campaign")
    )


def may_edit_field(actor, field):
    return field.visible and (field.editable_by_agents or not is_agent(actor))


def contact_campaign_ids(actor, contact):
    """Campaigns of the contact's cases that `actor` may see (all of them for the system)."""
    from centrala.cases.models import Case

    ids = set(Case.objects.filter(contact=contact).order_by().values_list("campaign_id", flat=True).distinct())
    if actor is None:
        return ids
    return ids & visible_campaign_ids(actor)


def parse_field_value(field, value):
    """A further field's value as stored (JSON-safe), None for empty, or ValidationError."""
    if field.kind == FieldKind.CHECKBOX:
        return value in (True, "true", "True", "on", "1", 1)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    label = {"field": field.label}
    if field.kind in (FieldKind.TEXT, FieldKind.LONG_TEXT):
        text = str(value).strip()
        limit = LONG_TEXT_LIMIT if field.kind == FieldKind.LONG_TEXT else TEXT_LIMIT
        if len(text) > limit:
            raise ValidationError(_("“%(field)s” is too long (at most %(limit)s characters).") % {**label, "limit": limit})
        if field.is_phone and to_e164(text) is None:
            raise ValidationError(_("“%(field)s”: “%(number)s” is not a valid phone number.") % {**label, "number": text})
        if field.is_email:
            try:
                validate_email(text)
            except ValidationError:
                raise ValidationError(_("“%(field)s”: “%(address)s” is not a valid e-mail address.") % {**label, "address": text}) from None
        return text
    if field.kind == FieldKind.NUMBER:
        try:
            number = Decimal(str(value).replace(",", ".").replace(" ", "").strip())
        except InvalidOperation:
            raise ValidationError(_("“%(field)s” must be a number.") % label) from None
        if not number.is_finite():
            raise ValidationError(_("“%(field)s” must be a number.") % label)
        # Fixed-point: normalize() alone would store 7000 as "7E+3".
        return format(number.normalize(), "f")
    if field.kind == FieldKind.DATE:
        day = value if isinstance(value, date) else parse_date(str(value).strip())
        if day is None:
            raise ValidationError(_("“%(field)s” must be a date (YYYY-MM-DD).") % label)
        return day.isoformat()
    if field.kind == FieldKind.CHOICE:
        text = str(value).strip()
        if text not in (field.choices or []):
            raise ValidationError(_("“%(field)s” has no choice “%(value)s”.") % {**label, "value": text[:100]})
        return text
    raise ValidationError(_("“%(field)s” cannot hold a value.") % label)


def clean_extra(actor, submitted, previous, campaign_ids, *, required=True):
    """Merge submitted further-field values into the previous ones and check them.

    Values of fields the actor may not change (hidden, or not editable by agents) must come back
    unchanged; values of fields no longer defined are kept, so nothing typed is ever lost.
    A field of one campaign applies only when that campaign is among campaign_ids (the campaigns
    the contact is worked in, or created for); for the contact, any other campaign's field does
    not exist. required=False skips the required-field rule (a contact made from an e-mail,
    which the agent completes later).
    """
    data = dict(previous or {})
    errors = {}
    submitted = submitted or {}
    if not isinstance(submitted, dict):
        raise ValidationError({"extra": _("Further fields must be given as an object of key: value.")})
    campaign_ids = set(campaign_ids or ())
    defined = {f.key: f for f in ContactField.objects.filter(key__in=list(submitted))} if submitted else {}
    for key, value in submitted.items():
        field = defined.get(key)
        if field is not None and field.campaign_id is not None and field.campaign_id not in campaign_ids:
            field = None  # another campaign's field (SCC-05)
        if field is None:
            errors[f"extra.{key}"] = _("There is no contact field “%(key)s”.") % {"key": str(key)[:50]}
            continue
        try:
            parsed = parse_field_value(field, value)
        except ValidationError as error:
            errors[f"extra.{key}"] = error.messages[0]
            continue
        if parsed == data.get(key) or (parsed in (None, False) and key not in data):
            continue
        if not may_edit_field(actor, field):
            errors[f"extra.{key}"] = _("You may not change “%(field)s”.") % {"field": field.label}
            continue
        if parsed is None:
            data.pop(key, None)
        else:
            data[key] = parsed
    for field in applicable_fields(campaign_ids) if required else ():
        if field.required and may_edit_field(actor, field) and f"extra.{field.key}" not in errors:
            if data.get(field.key) in (None, "", False):
                errors[f"extra.{field.key}"] = _("“%(field)s” is required.") % {"field": field.label}
    return data, errors


# --- checking a whole contact ---------------------------------------------------------------------

def clean_contact(actor, *, kind, values, phones, emails, extra, previous_extra=None, campaign_ids=(),
                  kept_as_typed=frozenset(), required=True):
    """Check everything a contact is saved with; returns the cleaned parts or raises
    ValidationError keyed by field ("first_name", "phones.1", "emails.0", "extra.<key>")."""
    errors = {}
    if kind not in ContactKind.values:
        errors["kind"] = _("Choose whether the contact is a person or a company.")
    cleaned_values = {}
    for name in BASIC_FIELDS:
        text = str(values.get(name) or "").strip()
        limit = Contact._meta.get_field(name).max_length
        if len(text) > limit:
            errors[name] = _("At most %(limit)s characters.") % {"limit": limit}
        cleaned_values[name] = text
    cleaned_phones, phone_errors = clean_phones(phones, kept_as_typed=kept_as_typed)
    cleaned_emails, email_errors = clean_emails(emails)
    cleaned_extra, extra_errors = clean_extra(actor, extra, previous_extra, campaign_ids, required=required)
    errors.update(phone_errors)
    errors.update(email_errors)
    errors.update(extra_errors)
    if kind == ContactKind.COMPANY and not cleaned_values["company_name"] and "company_name" not in errors:
        errors["company_name"] = _("Enter the company name.")
    if kind == ContactKind.PERSON and not (
        cleaned_values["first_name"] or cleaned_values["last_name"] or list(phone_items(phones))
        or list(email_items(emails))
    ):
        errors["last_name"] = _("Enter a name, a phone number or an e-mail address.")
    if errors:
        raise ValidationError(errors)
    return {"values": cleaned_values, "phones": cleaned_phones, "emails": cleaned_emails, "extra": cleaned_extra}


def _state(contact, phones, emails):
    """What the audit trail compares: plain fields, numbers and addresses, further fields."""
    state = {name: getattr(contact, name) for name in ("kind", *BASIC_FIELDS)}
    state["phones"] = [p["raw"] if isinstance(p, dict) else p.raw for p in phones]
    state["emails"] = [e["address"] if isinstance(e, dict) else e.address for e in emails]
    for key, value in (contact.extra or {}).items():
        state[f"extra.{key}"] = value
    return state


def _write_phones(contact, phones):
    ContactPhone.objects.bulk_create(
        ContactPhone(contact=contact, raw=p["raw"], e164=p["e164"], label=p["label"], position=i)
        for i, p in enumerate(phones)
    )


def _write_emails(contact, emails):
    # bulk_create skips save(), which is where address_key is usually derived.
    ContactEmail.objects.bulk_create(
        ContactEmail(contact=contact, address=e["address"], address_key=e["address"].lower(), label=e["label"], position=i)
        for i, e in enumerate(emails)
    )


def check_create_contact(actor, kind, *, phones=(), emails=(), extra=None, campaign=None, required=True, **fields):
    """What do_create_contact would refuse, without saving: the cleaned parts, or ValidationError."""
    unknown = set(fields) - set(BASIC_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    return clean_contact(
        actor, kind=kind, values=fields, phones=phones, emails=emails, extra=extra or {},
        campaign_ids=[campaign.pk] if campaign is not None else [], required=required,
    )


def do_create_contact(actor, kind, *, phones=(), emails=(), extra=None, campaign=None, required=True, savepoint=True,
                      **fields):
    """Create a person or a company (CON-01). campaign: the campaign the contact is created for
    (e.g. from a case card), whose required further fields must then be filled in; required=False
    for a contact that arrives incomplete by itself (a new e-mail sender) and is completed later.

    savepoint=False: inside a transaction whose own savepoint covers a failure (incoming e-mail).
    """
    with transaction.atomic(savepoint=savepoint):
        cleaned = check_create_contact(actor, kind, phones=phones, emails=emails, extra=extra, campaign=campaign,
                                       required=required, **fields)
        by = _by(actor)
        contact = Contact(kind=kind, extra=cleaned["extra"], created_by=by, **cleaned["values"])
        contact.save()
        _write_phones(contact, cleaned["phones"])
        _write_emails(contact, cleaned["emails"])
        after = _state(contact, cleaned["phones"], cleaned["emails"])
        record(by, "contact.create", contact, diff({}, {k: v for k, v in after.items() if v not in ("", [], None)}))
        return contact


@transaction.atomic
def do_update_contact(actor, contact, base_version, **changes):
    """Apply changes (basic fields; phones and emails replace the lists; extra merges) to a
    contact, based on the version the user started from.

    Raises ContactConflict when someone saved since base_version, ValidationError otherwise.
    The kind never changes (CON-01). Returns the saved contact.
    """
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in sorted(unknown)})
    try:
        base_version = int(base_version)
    except (TypeError, ValueError):
        raise ValidationError({"version": _("The version of the contact you edited is missing.")}) from None
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    if locked.version != base_version:
        raise ContactConflict(locked, changes)
    if "kind" in changes and changes["kind"] != locked.kind:
        raise ValidationError({"kind": _("Whether a contact is a person or a company is fixed when it is created.")})

    old_phones, old_emails = list(locked.phones.all()), list(locked.emails.all())
    values = {name: changes.get(name, getattr(locked, name)) for name in BASIC_FIELDS}
    phones = changes["phones"] if "phones" in changes else [{"number": p.raw, "label": p.label} for p in old_phones]
    emails = changes["emails"] if "emails" in changes else [{"address": e.address, "label": e.label} for e in old_emails]
    cleaned = clean_contact(
        actor, kind=locked.kind, values=values, phones=phones, emails=emails, extra=changes.get("extra") or {},
        previous_extra=locked.extra, campaign_ids=contact_campaign_ids(actor, locked),
        kept_as_typed={p.raw for p in old_phones if not p.e164},
    )
    before = _state(locked, old_phones, old_emails)
    for name, value in cleaned["values"].items():
        setattr(locked, name, value)
    locked.extra = cleaned["extra"]
    after = _state(locked, cleaned["phones"], cleaned["emails"])
    phones_changed = [(p.raw, p.e164, p.label) for p in old_phones] != [
        (p["raw"], p["e164"], p["label"]) for p in cleaned["phones"]
    ]
    emails_changed = [(e.address, e.label) for e in old_emails] != [(e["address"], e["label"]) for e in cleaned["emails"]]
    changed = diff(before, after)
    if not changed and not phones_changed and not emails_changed:
        return locked
    locked.version = F("version") + 1
    locked.save(update_fields=[*BASIC_FIELDS, "extra", "version", "updated_at"])
    locked.refresh_from_db(fields=["version", "updated_at", "display_name"])
    if phones_changed:
        locked.phones.all().delete()
        _write_phones(locked, cleaned["phones"])
    if emails_changed:
        locked.emails.all().delete()
        _write_emails(locked, cleaned["emails"])
    record(_by(actor), "contact.update", locked, {**changed, "version": [base_version, locked.version]})
    return locked


# --- duplicates -----------------------------------------------------------------------------------

def find_duplicates(phones=(), emails=(), exclude=None, limit=DUPLICATES_SHOWN):
    """Contacts that already have one of these phone numbers (compared in E.164) or e-mail
    addresses (compared without case). Each carries `duplicate_reasons`: what matched."""
    numbers = {e164 for _i, raw, _l in phone_items(phones) if (e164 := to_e164(raw))}
    keys = {address.lower() for _i, address, _l in email_items(emails)}
    if not numbers and not keys:
        return []
    matches = Contact.objects.filter(
        Q(pk__in=ContactPhone.objects.filter(e164__in=numbers).values("contact_id"))
        | Q(pk__in=ContactEmail.objects.filter(address_key__in=keys).values("contact_id"))
    )
    if exclude is not None:
        matches = matches.exclude(pk=getattr(exclude, "pk", exclude))
    found = list(matches.prefetch_related("phones", "emails").order_by("display_name", "pk")[:limit])
    for contact in found:
        contact.duplicate_reasons = [p.display for p in contact.phones.all() if p.e164 in numbers] + [
            e.address for e in contact.emails.all() if e.address_key in keys
        ]
    return found


def find_new_duplicates(contact, phones=(), emails=()):
    """Like find_duplicates for an edited contact, but only for numbers and addresses it does not
    have yet: a duplicate the user already accepted is not reported on every later save."""
    stored_numbers = {p.e164 for p in contact.phones.all() if p.e164}
    stored_keys = {e.address_key for e in contact.emails.all()}
    new_phones = [raw for _i, raw, _l in phone_items(phones) if to_e164(raw) not in stored_numbers]
    new_emails = [address for _i, address, _l in email_items(emails) if address.lower() not in stored_keys]
    return find_duplicates(new_phones, new_emails, exclude=contact)


# --- consents (GDPR) ------------------------------------------------------------------------------

def _latest_events(events):
    latest = {}
    for event in events:  # newest first
        latest.setdefault(event.consent_type_id, event)
    return latest


@transaction.atomic
def do_set_consent(actor, contact, consent_type, granted, channel, note=""):
    """Record that the contact granted or withdrew a consent, and how. History is kept forever:
    an event is appended only when the state changes. Returns the new event or None."""
    if not consent_type.active:
        raise ValidationError({"consent_type": _("The consent “%(name)s” is no longer in use.") % {"name": consent_type.name}})
    if channel not in ConsentChannel.values:
        raise ValidationError({"channel": _("Choose how the consent was given or withdrawn.")})
    note = (note or "").strip()
    if len(note) > ConsentEvent._meta.get_field("note").max_length:
        raise ValidationError({"note": _("The note is too long (at most 300 characters).")})
    granted = bool(granted)
    # One writer per contact at a time, so two clicks cannot both append the same change.
    Contact.objects.select_for_update().filter(pk=contact.pk).first()
    latest = ConsentEvent.objects.filter(contact=contact, consent_type=consent_type).order_by("-at", "-id").first()
    if (latest.granted if latest else False) == granted:
        return None
    by = _by(actor)
    event = ConsentEvent.objects.create(
        contact=contact, consent_type=consent_type, granted=granted, channel=channel, note=note, recorded_by=by,
    )
    record(by, "contact.consent", contact, {
        f"consent.{consent_type.name}": [latest.granted if latest else None, granted],
        "channel": channel, **({"note": note} if note else {}),
    })
    return event


def consent_history(contact):
    """Every grant and withdrawal, newest first, with who recorded it."""
    return list(contact.consent_events.select_related("consent_type", "recorded_by").order_by("-at", "-id"))


def current_consents(contact, history=None):
    """Per active consent type: whether it is granted now, and when, by whom and how."""
    history = consent_history(contact) if history is None else history
    latest = _latest_events(history)
    rows = []
    for consent_type in ConsentType.objects.filter(active=True):
        event = latest.get(consent_type.pk)
        rows.append({
            "type": consent_type,
            "granted": bool(event and event.granted),
            "at": event.at if event else None,
            "by": event.recorded_by if event else None,
            "channel": event.channel if event else "",
            "channel_label": event.get_channel_display() if event else "",
            "note": event.note if event else "",
            "event": event,
        })
    return rows


# --- search ---------------------------------------------------------------------------------------

PHONE_CHARACTERS = re.compile(r"^[\d\s\-().+/]+$")


def contact_match(text, *, contact_id=None):
    """The condition for contacts matching free text: every word of the name (folded), a phone
    number in any format ("+48 601-234-567", "601234567", "0048601234567", part of one), an
    e-mail address or part of one; also the id when contact_id is given.

    Each branch rides an index (trigram indexes on PostgreSQL for the "contains" ones), and the
    branches are combined as a UNION of ids rather than OR: an OR over a subquery makes
    PostgreSQL scan every contact (300 ms at 300,000 contacts instead of 30 ms)."""
    words = Q()
    for word in fold(text).split():
        words &= Q(search_key__contains=word)
    branches = [Contact.objects.filter(words).values("pk")]
    if contact_id is not None:
        branches.append(Contact.objects.filter(pk=contact_id).values("pk"))
    digits = re.sub(r"\D", "", text)
    if PHONE_CHARACTERS.match(text) and len(digits) >= 3:
        if digits.startswith("00"):
            digits = digits[2:]
        numbers = Q(e164__contains=digits)
        if e164 := to_e164(text):
            numbers |= Q(e164=e164)
        branches.append(ContactPhone.objects.filter(numbers).values("contact_id"))
    if len(text) >= 3 and " " not in text:
        branches.append(ContactEmail.objects.filter(address_key__contains=text.lower()).values("contact_id"))
    ids = branches[0].union(*branches[1:]) if len(branches) > 1 else branches[0]
    return Q(pk__in=ids)


def search_contacts(user, q):
    """Contacts `user` may see that match q (see contact_match), or an id ("#123", "123").
    "#123" means the id only. An empty q matches every visible contact."""
    contacts = visible_contacts(user)
    text = " ".join((q or "").split())[:200]
    if not text:
        return contacts
    bare = text[1:].strip() if text.startswith("#") else text
    contact_id = int(bare) if bare.isdigit() and len(bare) <= 18 else None
    if text.startswith("#") and contact_id is not None:
        return contacts.filter(pk=contact_id)
    found = contacts.filter(contact_match(text, contact_id=contact_id))
    if contact_id is not None:
        # The contact with exactly this id first, then by name.
        found = found.annotate(
            id_rank=models.Case(
                models.When(pk=contact_id, then=models.Value(0)), default=models.Value(1),
                output_field=models.IntegerField(),
            )
        ).order_by("id_rank", "display_name", "pk")
    return found
