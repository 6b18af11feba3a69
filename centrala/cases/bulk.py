"""Bulk actions on cases (BULK-01, STS-03, CASE-06/07/13): set status, set owner, move to a
campaign, change source, set priority, mark spam / not spam.

A bulk action is a BulkJob: created (validated as a whole) by create_job, then run by run_job —
inline for small selections, as a background task for large ones. run_job works in chunks, each
in its own transaction: it locks the chunk's cases the actor may see, decides per case (change,
unchanged, or refused with a reason), updates the changed ones with set-based UPDATEs, writes one
audit entry and one timeline entry per change, and publishes one event per chunk. A crash loses
at most the chunk in flight; the job shows how far it got.

Per-case rules are the card's rules: a status must belong to the case's campaign script, no
"no qualifier" status in bulk (STS-01), the initial or an unused status clears the form data
(STS-03, confirmed by the user first), a private callback needs an owner, an owner must be an
active agent (CASE-07) assigned to the case's campaign, moving to another campaign sets its
initial status and drops the form data (CASE-06).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.tasks import task
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from centrala.accounts.permissions import (
    can,
    campaign_agents,
    case_audience,
    get_campaign_for_user,
    visible_campaign_ids,
    visible_cases,
)
from centrala.activities.models import Activity, ActivityKind
from centrala.audit.models import AuditEntry
from centrala.campaigns.models import CallbackRule, Campaign, Status, StatusType
from centrala.realtime.publish import publish
from centrala.worklists import jobs
from centrala.worklists.models import BulkJob, BulkState

from .actions import FIELD_LABELS, _display, callback_due, owner_by_id
from .models import Case, Priority, Source

CHUNK = 2_000  # cases per transaction (and per event); 500 took 10,000 cases 6.6–10 s, mostly per-chunk costs
INLINE_MAX = 100  # selections up to this size run in the request; larger ones in the background
MAX_IDS = 1_000_000

ACTIONS = {
    "set_status": gettext_lazy("Set status"),
    "set_owner": gettext_lazy("Set owner"),
    "move_campaign": gettext_lazy("Move to campaign"),
    "set_source": gettext_lazy("Change source"),
    "set_priority": gettext_lazy("Set priority"),
    "mark_spam": gettext_lazy("Mark as spam"),
    "mark_not_spam": gettext_lazy("Mark as not spam"),
}


# --- checking the job as a whole ------------------------------------------------------------------

def clean_params(actor, action, params):
    """Validate what the user chose for the whole job; returns clean params (ids and values only).
    Raises ValidationError with a message for the user, PermissionDenied for a right they lack."""
    if action not in ACTIONS:
        raise ValidationError(_("Unknown bulk action."))
    if not can(actor, "bulk_edit_cases"):
        raise PermissionDenied("bulk_edit_cases")
    params = params or {}
    if action == "set_status":
        status = _status(params.get("status"))
        if status.type == StatusType.NO_QUALIFIER:
            raise ValidationError(_("Statuses of the type “No qualifier” cannot be set in bulk."))
        if not status.active:
            raise ValidationError(_("That status is no longer in use."))
        clean = {"status": status.pk}
        if status.callback_rule == CallbackRule.PICKED:
            picked = _when(params.get("callback_at"))
            if picked is None:
                raise ValidationError(_("Pick the callback due time for the status “%(status)s”.") % {"status": status.name})
            clean["callback_at"] = picked.isoformat()
        clean["clears_form"] = clears_form(status)
        if clean["clears_form"] and not params.get("confirm"):
            raise ValidationError(_("Setting “%(status)s” clears the form data of every selected case. Confirm to go on.")
                                  % {"status": status.name}, code="confirm")
        return clean
    if action == "set_owner":
        raw = params.get("owner")
        if raw in (None, "", "none"):
            return {"owner": None}
        owner = owner_by_id(raw)
        if owner.pk != actor.pk and not can(actor, "assign_cases"):
            raise PermissionDenied(_("Only managers can give cases to someone else."))
        return {"owner": owner.pk}
    if action == "move_campaign":
        if not can(actor, "assign_cases"):
            raise PermissionDenied(_("Only managers can move cases to another campaign."))
        try:
            campaign = get_campaign_for_user(actor, params.get("campaign"))
        except Campaign.DoesNotExist:
            raise ValidationError(_("Choose a campaign.")) from None
        if not campaign.active:
            raise ValidationError(_("The campaign “%(name)s” is not active.") % {"name": campaign.name})
        if campaign.script.initial_status_id is None:
            raise ValidationError(_("The campaign's script has no initial status."))
        if not params.get("confirm"):
            raise ValidationError(_("Moving cases to another campaign sets its initial status and deletes their form data. Confirm to go on."),
                                  code="confirm")
        return {"campaign": campaign.pk}
    if action == "set_source":
        if params.get("source") not in Source.values:
            raise ValidationError(_("Choose a source."))
        return {"source": params["source"]}
    if action == "set_priority":
        try:
            return {"priority": int(Priority(int(params.get("priority"))))}
        except (TypeError, ValueError):
            raise ValidationError(_("Choose a priority.")) from None
    return {}


def clears_form(status):
    """STS-03: the initial status or an unused one means "not worked yet": the form starts empty."""
    return status.type == StatusType.UNUSED or status.script.initial_status_id == status.pk


def _status(raw):
    try:
        return Status.objects.select_related("script").get(pk=int(raw))
    except (Status.DoesNotExist, TypeError, ValueError):
        raise ValidationError(_("Choose a status.")) from None


def _when(raw):
    if not raw:
        return None
    value = parse_datetime(str(raw)) if not hasattr(raw, "isoformat") else raw
    if value is None:
        raise ValidationError(_("The callback due time is not a date and time."))
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def clean_ids(raw):
    """Case numbers from a form or JSON: integers, without repeats, in the order given."""
    return jobs.clean_ids(raw, max_ids=MAX_IDS, not_an_id=_("“%(value)s” is not a case number."),
                          too_many=_("Too many cases selected at once."))


@transaction.atomic
def create_job(actor, action, params, ids=None, query=None):
    """A job on the given case ids, or on every case a ListQuery (`query`) matches now."""
    clean = clean_params(actor, action, params)
    if query is not None:
        ids = list(query.filtered().order_by("pk").values_list("pk", flat=True)[:MAX_IDS])
    else:
        ids = clean_ids(ids)
    if not ids:
        raise ValidationError(_("Select at least one case."))
    return BulkJob.objects.create(user=actor, action=action, params=clean, ids=ids, total=len(ids))


def start(job):
    """Run a small job now; queue a large one. Returns the job."""
    return jobs.start(job, run_job, run_bulk_job, INLINE_MAX)


@task()
def run_bulk_job(job_id):
    run_job(job_id)
    return {"job": job_id}


# --- running --------------------------------------------------------------------------------------

def run_job(job_id):
    job = BulkJob.objects.select_related("user").get(pk=job_id)
    if job.state in (BulkState.DONE, BulkState.FAILED):
        return job
    if not job.user.is_active:
        return jobs.run_in_chunks(job, CHUNK, _refuse_all(_("The user who started this job is no longer active.")))
    context = _Context(job.user, job)
    return jobs.run_in_chunks(job, CHUNK, lambda chunk: _run_chunk(context, chunk))


def _refuse_all(reason):
    return lambda chunk: (0, 0, {reason: list(chunk)})


class _Context:
    """What every chunk of one job needs, loaded once."""

    def __init__(self, actor, job):
        self.actor = actor
        self.job = job
        self.params = job.params
        self.language = actor.language or None
        self.visible_campaigns = visible_campaign_ids(actor)
        self.status = self.owner = self.campaign = None
        self.owner_campaigns = set()
        if job.action == "set_status":
            self.status = Status.objects.select_related("script").get(pk=self.params["status"])
            self.callback_at = _when(self.params.get("callback_at"))
        if job.action == "set_owner" and self.params.get("owner"):
            self.owner = owner_by_id(self.params["owner"])  # still an active agent?
            self.owner_campaigns = visible_campaign_ids(self.owner)
        if job.action == "move_campaign":
            self.campaign = Campaign.objects.select_related("script__initial_status").get(pk=self.params["campaign"])
            self.campaign_members = set(campaign_agents([self.campaign.pk]))
        self.audiences = {}

    def audience(self, campaign_id):
        """Who hears about the campaign's cases: asked once per campaign per job, not per chunk."""
        if campaign_id not in self.audiences:
            self.audiences[campaign_id] = case_audience(Campaign(pk=campaign_id))
        return self.audiences[campaign_id]


