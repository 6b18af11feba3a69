"""The contacts list's bulk action (BULK-01): "create cases in campaign" for the selected contacts
or for all matching a filter (also used by an import's result page for its import group).
The first POST answers with the confirmation (count, campaign, owner); POST with go=1 creates
the job, runs or queues it, and goes to the job's page."""


from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from centrala.accounts.models import User
from centrala.accounts.permissions import requires
from centrala.campaigns.models import Campaign
from centrala.core.links import local_path
from centrala.worklists.lists import ListQuery
from centrala.worklists.views import redirect_to_job

from . import bulk
from .lists import CONTACT_LISTS


def _answer(request, context, status=200):
    template = "contacts/_bulk_confirm.html" if request.htmx else "contacts/bulk_confirm.html"
    return render(request, template, context, status=status)


@requires("bulk_edit_cases")
@require_POST
def create_cases(request):
    listdef = CONTACT_LISTS["contacts"]
    back = local_path(request.POST.get("back", "")) or reverse(listdef.url_name)
    use_all = request.POST.get("all") == "1"
    query = ListQuery(listdef, request.POST.get("query", ""), request.user) if use_all else None
    if query is not None and query.errors:
        return _answer(request, {"error": " ".join(query.errors), "back": back}, 400)
    params = {"campaign": request.POST.get("campaign"), "owner": request.POST.get("owner"),
              "skip_open": request.POST.get("skip_open") == "1"}
    try:
        ids = None if use_all else bulk.clean_ids(request.POST.getlist("ids"))
        if not use_all and not ids:
            raise ValidationError(_("Select at least one contact."))
        clean = bulk.clean_params(request.user, params)
        if request.POST.get("go") == "1":
            job = bulk.create_job(request.user, params, ids=ids, query=query)
            bulk.start(job)
            return redirect_to_job(request, job, back)
    except PermissionDenied as denied:
        message = str(denied) if str(denied) != "bulk_edit_cases" else _("You may not create cases in bulk.")
        return _answer(request, {"error": message, "back": back}, 403)
    except ValidationError as error:
        return _answer(request, {"error": " ".join(error.messages), "back": back}, 400)
    count = query.exact_count() if use_all else len(ids)
    if not count:
        return _answer(request, {"error": _("No contact matches this filter."), "back": back}, 400)
    hidden = [("campaign", clean["campaign"]), ("owner", clean["owner"] or ""),
              ("skip_open", "1" if clean["skip_open"] else "0"), ("back", back)]
    hidden += [("all", "1"), ("query", request.POST.get("query", ""))] if use_all else [("ids", pk) for pk in ids]
    return _answer(request, {
        "count": count, "hidden": hidden, "back": back, "skip_open": clean["skip_open"],
        "campaign": Campaign.objects.get(pk=clean["campaign"]),
        "owner": User.objects.get(pk=clean["owner"]) if clean["owner"] else None,
        "is_owner": clean["owner"] == request.user.pk,
    })
