import json
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from centrala.accounts.permissions import requires
from centrala.core.links import local_path

from . import actions, queries
from .forms import ReportFilterForm, TeamFilterForm
from .models import PresenceStatus


def _next_url(request):
    return local_path(request.POST.get("next", "")) or "core:home"


def _switch(request):
    return render(
        request,
        "presence/_switch.html",
        {
            "presence_statuses": actions.selectable_statuses(),
            "current_presence": actions.current_presence(request.user),
        },
    )


@requires("use_presence")
@require_POST
def set_status(request):
    """The top-bar switch. With htmx it answers with the switch itself, reverted on error."""
    try:
        status = actions.check_status_choice(request.user, request.POST.get("status"))
    except ValidationError as error:
        if request.htmx:
            response = _switch(request)
            # JSON-escaped, so quotes and non-Latin letters in translations survive the header.
            response["HX-Trigger"] = json.dumps({"centrala:error": error.messages[0]})
            return response
        messages.error(request, error.messages[0])
        return redirect(_next_url(request))
    actions.do_set_presence(request.user, status)
    if request.htmx:
        return _switch(request)
    return redirect(_next_url(request))


@requires("monitor_team")
@require_GET
def team(request):
    """Who is at work, on break or signed out now; rows follow presence.changed events live."""
    actions.sign_out_idle()  # nobody who closed the browser an hour ago shows as working
    form = TeamFilterForm(request.GET)
    valid = form.is_valid()
    rows, counts = queries.team_board(request.user, form.cleaned_data.get("team") if valid else None)
    context = {
        "form": form, "rows": rows, "counts": counts, "server_now": timezone.now(),
        "queue_status_ids": PresenceStatus.objects.filter(logs_into_queues=True).values_list("pk", flat=True),
    }
    template = "presence/team.html#board" if request.htmx else "presence/team.html"
    return render(request, template, context, status=200 if valid else 400)


def _report_form(request):
    data = request.GET.copy()
    data.setdefault("day", queries.today().isoformat())
    return ReportFilterForm(data)


@requires("view_presence_report")
@require_GET
def report(request):
    actions.sign_out_idle()
    form = _report_form(request)
    context = {"form": form}
    if form.is_valid():
        day, team = form.cleaned_data["day"], form.cleaned_data["team"]
        context["report"] = queries.work_time_report(request.user, day, team)
        # The day shown, not "today": a download after midnight must match the table on screen.
        context["csv_query"] = urlencode({"day": day.isoformat(), **({"team": team.pk} if team else {})})
    return render(request, "presence/report.html", context, status=200 if form.is_valid() else 400)


@requires("view_presence_report")
@require_GET
def report_csv(request):
    actions.sign_out_idle()
    form = _report_form(request)
    if not form.is_valid():
        return render(request, "presence/report.html", {"form": form}, status=400)
    day, team = form.cleaned_data["day"], form.cleaned_data["team"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    suffix = f"-{team.pk}" if team else ""
    response["Content-Disposition"] = f'attachment; filename="work-time-{day.isoformat()}{suffix}.csv"'
    # A byte-order mark, so spreadsheet programs read the names as UTF-8.
    response.write("\ufeff")
    queries.write_report_csv(queries.work_time_report(request.user, day, team), response)
    return response