# What each action reads of a case besides its own columns (its rule and its audit's "before"),
# and whether it needs the form data: the rest is not loaded.
RELATED = {"set_status": ("campaign", "status"), "set_owner": ("status", "owner"),
           "move_campaign": ("campaign", "status", "owner")}
READS_FORM = frozenset({"set_status", "move_campaign"})


def _refuse(refused, reason, case):
    refused.setdefault(str(reason), []).append(case.pk if hasattr(case, "pk") else case)


def _decide(context, case, refused):
    """{field: new value} for one case, {} when nothing changes, None when refused."""
    action = context.job.action
    if action == "set_status":
        status = context.status
        if status.script_id != case.campaign.script_id:
            _refuse(refused, _("The status is not in the script of the case's campaign."), case)
            return None
        if status.type == StatusType.PRIVATE_CALLBACK and case.owner_id is None:
            _refuse(refused, _("A private callback needs an owner."), case)
            return None
        if status.pk == case.status_id:
            return {}
        changes = {"status": status, "callback_at": callback_due(status, picked=context.callback_at)}
        if clears_form(status) and case.form_data:
            changes["form_data"] = {}
        return changes
    if action == "set_owner":
        owner = context.owner
        if owner is None:
            if case.owner_id is None:
                return {}
            if case.status.type == StatusType.PRIVATE_CALLBACK:
                _refuse(refused, _("A private callback needs an owner."), case)
                return None
            return {"owner": None}
        if case.campaign_id not in context.owner_campaigns:
            _refuse(refused, _("%(user)s is not assigned to the case's campaign.") % {"user": owner}, case)
            return None
        return {} if case.owner_id == owner.pk else {"owner": owner}
    if action == "move_campaign":
        campaign = context.campaign
        if case.campaign_id == campaign.pk:
            return {}
        changes = {"campaign": campaign, "status": campaign.script.initial_status, "form_data": {}, "callback_at": None}
        if case.owner_id is not None and case.owner_id not in context.campaign_members:
            changes["owner"] = None  # CASE-07: an owner not assigned to the new campaign lets the case go
        owner_after = changes["owner"] if "owner" in changes else case.owner
        if changes["status"].type == StatusType.PRIVATE_CALLBACK and owner_after is None:
            _refuse(refused, _("A private callback needs an owner."), case)
            return None
        return changes
    if action == "set_source":
        return {} if case.source == context.params["source"] else {"source": context.params["source"]}
    if action == "set_priority":
        return {} if case.priority == context.params["priority"] else {"priority": context.params["priority"]}
    spam = action == "mark_spam"
    return {} if case.is_spam == spam else {"is_spam": spam}


