"""Contacts over the API: search, read, create, update (with the version) and GDPR consents."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from centrala.accounts.permissions import check_can, get_campaign_for_user, get_contact_for_user
from centrala.api.errors import error_response
from centrala.api.schemas import Pagination, problems
from centrala.campaigns.models import Campaign

from . import actions
from .models import ConsentChannel, ConsentType, Contact, ContactEmail, ContactKind, ContactPhone

router = Router(tags=["contacts"])


class PhoneOut(Schema):
    number: str  # as typed
    e164: str  # empty when what was typed is not a valid number (old imports)
    label: str


class EmailOut(Schema):
    address: str
    label: str


class ContactOut(Schema):
    id: int
    kind: ContactKind
    display_name: str
    first_name: str
    last_name: str
    company_name: str
    tax_id: str
    street: str
    postal_code: str
    city: str
    country: str
    phones: list[PhoneOut]
    emails: list[EmailOut]
    extra: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_phones(contact):
        return [{"number": p.raw, "e164": p.e164, "label": p.label} for p in contact.phones.all()]

    @staticmethod
    def resolve_emails(contact):
        return [{"address": e.address, "label": e.label} for e in contact.emails.all()]


class DuplicateOut(Schema):
    id: int
    display_name: str
    matched: list[str]


class ContactSavedOut(ContactOut):
    # Other contacts that already have one of this contact's numbers or addresses (a warning only).
    duplicates: list[DuplicateOut]


class PhoneIn(Schema):
    number: str
    label: str = ""


class EmailIn(Schema):
    address: str
    label: str = ""


class ContactIn(Schema):
    kind: ContactKind
    first_name: str = ""
    last_name: str = ""
    company_name: str = ""
    tax_id: str = ""
    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""
    phones: list[PhoneIn | str] = []
    emails: list[EmailIn | str] = []
    extra: dict[str, Any] = {}
    campaign_id: int | None = None


class ContactPatch(Schema):
    version: int
    kind: ContactKind | None = None
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    tax_id: str | None = None
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None
    phones: list[PhoneIn | str] | None = None
    emails: list[EmailIn | str] | None = None
    extra: dict[str, Any] | None = None


class ContactFilters(Schema):
    q: str | None = None


class ConsentStateOut(Schema):
    consent_type_id: int
    name: str
    granted: bool
    at: datetime | None
    channel: str
    note: str
    recorded_by: str | None


class ConsentEventOut(Schema):
    id: int
    consent_type_id: int
    consent_type: str
    granted: bool
    channel: ConsentChannel
    note: str
    at: datetime
    recorded_by_id: int | None
    recorded_by: str | None

    @staticmethod
    def resolve_consent_type(event):
        return event.consent_type.name

    @staticmethod
    def resolve_recorded_by(event):
        return str(event.recorded_by) if event.recorded_by else None


class ConsentsOut(Schema):
    current: list[ConsentStateOut]
    history: list[ConsentEventOut]


class ConsentIn(Schema):
    consent_type_id: int
    granted: bool
    channel: ConsentChannel = ConsentChannel.API
    note: str = ""


class ConsentChangeOut(ConsentsOut):
    changed: bool  # false: the consent already was in that state, nothing was recorded


def _with_numbers(queryset):
    return queryset.prefetch_related(
        Prefetch("phones", ContactPhone.objects.order_by("position", "id")),
        Prefetch("emails", ContactEmail.objects.order_by("position", "id")),
    )


def _contact(user, contact_id):
    contact = get_contact_for_user(user, contact_id)
    return _with_numbers(Contact.objects.filter(pk=contact.pk)).get()


def _items(items):
    return [item.dict() if isinstance(item, Schema) else item for item in items]


def _saved(contact, duplicates):
    contact.duplicates = [
        {"id": d.pk, "display_name": str(d), "matched": d.duplicate_reasons} for d in duplicates
    ]
    return contact


@router.get(
    "", response=list[ContactOut], summary="Search contacts", openapi_extra=problems(403),
    description=(
        "`q`: a name (every word must match), company or tax ID, a phone number in any format "
        "(\"+48 601-234-567\", \"601234567\", \"0048601234567\", or a part), an e-mail address or part, "
        "or an id (\"#123\" finds only that id). Without `q`, every contact."
    ),
)
@paginate(Pagination)
def contacts(request, filters: Query[ContactFilters]):
    check_can(request.auth, "work_cases")
    return _with_numbers(actions.search_contacts(request.auth, filters.q or ""))


@router.get("/{contact_id}", response=ContactOut, summary="One contact", openapi_extra=problems(403, 404))
def contact(request, contact_id: int):
    check_can(request.auth, "work_cases")
    return _contact(request.auth, contact_id)


@router.post(
    "", response={201: ContactSavedOut}, summary="Create a contact", openapi_extra=problems(403, 422),
    description=(
        "Phones and e-mails are lists of strings or of `{number|address, label}`. An invalid phone "
        "number or e-mail address is refused (422) with the field, e.g. `phones.1`. `extra` holds "
        "further fields by key. `campaign_id`: the campaign the contact is created for, whose "
        "required fields must then be given. `duplicates` lists contacts that already have one of "
        "the numbers or addresses: the contact is created anyway."
    ),
)
def create_contact(request, data: ContactIn):
    check_can(request.auth, "work_cases")
    campaign = None
    if data.campaign_id is not None:
        try:
            campaign = get_campaign_for_user(request.auth, data.campaign_id)
        except Campaign.DoesNotExist:
            raise ValidationError({"campaign_id": _("No such campaign.")}) from None
    fields = data.dict(exclude={"kind", "phones", "emails", "extra", "campaign_id"})
    phones, emails = _items(data.phones), _items(data.emails)
    actions.check_create_contact(request.auth, data.kind, phones=phones, emails=emails, extra=data.extra,
                                 campaign=campaign, **fields)
    duplicates = actions.find_duplicates(phones, emails)
    created = actions.do_create_contact(request.auth, data.kind, phones=phones, emails=emails, extra=data.extra,
                                        campaign=campaign, **fields)
    return Status(201, _saved(_contact(request.auth, created.pk), duplicates))


@router.patch(
    "/{contact_id}", response=ContactSavedOut, summary="Change a contact", openapi_extra=problems(403, 404, 409, 422),
    description=(
        "Send `version` (from the contact you read) and only the fields to change. `phones` and "
        "`emails` replace the lists; `extra` changes only the keys given (null clears one). "
        "409 when the contact was saved by someone else since that version; `kind` cannot change."
    ),
)
def update_contact(request, contact_id: int, data: ContactPatch):
    check_can(request.auth, "work_cases")
    current = _contact(request.auth, contact_id)
    changes = {key: value for key, value in data.dict(exclude_unset=True).items() if key != "version"}
    changes = {key: value for key, value in changes.items() if value is not None or key == "extra"}
    if changes.get("extra") is None:
        changes.pop("extra", None)
    for key in ("phones", "emails"):
        if key in changes:
            changes[key] = _items(getattr(data, key))
    duplicates = actions.find_new_duplicates(current, changes.get("phones", ()), changes.get("emails", ()))
    try:
        saved = actions.do_update_contact(request.auth, current, data.version, **changes)
    except actions.ContactConflict as conflict:
        return error_response(
            409,
            _("The contact was changed by someone else (it is now at version %(current)s, you sent %(sent)s). "
              "Read it again and re-apply your change.") % {"current": conflict.current.version, "sent": data.version},
            current_version=conflict.current.version,
        )
    return _saved(_contact(request.auth, saved.pk), duplicates)


def _consents_out(contact):
    history = actions.consent_history(contact)
    current = [
        {
            "consent_type_id": row["type"].pk, "name": row["type"].name, "granted": row["granted"], "at": row["at"],
            "channel": row["channel"], "note": row["note"], "recorded_by": str(row["by"]) if row["by"] else None,
        }
        for row in actions.current_consents(contact, history)
    ]
    return {"current": current, "history": history}


@router.get(
    "/{contact_id}/consents", response=ConsentsOut, summary="A contact's GDPR consents and their history",
    openapi_extra=problems(403, 404),
)
def consents(request, contact_id: int):
    check_can(request.auth, "work_cases")
    return _consents_out(get_contact_for_user(request.auth, contact_id))


@router.post(
    "/{contact_id}/consents", response={200: ConsentChangeOut, 201: ConsentChangeOut},
    summary="Record a consent granted or withdrawn", openapi_extra=problems(403, 404, 422),
    description="201 when the change was recorded; 200 with `changed: false` when the consent already was in that state.",
)
def set_consent(request, contact_id: int, data: ConsentIn):
    check_can(request.auth, "work_cases")
    contact = get_contact_for_user(request.auth, contact_id)
    consent_type = ConsentType.objects.filter(pk=data.consent_type_id).first()
    if consent_type is None:
        raise ValidationError({"consent_type_id": _("No such consent type.")})
    try:
        event = actions.do_set_consent(request.auth, contact, consent_type, data.granted, data.channel, data.note)
    except ValidationError as error:
        if hasattr(error, "error_dict") and "consent_type" in error.error_dict:
            raise ValidationError({"consent_type_id": error.error_dict["consent_type"]}) from None
        raise
    return Status(201 if event else 200, {**_consents_out(contact), "changed": event is not None})
