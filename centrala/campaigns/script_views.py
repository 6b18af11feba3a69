"""Scripts (CMP-02) and their statuses (STS-01..02): list, create/import, export, edit."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from centrala.accounts.permissions import requires

from . import actions
from .forms import EMPTY, ScriptCreateForm, ScriptForm, StatusForm
from .models import Script, Status
from .processes import export_process


def _posted(request):
    return request.POST if request.method == "POST" else None


@requires("manage_campaigns")
@require_GET
def script_list(request):
    scripts = Script.objects.select_related("initial_status", "form").annotate(
        status_count=Count("statuses", filter=Q(statuses__active=True), distinct=True),
        campaign_count=Count("campaigns", distinct=True),
    )
    return render(request, "campaigns/scripts.html", {"scripts": scripts})


@requires("manage_campaigns")
@require_http_methods(["GET", "POST"])
def script_create(request):
    form = ScriptCreateForm(_posted(request), request.FILES if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["source"] == EMPTY:
                script = actions.do_create_script(request.user, name=data["name"])
            else:
                script = actions.do_import_process(request.user, data["data"], name=data["name"].strip() or None)
        except ValidationError as error:
            form.add_action_errors(error)
        else:
            messages.success(request, _("Script “%(name)s” was created.") % {"name": script.name})
            return redirect("campaigns:script_edit", script_id=script.pk)
    return render(request, "campaigns/script_create.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


@requires("manage_campaigns")
@require_GET
def script_export(request, script_id):
    script = get_object_or_404(Script.objects.select_related("initial_status", "form"), pk=script_id)
    body = json.dumps(export_process(script), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = slugify(script.name) or f"script-{script.pk}"
    response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
    return response


@requires("manage_campaigns")
@require_http_methods(["GET", "POST"])
def script_edit(request, script_id):
    script = get_object_or_404(Script.objects.select_related("initial_status", "form"), pk=script_id)
    form = ScriptForm(_posted(request), script=script)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_save_script(request.user, script, **form.action_kwargs())
        except ValidationError as error:
            form.add_action_errors(error)
        else:
            messages.success(request, _("Script “%(name)s” was saved.") % {"name": script.name})
            return redirect("campaigns:script_edit", script_id=script.pk)
    statuses = list(script.statuses.annotate(case_count=Count("cases")))
    context = {
        "script": script, "form": form, "statuses": statuses,
        "campaigns": script.campaigns.all(),
        "fields": script.form.fields.all() if script.form_id else [],
    }
    return render(request, "campaigns/script_edit.html", context, status=400 if request.method == "POST" else 200)


@requires("manage_campaigns")
@require_POST
def script_delete(request, script_id):
    script = get_object_or_404(Script, pk=script_id)
    name = script.name
    try:
        actions.do_delete_script(request.user, script)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("campaigns:script_edit", script_id=script.pk)
    messages.success(request, _("Script “%(name)s” was deleted.") % {"name": name})
    return redirect("campaigns:scripts")


# --- statuses --------------------------------------------------------------------------------

def _status_page(request, script, status):
    heading = status.name
    form = StatusForm(_posted(request), status=status, script=script)
    if request.method == "POST" and form.is_valid():
        created = status.pk is None
        try:
            status = actions.do_save_status(request.user, status, script=script, **form.action_kwargs())
        except ValidationError as error:
            form.add_action_errors(error)
        else:
            message = _("Status “%(name)s” was created.") if created else _("Status “%(name)s” was saved.")
            messages.success(request, message % {"name": status.name})
            return redirect("campaigns:script_edit", script_id=script.pk)
    context = {"form": form, "status": status, "script": script, "heading": heading}
    return render(request, "campaigns/status_form.html", context, status=400 if request.method == "POST" else 200)


@requires("manage_campaigns")
@require_http_methods(["GET", "POST"])
def status_create(request, script_id):
    return _status_page(request, get_object_or_404(Script, pk=script_id), Status())


@requires("manage_campaigns")
@require_http_methods(["GET", "POST"])
def status_edit(request, status_id):
    status = get_object_or_404(Status.objects.select_related("script"), pk=status_id)
    return _status_page(request, status.script, status)


def _status_post(request, status_id, run, success):
    status = get_object_or_404(Status.objects.select_related("script"), pk=status_id)
    try:
        run(status)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if success:
            messages.success(request, success % {"name": status.name})
    return redirect("campaigns:script_edit", script_id=status.script_id)


@requires("manage_campaigns")
@require_POST
def status_move(request, status_id):
    direction = request.POST.get("direction")
    return _status_post(request, status_id, lambda s: actions.do_move_status(request.user, s, direction), None)


@requires("manage_campaigns")
@require_POST
def status_activate(request, status_id):
    active = request.POST.get("active") == "1"
    success = _("Status “%(name)s” is active again.") if active else _("Status “%(name)s” was deactivated.")
    return _status_post(
        request, status_id, lambda s: actions.do_set_status_active(request.user, s, active), success,
    )


@requires("manage_campaigns")
@require_POST
def status_delete(request, status_id):
    return _status_post(request, status_id, lambda s: actions.do_delete_status(request.user, s),
                        _("Status “%(name)s” was deleted."))