def _run_chunk(context, chunk):
    actor, action = context.actor, context.job.action
    queryset = visible_cases(actor).filter(pk__in=chunk).select_for_update(of=("self",))
    if RELATED.get(action):
        queryset = queryset.select_related(*RELATED[action])
    if action not in READS_FORM:
        queryset = queryset.defer("form_data")
    cases = {case.pk: case for case in queryset}
    refused, plans = {}, []
    for case_id in chunk:
        case = cases.get(case_id)
        if case is None:  # gone, or never visible to this user: the same answer, so ids cannot be probed
            _refuse(refused, _("The case does not exist or is not yours to change."), case_id)
            continue
        changes = _decide(context, case, refused)
        if changes:
            plans.append((case, changes))
    unchanged = len(chunk) - len(plans) - sum(len(ids) for ids in refused.values())
    if plans:
        _apply(context, plans)
    return len(plans), unchanged, refused


def _apply(context, plans):
    actor, now = context.actor, timezone.now()
    # One UPDATE per distinct set of new values (a bulk action gives few distinct sets).
    groups = {}
    for case, changes in plans:
        key = tuple(sorted((field, _key(value)) for field, value in changes.items()))
        groups.setdefault(key, (changes, []))[1].append(case.pk)
    for changes, ids in groups.values():
        values = {field: value for field, value in changes.items()}
        if "callback_at" in values or "status" in values:
            values["reminder_sent_at"] = None
        Case.objects.filter(pk__in=ids).update(**values, version=F("version") + 1, updated_by=actor, updated_at=now)

    audits, infos, events = [], [], {}
    with override(context.language):
        for case, changes in plans:
            old_version = case.version
            before = {field: getattr(case, field) for field in changes}
            audit = {field: [_audit(before[field]), _audit(changes[field])] for field in changes}
            audit["version"] = [old_version, old_version + 1]
            audit["bulk_job"] = [None, context.job.pk]
            audits.append(AuditEntry(actor=actor, action="case.update", object_type="cases.case",
                                     object_id=str(case.pk), object_repr=str(case)[:200], changes=audit))
            for field, value in changes.items():
                if field == "form_data":
                    infos.append(_info(case, actor, "form_data", FIELD_LABELS["form_data"], "", _("cleared")))
                    continue
                if field == "callback_at" and "status" in changes and value is None and before[field] is None:
                    continue
                infos.append(_info(case, actor, field, FIELD_LABELS[field], _display(field, before[field]),
                                   _display(field, value)))
            campaign_id = changes["campaign"].pk if "campaign" in changes else case.campaign_id
            events.setdefault(campaign_id, []).append([case.pk, old_version + 1])
            if "campaign" in changes:  # the old campaign's people see it leave
                events.setdefault(case.campaign_id, []).append([case.pk, old_version + 1])
    AuditEntry.objects.bulk_create(audits)
    Activity.objects.bulk_create(infos)
    changed_fields = sorted({field for _case, changes in plans for field in changes})
    for campaign_id, pairs in events.items():
        publish("cases.bulk_updated", {"cases": pairs, "changed": changed_fields, "by_user_id": actor.pk,
                                        "by_name": str(actor)}, **context.audience(campaign_id))


def _key(value):
    if hasattr(value, "pk"):
        return ("pk", value.pk)
    if isinstance(value, dict):
        return ("dict", tuple(sorted(value.items())))
    return value


def _audit(value):
    if hasattr(value, "pk"):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _info(case, actor, field, label, old, new):
    return Activity(case_id=case.pk, contact_id=case.contact_id, kind=ActivityKind.INFO, author=actor, body="",
                    data={"field": field, "label": str(label), "old": str(old or ""), "new": str(new or "")})
