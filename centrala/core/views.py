import asyncio
import logging
import uuid
from datetime import timedelta
from urllib.parse import urlencode

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from centrala.accounts.permissions import can, login_required, requires

from .dashboard import dashboard_context
from .models import TaskRecord
from .tasks import worker_check

log = logging.getLogger(__name__)

TASKS_PER_PAGE = 50
# A task waiting longer than this most likely means no worker is running.
STUCK_AFTER = timedelta(minutes=1)
# A health check that hangs is as bad as one that fails: load balancers time out on it.
HEALTH_CHECK_TIMEOUT = 3

TASK_STATUSES = [
    ("READY", gettext_lazy("Waiting")),
    ("RUNNING", gettext_lazy("Running")),
    ("SUCCESSFUL", gettext_lazy("Done")),
    ("FAILED", gettext_lazy("Failed")),
]


@login_required
def home(request):
    """Welcome; for people who work cases, their dashboard (DASH-01), else tiles of their menu."""
    context = {"dashboard": dashboard_context(request.user)} if can(request.user, "work_cases") else {}
    return render(request, "core/home.html", context)


@requires("work_cases")
@require_GET
@never_cache
def dashboard(request):
    """The dashboard alone: the home page reloads it when cases change (core/dashboard.js)."""
    return render(request, "core/home.html#dashboard", {"dashboard": dashboard_context(request.user)})


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


async def _check_channel_layer():
    layer = get_channel_layer()
    async with asyncio.timeout(HEALTH_CHECK_TIMEOUT):
        channel = await layer.new_channel("healthz.")
        token = uuid.uuid4().hex
        await layer.send(channel, {"type": "healthz", "token": token})
        message = await layer.receive(channel)
    if message.get("token") != token:
        raise RuntimeError("channel layer returned another message")


@never_cache
@require_GET
def healthz(request):
    """Database and channel layer health, for load balancers and monitoring. No login needed."""
    checks = {}
    for name, check in [("database", _check_database), ("channel_layer", async_to_sync(_check_channel_layer))]:
        try:
            check()
            checks[name] = "ok"
        except Exception as error:  # report any failure as unhealthy, never as a crash
            log.warning("health check failed", extra={"check": name, "error": repr(error)})
            checks[name] = "error"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


class TaskFilterForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False,
                               choices=[("", gettext_lazy("All")), *TASK_STATUSES])


def _error_summary(error):
    """The last line of a traceback names the exception and its message: the part people need."""
    lines = [line for line in error.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


@requires("view_tasks")
@require_GET
def tasks(request):
    filters = TaskFilterForm(request.GET)
    records = TaskRecord.objects.all()
    if filters.is_valid():
        if filters.cleaned_data["status"]:
            records = records.filter(status=filters.cleaned_data["status"])
    else:
        records = records.none()
    page = Paginator(records, TASKS_PER_PAGE).get_page(request.GET.get("page"))
    labels = dict(TASK_STATUSES)
    for record in page.object_list:
        record.status_label = labels.get(record.status, record.status)
        record.error_summary = _error_summary(record.error)
    stuck_since = timezone.now() - STUCK_AFTER
    context = {
        "filters": filters,
        "page": page,
        "query": urlencode({"status": filters.data["status"]}) if filters.data.get("status") else "",
        "backend": settings.TASKS["default"]["BACKEND"].rsplit(".", 1)[-1],
        # Keep refreshing while something on this page may still change.
        "pending": any(record.status in ("READY", "RUNNING") for record in page.object_list),
        "stuck": TaskRecord.objects.filter(status="READY", enqueued_at__lt=stuck_since).exists(),
    }
    template = "core/tasks.html#results" if request.htmx else "core/tasks.html"
    return render(request, template, context, status=200 if filters.is_valid() else 400)


@requires("view_tasks")
@require_POST
def tasks_check(request):
    try:
        worker_check.enqueue(note=f"requested by {request.user.username}")
    except Exception as error:  # the queue (Redis) may be down: say so instead of a 500 page
        log.exception("could not enqueue the worker check")
        messages.error(request, _("The check task could not be queued: %(error)s") % {"error": error})
    else:
        messages.success(
            request,
            _("A check task was queued. It should be done within seconds; "
              "if it stays waiting, no worker is running."),
        )
    return redirect("core:tasks")
