"""Bulk action on contacts (BULK-01, CON-06): create a case for each selected contact in a campaign.

A BulkJob (action "create_cases") like the bulk actions on cases (centrala.cases.bulk): checked
as a whole by create_job, run by run_job — in the request for small selections, as a background
task for large ones — in chunks, each in its own transaction. The cases are created set-based
with the rules of cases.actions.do_create_case: only in an active campaign the user is assigned
to, with its script's initial status (and that status's callback due time), the subject
"First Last (Campaign)", source "outbound campaign", the owner an active agent (an agent who
creates cases owns them), one audit entry and one timeline entry per case, and one live event
per chunk. Contacts that already have an open case in the campaign can be skipped (counted as
"already so"); ids of contacts that do not exist are refused with the reason.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.tasks import task
from django.utils.translation import gettext as _
from django.utils.translation import override

from centrala.accounts.models import AGENT_ROLES
from centrala.accounts.permissions import (
    can,
    case_audience,
    get_campaign_for_user,
    visible_campaign_ids,
    visible_contacts,
)
from centrala.activities.models import Activity, ActivityKind
from centrala.audit.models import AuditEntry
from centrala.cases.actions import check_private_callback_owner, owner_by_id
from centrala.campaigns.models import CLOSED_TYPES, CallbackRule, Campaign, Status, StatusType
from centrala.realtime.publish import publish
from centrala.worklists import jobs
from centrala.worklists.models import BulkJob, BulkState

ACTION = "create_cases"
CHUNK = 500
INLINE_MAX = 100  # selections up to this size run in the request; larger ones in the background
MAX_IDS = 1_000_000


# --- checking the job as a whole ------------------------------------------------------------------

def clean_params(actor, params):
    """{"campaign": id, "owner": id or None, "skip_open": bool} from what the user chose, or
    ValidationError (a message for the user) / PermissionDenied (a right the user lacks)."""
    if not can(actor, "bulk_edit_cases"):
        raise PermissionDenied("bulk_edit_cases")
    params = params or {}
    campaign = _campaign(actor, params.get("campaign"))
    status = campaign.script.initial_status
    owner = None
    raw = params.get("owner")
    if raw not in (None, "", "none"):
        owner = owner_by_id(raw)
        if owner.pk != actor.pk and not can(actor, "assign_cases"):
            raise PermissionDenied(_("Only managers can give cases to someone else."))
        if campaign.pk not in visible_campaign_ids(owner):
            raise ValidationError(_("%(user)s is not assigned to the campaign “%(campaign)s”.")
                                  % {"user": owner, "campaign": campaign.name})
    elif actor.role in AGENT_ROLES:
        owner = actor  # as do_create_case: the agent who creates a case works it
    check_private_callback_owner(status, owner)
    return {"campaign": campaign.pk, "owner": owner.pk if owner else None, "skip_open": bool(params.get("skip_open"))}


def _campaign(actor, raw):
    """A campaign the actor may create cases in: assigned to them (or any, for managers), active,
    with an initial status whose callback time needs no picking."""
    try:
        campaign = get_campaign_for_user(actor, raw)
    except Campaign.DoesNotExist:
        raise ValidationError(_("Choose a campaign you work in.")) from None
    campaign = Campaign.objects.select_related("script__initial_status").get(pk=campaign.pk)
    if not campaign.active:
        raise ValidationError(_("The campaign “%(name)s” is not active.") % {"name": campaign.name})
    status = campaign.script.initial_status
    if status is None:
        raise ValidationError(_("The campaign's script has no initial status."))
    if status.callback_rule == CallbackRule.PICKED:
        raise ValidationError(_("The initial status of “%(name)s” needs a callback time picked for each case: "
                                "create these cases one by one.") % {"name": campaign.name})
    return campaign


def clean_ids(raw):
    """Contact ids from a form or JSON: integers, without repeats, in the order given."""
    return jobs.clean_ids(raw, max_ids=MAX_IDS, not_an_id=_("“%(value)s” is not a contact ID."),
                          too_many=_("Too many contacts selected at once."))


@transaction.atomic
def create_job(actor, params, ids=None, query=None):
    """A job on the given contact ids, or on every contact a ListQuery (`query`) matches now."""
    clean = clean_params(actor, params)
    if query is not None:
        ids = list(query.filtered().order_by("pk").values_list("pk", flat=True)[:MAX_IDS])
    else:
        ids = clean_ids(ids)
    if not ids:
        raise ValidationError(_("Select at least one contact."))
    return BulkJob.objects.create(user=actor, action=ACTION, params=clean, ids=ids, total=len(ids))


def start(job):
    """Run a small job now; queue a large one. Returns the job."""
    return jobs.start(job, run_job, run_create_cases_job, INLINE_MAX)


@task()
def run_create_cases_job(job_id):
    run_job(job_id)
    return {"job": job_id}


# --- running --------------------------------------------------------------------------------------

def run_job(job_id):
    job = BulkJob.objects.select_related("user").get(pk=job_id, action=ACTION)
    if job.state in (BulkState.DONE, BulkState.FAILED):
        return job
    context = _Context(job)
    return jobs.run_in_chunks(job, CHUNK, lambda chunk: _run_chunk(context, chunk))


class _Context:
    """What every chunk of one job needs, loaded once, and checked again now (the job may have
    waited in the queue while the user lost the campaign or the owner left)."""

    def __init__(self, job):
        self.job = job
        self.actor = actor = job.user
        self.language = actor.language or None
        self.skip_open = job.params.get("skip_open", True)
        self.refusal = None  # a reason that refuses every contact of the job
        self.campaign = self.status = self.owner = None
        self.open_statuses = list(Status.objects.exclude(type__in=CLOSED_TYPES).values_list("pk", flat=True))
        with override(self.language):
            if not actor.is_active or not can(actor, "bulk_edit_cases"):
                self.refusal = _("You may no longer create cases.")
                return
            try:
                self.campaign = _campaign(actor, job.params.get("campaign"))
            except ValidationError as error:
                self.refusal = " ".join(error.messages)
                return
            self.status = self.campaign.script.initial_status
            if job.params.get("owner"):
                try:
                    self.owner = owner_by_id(job.params["owner"])
                except ValidationError as error:
                    self.refusal = " ".join(error.messages)
                    return
            if self.status.type == StatusType.PRIVATE_CALLBACK and self.owner is None:
                self.refusal = _("A private callback needs an owner: the agent who calls back.")


def _run_chunk(context, chunk):
    from centrala.cases.models import Case

    refused = {}
    if context.refusal:
        refused[context.refusal] = list(chunk)
        return 0, 0, refused
    contacts = {contact.pk: contact for contact in
                visible_contacts(context.actor).filter(pk__in=chunk).only("pk", "display_name")}
    missing = [pk for pk in chunk if pk not in contacts]
    if missing:  # gone, or never visible to this user: the same answer, so ids cannot be probed
        with override(context.language):
            refused[_("The contact does not exist or is not yours to see.")] = missing
    skipped = set()
    if context.skip_open and contacts:
        skipped = set(Case.objects.filter(
            campaign=context.campaign, contact_id__in=list(contacts), is_spam=False,
            status_id__in=context.open_statuses,
        ).values_list("contact_id", flat=True))
    targets = [contacts[pk] for pk in chunk if pk in contacts and pk not in skipped]
    if targets:
        _create(context, targets)
    return len(targets), len(skipped), refused


def _create(context, contacts):
    from centrala.cases.actions import callback_due, generated_subject
    from centrala.cases.models import Case, Source

    actor, campaign, status, owner = context.actor, context.campaign, context.status, context.owner
    callback_at = callback_due(status)
    cases = Case.objects.bulk_create([
        Case(subject=generated_subject(contact, campaign)[:250], source=Source.OUTBOUND, campaign=campaign,
             status=status, owner=owner, contact=contact, form_data={}, callback_at=callback_at,
             created_by=actor, updated_by=actor)
        for contact in contacts
    ])
    audits, infos = [], []
    with override(context.language):
        label, source_label = str(_("Case created")), str(Source(Source.OUTBOUND).label)
        for case, contact in zip(cases, contacts):
            audits.append(AuditEntry(
                actor=actor, action="case.create", object_type="cases.case", object_id=str(case.pk),
                object_repr=str(case)[:200], changes={
                    "campaign": [None, campaign.name], "status": [None, status.name], "contact": [None, str(contact)],
                    "owner": [None, str(owner) if owner else None], "source": [None, Source.OUTBOUND],
                    "bulk_job": [None, context.job.pk],
                },
            ))
            infos.append(Activity(case_id=case.pk, contact_id=contact.pk, kind=ActivityKind.INFO, author=actor,
                                  body="", data={"field": "created", "label": label, "old": "", "new": source_label}))
    AuditEntry.objects.bulk_create(audits)
    Activity.objects.bulk_create(infos)
    publish("cases.bulk_updated", {"cases": [[case.pk, case.version] for case in cases], "changed": ["created"],
                                   "by_user_id": actor.pk, "by_name": str(actor)}, **case_audience(campaign))
