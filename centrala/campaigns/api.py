"""Campaigns over the API: the ones the caller works, with their script, statuses and form.

Agents and home agents see only campaigns assigned to them (directly or through a team);
any other campaign is 404, exactly like a campaign that does not exist.
"""

from datetime import datetime

from django.db.models import Prefetch
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from centrala.accounts.permissions import check_can, get_campaign_for_user, visible_campaigns
from centrala.api.schemas import Pagination, problems

from .models import CallbackRule, Campaign, FormChoice, FormField, FormFieldKind, Status, StatusType

router = Router(tags=["campaigns"])


class StatusOut(Schema):
    id: int
    name: str
    type: StatusType
    type_label: str
    colour: str
    active: bool
    position: int
    callback_rule: CallbackRule
    callback_minutes: int | None
    callback_at: datetime | None

    @staticmethod
    def resolve_type_label(status):
        return str(status.get_type_display())


class ChoiceOut(Schema):
    id: int
    key: str
    label: str
    hidden: bool
    position: int


class FieldOut(Schema):
    id: int
    key: str
    title: str
    kind: FormFieldKind
    hint: str
    required: bool
    hidden: bool
    position: int
    in_header: bool
    editable: bool
    is_phone: bool
    is_email: bool
    sets_status_id: int | None
    choices: list[ChoiceOut]

    @staticmethod
    def resolve_title(field):
        return field.label

    @staticmethod
    def resolve_hint(field):
        return field.help_text

    @staticmethod
    def resolve_choices(field):
        return list(field.choices.all())


class FormOut(Schema):
    id: int
    name: str
    version: int
    fields: list[FieldOut]

    @staticmethod
    def resolve_fields(form):
        return list(form.fields.all())


class ScriptRef(Schema):
    id: int
    name: str


class ScriptOut(ScriptRef):
    call_script: str
    initial_status_id: int | None

    @staticmethod
    def resolve_call_script(script):
        return script.description


class CampaignOut(Schema):
    id: int
    name: str
    description: str
    active: bool
    script: ScriptRef


class CampaignDetailOut(CampaignOut):
    script: ScriptOut
    statuses: list[StatusOut]
    form: FormOut | None

    @staticmethod
    def resolve_statuses(campaign):
        return list(campaign.script.statuses.all())

    @staticmethod
    def resolve_form(campaign):
        return campaign.script.form


class CampaignFilters(Schema):
    active: bool | None = None
    q: str | None = None


class StatusFilters(Schema):
    include_inactive: bool = False


def _detail(user, campaign_id):
    fields = FormField.objects.prefetch_related(Prefetch("choices", FormChoice.objects.order_by("position", "id")))
    queryset = visible_campaigns(user).select_related("script__form").prefetch_related(
        "script__statuses", Prefetch("script__form__fields", fields)
    )
    try:
        return queryset.get(pk=campaign_id)
    except Campaign.DoesNotExist:
        raise Campaign.DoesNotExist(f"campaign {campaign_id!r} is not visible") from None


@router.get(
    "", response=list[CampaignOut], summary="Campaigns the caller works", openapi_extra=problems(403),
    description="Agents get the campaigns assigned to them; supervisors get all. Filters: `active`, `q` (name).",
)
@paginate(Pagination)
def campaigns(request, filters: Query[CampaignFilters]):
    check_can(request.auth, "work_cases")
    queryset = visible_campaigns(request.auth).select_related("script")
    if filters.active is not None:
        queryset = queryset.filter(active=filters.active)
    if filters.q:
        queryset = queryset.filter(name__icontains=filters.q)
    return queryset.order_by("name", "pk")


@router.get(
    "/{campaign_id}", response=CampaignDetailOut, summary="A campaign with its script, statuses and form",
    openapi_extra=problems(403, 404),
    description="Every status (inactive ones flagged) and the whole form definition: fields in order with their "
                "choices; hidden fields and items are included and flagged. Case data is keyed by field `key`.",
)
def campaign(request, campaign_id: int):
    check_can(request.auth, "work_cases")
    return _detail(request.auth, campaign_id)


@router.get(
    "/{campaign_id}/statuses", response=list[StatusOut], summary="The statuses of a campaign's script",
    openapi_extra=problems(403, 404),
    description="Active statuses in order; `include_inactive=true` adds the inactive ones.",
)
def campaign_statuses(request, campaign_id: int, filters: Query[StatusFilters]):
    check_can(request.auth, "work_cases")
    campaign = get_campaign_for_user(request.auth, campaign_id)
    statuses = Status.objects.filter(script_id=campaign.script_id)
    if not filters.include_inactive:
        statuses = statuses.filter(active=True)
    return list(statuses.order_by("position", "id"))

