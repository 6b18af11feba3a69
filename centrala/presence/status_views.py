"""Administrators define the presence statuses agents choose from (PRS-01)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from centrala.accounts.permissions import requires

from . import actions
from .forms import StatusForm
from .models import CurrentPresence, PresenceChange, PresenceStatus


@requires("manage_presence_statuses")
@require_GET
def statuses(request):
    items = list(PresenceStatus.objects.all())
    # Two grouped counts instead of two queries per row.
    now = dict(
        CurrentPresence.objects.filter(status__isnull=False).values_list("status").annotate(n=Count("pk"))
    )
    used = set(PresenceChange.objects.filter(status__isnull=False).values_list("status", flat=True).distinct())
    for item in items:
        item.users_now = now.get(item.pk, 0)
        item.in_use = item.pk in used or item.users_now > 0
    return render(request, "presence/statuses.html", {"statuses": items})


def _edit(request, status):
    heading = status.name  # before the form writes the submitted values into the instance
    form = StatusForm(request.POST if request.method == "POST" else None, instance=status)
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.do_save_status(request.user, status, **form.values())
        except ValidationError as error:
            # Another administrator changed the catalogue in between; show what no longer holds.
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("Status “%(name)s” saved.") % {"name": saved.name})
            return redirect("presence:statuses")
    status_code = 400 if request.method == "POST" else 200
    context = {"form": form, "status": status, "heading": heading}
    return render(request, "presence/status_form.html", context, status=status_code)


@requires("manage_presence_statuses")
def status_create(request):
    return _edit(request, PresenceStatus())


@requires("manage_presence_statuses")
def status_edit(request, status_id):
    return _edit(request, get_object_or_404(PresenceStatus, pk=status_id))


@requires("manage_presence_statuses")
@require_POST
def status_delete(request, status_id):
    status = get_object_or_404(PresenceStatus, pk=status_id)
    try:
        actions.do_delete_status(request.user, status)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("Status “%(name)s” deleted.") % {"name": status.name})
    return redirect("presence:statuses")


@requires("manage_presence_statuses")
@require_POST
def status_move(request, status_id):
    status = get_object_or_404(PresenceStatus, pk=status_id)
    try:
        actions.do_move_status(request.user, status, request.POST.get("direction"))
    except ValidationError as error:
        return HttpResponseBadRequest(error.messages[0])
    return redirect("presence:statuses")


@requires("manage_presence_statuses")
@require_POST
def status_activate(request, status_id):
    """Quick (de)activation from the list, so a used status can be retired in one click."""
    status = get_object_or_404(PresenceStatus, pk=status_id)
    active = request.POST.get("active") == "1"
    try:
        actions.do_save_status(
            request.user, status, name=status.name, kind=status.kind, logs_into_queues=status.logs_into_queues,
            is_default=status.is_default, active=active,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        message = _("Status “%(name)s” is active again.") if active else _("Status “%(name)s” deactivated.")
        messages.success(request, message % {"name": status.name})
    return redirect("presence:statuses")
