"""Cases over the API (CASE-01..13): list, read, create and change, with optimistic locking.

Every change goes through cases.actions (audit, timeline, live event). A case the caller may not
see is 404 whether it exists or not. A change based on an old `version` is 409 with the case as
it is now, so the client can show what the other person saved and try again.
"""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja import Status as Reply
from ninja.pagination import paginate

from centrala.accounts.models import User
from centrala.accounts.permissions import (
    check_can,
    get_campaign_for_user,
    get_case_for_user,
    get_contact_for_user,
    visible_cases,
)
from centrala.api.schemas import Pagination, problems
from centrala.campaigns.models import Campaign, Status, StatusType
from centrala.contacts.models import Contact, ContactKind

from . import actions
from .models import Case, Priority, Source

router = Router(tags=["cases"])

# Names used by cases.actions in its errors -> the names clients send.
_FIELD_NAMES = {"owner": "owner_id", "status": "status_id", "campaign": "campaign_id", "contact": "contact_id"}


# --- output ------------------------------------------------------------------------------------
# Schemas read the model objects directly (lists are paginated in the database).

class Ref(Schema):
    id: int
    name: str


class UserRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(user):
        return user.get_full_name() or user.username


class StatusOut(Schema):
    id: int
    name: str
    type: StatusType
    type_label: str
    colour: str
    is_callback: bool
    is_closed: bool

    @staticmethod
    def resolve_type_label(status):
        return str(status.get_type_display())


class ContactRef(Schema):
    id: int
    kind: ContactKind
    display_name: str


class ContactSummary(ContactRef):
    phones: list[str]
    emails: list[str]

    @staticmethod
    def resolve_phones(contact):
        return [phone.e164 or phone.raw for phone in contact.phones.all()]

    @staticmethod
    def resolve_emails(contact):
        return [email.address for email in contact.emails.all()]


class CaseListOut(Schema):
    id: int
    number: int
    subject: str
    source: Source
    priority: Priority
    campaign: Ref
    status: StatusOut
    owner: UserRef | None
    contact: ContactRef
    callback_at: datetime | None
    is_spam: bool
    created_at: datetime
    updated_at: datetime
    version: int

    @staticmethod
    def resolve_number(case):
        return case.pk


class CaseOut(CaseListOut):
    contact: ContactSummary
    form_data: dict[str, Any]
    created_by: UserRef | None
    updated_by: UserRef | None


class ConflictOut(Schema):
    detail: str
    current_version: int
    current: CaseOut


def _listed(queryset):
    return queryset.select_related("campaign", "status", "owner", "contact")


