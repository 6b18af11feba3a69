"""The bulk bar's endpoint (BULK-01): confirm with the count, then run (inline or as a task)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from centrala.accounts.permissions import requires
from centrala.worklists.lists import ListQuery
from centrala.worklists.views import redirect_to_job

from . import bulk
from .lists import CASE_LISTS

PARAM_NAMES = ("status", "owner", "campaign", "source", "priority", "callback_at")


def _answer(request, context, status=200):
    return render(request, "cases/_bulk_confirm.html", context, status=status)


@requires("bulk_edit_cases")
@require_POST
def bulk_action(request):
    """First POST: the confirmation (what, on how many cases, with which consequences).
    POST with go=1: create the job, run or queue it, and show its page."""
    action = request.POST.get("action", "")
    label = bulk.ACTIONS.get(action, _("Bulk action"))
    listdef = CASE_LISTS.get(request.POST.get("list", ""))
    if listdef is None:
        return _answer(request, {"action_label": label, "error": _("Unknown list.")}, 400)
    params = {name: request.POST.get(name) for name in PARAM_NAMES if request.POST.get(name) not in (None, "")}
    params["confirm"] = request.POST.get("confirm") == "1"
    use_all = request.POST.get("all") == "1"
    query = ListQuery(listdef, request.POST.get("query", ""), request.user) if use_all else None
    if query is not None and query.errors:
        return _answer(request, {"action_label": label, "error": " ".join(query.errors)}, 400)
    ids = request.POST.getlist("ids")
    needs_confirm, warnings = False, []
    try:
        if not use_all:
            ids = bulk.clean_ids(ids)
            if not ids:
                raise ValidationError(_("Select at least one case."))
        try:
            bulk.clean_params(request.user, action, {**params, "confirm": True})
            bulk.clean_params(request.user, action, params)
        except ValidationError as error:
            if error.code != "confirm":
                raise
            needs_confirm = True
            warnings.append(" ".join(error.messages))
        if request.POST.get("go") == "1":
            job = bulk.create_job(request.user, action, {**params, "confirm": params["confirm"]},
                                  ids=None if use_all else ids, query=query)
            bulk.start(job)
            return redirect_to_job(request, job, reverse(listdef.url_name))
    except PermissionDenied as denied:
        message = str(denied) if str(denied) != "bulk_edit_cases" else _("You may not change cases in bulk.")
        return _answer(request, {"action_label": label, "error": message}, 403)
    except ValidationError as error:
        return _answer(request, {"action_label": label, "error": " ".join(error.messages)}, 400)
    count = query.exact_count() if use_all else len(ids)
    hidden = [("list", listdef.key), ("action", action)] + [(k, v) for k, v in params.items() if k != "confirm"]
    hidden += [("all", "1"), ("query", request.POST.get("query", ""))] if use_all else [("ids", i) for i in ids]
    return _answer(request, {
        "action_label": label, "count": count, "hidden": hidden, "warnings": warnings,
        "needs_confirm": needs_confirm, "summary": _summary(action, params),
    })


def _summary(action, params):
    from centrala.accounts.models import User
    from centrala.campaigns.models import Campaign, Status

    from .models import Priority, Source

    try:
        if action == "set_status":
            return _("New status: %(value)s.") % {"value": Status.objects.get(pk=int(params["status"])).name}
        if action == "set_owner":
            owner = params.get("owner")
            name = str(User.objects.get(pk=int(owner))) if owner not in (None, "", "none") else _("no owner")
            return _("New owner: %(value)s.") % {"value": name}
        if action == "move_campaign":
            return _("New campaign: %(value)s.") % {"value": Campaign.objects.get(pk=int(params["campaign"])).name}
        if action == "set_source":
            return _("New source: %(value)s.") % {"value": Source(params["source"]).label}
        if action == "set_priority":
            return _("New priority: %(value)s.") % {"value": Priority(int(params["priority"])).label}
    except (KeyError, ValueError, TypeError, User.DoesNotExist, Campaign.DoesNotExist, Status.DoesNotExist):
        return ""
    return ""