def _detailed(user, case_id):
    """The case with everything CaseOut shows, or Case.DoesNotExist (404) when not visible."""
    queryset = _listed(visible_cases(user)).select_related("created_by", "updated_by").prefetch_related(
        "contact__phones", "contact__emails"
    )
    try:
        return queryset.get(pk=int(case_id))
    except (Case.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Case.DoesNotExist(f"case {case_id!r} is not visible") from None


# --- input -------------------------------------------------------------------------------------

class CaseFilters(Schema):
    campaign: int | None = Field(None, description="Campaign id.")
    status: int | None = Field(None, description="Status id.")
    owner: str | None = Field(None, description="A user id, `me`, or `none` for cases without an owner.")
    contact: int | None = Field(None, description="Contact id.")
    q: str | None = Field(None, description="A case number (`123` or `#123`) or part of the subject.")
    is_spam: bool | None = None


class CaseIn(Schema):
    campaign_id: int
    contact_id: int
    owner_id: int | None = None
    priority: Priority = Priority.LOW
    source: Source = Source.OUTBOUND
    status_id: int | None = None
    form_data: dict[str, Any] | None = None
    subject: str | None = Field(None, max_length=250)
    callback_at: datetime | None = None


class CasePatch(Schema):
    version: int = Field(description="The version the change is based on (from GET).")
    subject: str | None = Field(None, max_length=250)
    source: Source | None = None
    status_id: int | None = None
    owner_id: int | None = Field(None, description="null removes the owner.")
    priority: Priority | None = None
    campaign_id: int | None = None
    confirm_campaign_change: bool = Field(False, description="Needed with campaign_id: the form data is lost.")
    contact_id: int | None = None
    form_data: dict[str, Any] | None = Field(None, description="Form values by field key; merged into the case's.")
    callback_at: datetime | None = None
    is_spam: bool | None = None


class StatusChange(Schema):
    status_id: int
    version: int
    callback_at: datetime | None = None


class OwnerChange(Schema):
    owner_id: int | None
    version: int


class CampaignChange(Schema):
    campaign_id: int
    version: int
    confirm: bool = False


def _invalid(field, message):
    return ValidationError({field: message})


def _no_campaign(campaign_id):
    return _invalid("campaign_id", _("No campaign with id %(id)s is visible to you.") % {"id": campaign_id})


def _campaign(user, campaign_id):
    try:
        return get_campaign_for_user(user, campaign_id)
    except Campaign.DoesNotExist:
        raise _no_campaign(campaign_id) from None


def _contact(user, contact_id):
    try:
        return get_contact_for_user(user, contact_id)
    except Contact.DoesNotExist:
        raise _invalid("contact_id", _("No contact with id %(id)s.") % {"id": contact_id}) from None


def _owner(owner_id):
    if owner_id is None:
        return None
    owner = User.objects.filter(pk=owner_id).first()
    if owner is None:
        raise _invalid("owner_id", _("No user with id %(id)s.") % {"id": owner_id})
    return owner


def _status(status_id):
    status = Status.objects.filter(pk=status_id).first()
    if status is None:
        raise _invalid("status_id", _("No status with id %(id)s.") % {"id": status_id})
    return status


def _api_names(error, confirm_flag="confirm_campaign_change"):
    """cases.actions' errors, keyed by the names the client sent."""
    if getattr(error, "code", None) == "campaign_change":
        message = _("%(reason)s Send “%(flag)s”: true to change the campaign anyway.") % {
            "reason": " ".join(error.messages), "flag": confirm_flag}
        return ValidationError({confirm_flag: message})
    if not hasattr(error, "error_dict"):
        return error
    renamed = {}
    for field, messages in error.message_dict.items():
        if field.startswith("form."):
            name = "form_data." + field[5:]
        else:
            name = _FIELD_NAMES.get(field, field)
        renamed[name] = messages
    return ValidationError(renamed)


def _check_visible(user, case_id):
    """404 for a case the caller may not see comes before any complaint about the body."""
    check_can(user, "work_cases")
    get_case_for_user(user, case_id)


def _update(request, case_id, version, changes, *, confirm=False, confirm_flag="confirm_campaign_change"):
    try:
        case = actions.do_update_case(request.auth, case_id, base_version=version, changes=changes,
                                      confirm_campaign_change=confirm)
    except actions.CaseConflict as conflict:
        current = _detailed(request.auth, conflict.current.pk)
        detail = _("Case #%(number)s was changed by someone else since version %(version)s; it is now at "
                   "version %(current)s. Reload it, then apply your change again.") % {
            "number": current.pk, "version": version, "current": current.version}
        return Reply(409, {"detail": detail, "current_version": current.version, "current": current})
    except ValidationError as error:
        raise _api_names(error, confirm_flag) from None
    return Reply(200, _detailed(request.auth, case.pk))


# --- endpoints ---------------------------------------------------------------------------------

@router.get(
    "/cases", response=list[CaseListOut], summary="List cases", openapi_extra=problems(403),
    description="Only cases the caller may see. Filters: `campaign`, `status`, `owner` (id, `me`, `none`), "
                "`contact`, `q` (number or part of the subject), `is_spam`. Newest first.",
)
@paginate(Pagination)
def list_cases(request, filters: Query[CaseFilters]):
    check_can(request.auth, "work_cases")
    queryset = visible_cases(request.auth)
    if filters.campaign is not None:
        queryset = queryset.filter(campaign_id=filters.campaign)
    if filters.status is not None:
        queryset = queryset.filter(status_id=filters.status)
    if filters.contact is not None:
        queryset = queryset.filter(contact_id=filters.contact)
    if filters.is_spam is not None:
        queryset = queryset.filter(is_spam=filters.is_spam)
    if filters.owner:
        owner = filters.owner.strip().lower()
        if owner == "me":
            queryset = queryset.filter(owner=request.auth)
        elif owner == "none":
            queryset = queryset.filter(owner__isnull=True)
        elif owner.isdigit():
            queryset = queryset.filter(owner_id=int(owner))
        else:
            raise _invalid("owner", _("owner is a user id, “me” or “none”."))
    q = (filters.q or "").strip()
    if q:
        number = q.lstrip("#").strip()
        match = Q(subject__icontains=q)
        if number.isdigit() and len(number) < 19:
            match |= Q(pk=int(number))
        queryset = queryset.filter(match)
    return _listed(queryset).order_by("-id")


@router.get("/cases/{case_id}", response=CaseOut, summary="One case", openapi_extra=problems(403, 404))
def get_case(request, case_id: int):
    check_can(request.auth, "work_cases")
    return _detailed(request.auth, case_id)


@router.post(
    "/cases", response={201: CaseOut}, summary="Create a case", openapi_extra=problems(403, 422),
    description="Agents create cases only in campaigns assigned to them and own what they create unless "
                "`owner_id` says otherwise; an owner must be an agent or home agent assigned to the campaign "
                "(directly or through a team). Without `status_id` the script's initial status is used. "
                "`callback_at` is used only by a status whose callback time the agent picks (and is needed "
                "then); other statuses compute their own due time or have none. `form_data` keys that are "
                "no field of the campaign's form are refused (422).",
)
def create_case(request, data: CaseIn):
    check_can(request.auth, "work_cases")
    campaign = _campaign(request.auth, data.campaign_id)
    contact = _contact(request.auth, data.contact_id)
    owner = _owner(data.owner_id)
    status = _status(data.status_id) if data.status_id is not None else None
    try:
        case = actions.do_create_case(
            request.auth, campaign=campaign, contact=contact, source=data.source, owner=owner,
            priority=data.priority, status=status, form_data=data.form_data, subject=data.subject,
            callback_at=data.callback_at,
        )
    except Campaign.DoesNotExist:
        raise _no_campaign(data.campaign_id) from None
    except ValidationError as error:
        raise _api_names(error) from None
    return Reply(201, _detailed(request.auth, case.pk))


_NOT_NULL = ("subject", "source", "status_id", "priority", "campaign_id", "contact_id", "form_data", "is_spam")


@router.patch(
    "/cases/{case_id}", response={200: CaseOut, 409: ConflictOut}, summary="Change a case",
    openapi_extra=problems(403, 404, 422),
    description="Send `version` and only the fields to change. 409 when the case changed since `version` "
                "(the answer holds the current case). Changing `campaign_id` needs "
                "`confirm_campaign_change: true` because the form data is lost (422 otherwise). `owner_id` "
                "must be an agent or home agent assigned to the case's campaign.",
)
def update_case(request, case_id: int, data: CasePatch):
    _check_visible(request.auth, case_id)
    sent = data.model_fields_set - {"version", "confirm_campaign_change"}
    empty = [field for field in _NOT_NULL if field in sent and getattr(data, field) is None]
    if empty:
        raise ValidationError({field: _("This field cannot be null.") for field in empty})
    changes = {}
    for field in ("subject", "source", "priority", "is_spam", "form_data", "callback_at"):
        if field in sent:
            changes[field] = getattr(data, field)
    if "status_id" in sent:
        changes["status"] = _status(data.status_id)
    if "owner_id" in sent:
        changes["owner"] = _owner(data.owner_id)
    if "campaign_id" in sent:
        changes["campaign"] = _campaign(request.auth, data.campaign_id)
    if "contact_id" in sent:
        changes["contact"] = _contact(request.auth, data.contact_id)
    return _update(request, case_id, data.version, changes, confirm=data.confirm_campaign_change)


@router.post(
    "/cases/{case_id}/status", response={200: CaseOut, 409: ConflictOut}, summary="Set the status",
    openapi_extra=problems(403, 404, 422),
    description="`callback_at` is needed for statuses whose callback time the agent picks.",
)
def set_status(request, case_id: int, data: StatusChange):
    _check_visible(request.auth, case_id)
    changes = {"status": _status(data.status_id)}
    if data.callback_at is not None:
        changes["callback_at"] = data.callback_at
    return _update(request, case_id, data.version, changes)


@router.post(
    "/cases/{case_id}/owner", response={200: CaseOut, 409: ConflictOut}, summary="Set or remove the owner",
    openapi_extra=problems(403, 404, 422),
)
def set_owner(request, case_id: int, data: OwnerChange):
    _check_visible(request.auth, case_id)
    return _update(request, case_id, data.version, {"owner": _owner(data.owner_id)})


@router.post(
    "/cases/{case_id}/campaign", response={200: CaseOut, 409: ConflictOut}, summary="Move to another campaign",
    openapi_extra=problems(403, 404, 422),
    description="Sets the new campaign's initial status and clears the form data: send `confirm: true`.",
)
def set_campaign(request, case_id: int, data: CampaignChange):
    _check_visible(request.auth, case_id)
    changes = {"campaign": _campaign(request.auth, data.campaign_id)}
    return _update(request, case_id, data.version, changes, confirm=data.confirm, confirm_flag="confirm")
