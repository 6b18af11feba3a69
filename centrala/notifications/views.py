from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from centrala.accounts.permissions import login_required, requires

from . import actions
from .forms import SendNoticeForm
from .models import Notification

PANEL_SIZE = 20
PAGE_SIZE = 50


def _own_notification(user, notification_id):
    try:
        return actions.get_notification_for_user(user, notification_id)
    except Notification.DoesNotExist:
        raise Http404 from None


def _panel(request):
    notifications = Notification.objects.filter(recipient=request.user)[:PANEL_SIZE]
    return render(
        request,
        "notifications/_panel.html",
        {"notifications": notifications, "unread_count": actions.unread_count(request.user)},
    )


def _after_change(request):
    """The bell's panel for htmx; a plain form post goes back to the list."""
    if request.htmx:
        return _panel(request)
    return redirect("notifications:list")


@login_required
@require_GET
@never_cache
def panel(request):
    return _panel(request)


@login_required
@require_GET
@never_cache
def count(request):
    """The unread count, fetched when the live socket (re)connects: events missed meanwhile."""
    return JsonResponse({"unread_count": actions.unread_count(request.user)})


@login_required
@require_GET
def notification_list(request):
    unread_only = request.GET.get("show") == "unread"
    notifications = Notification.objects.filter(recipient=request.user).select_related("created_by")
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page": page, "unread_only": unread_only, "query": "show=unread" if unread_only else ""},
    )


@login_required
@require_GET
def open_notification(request, notification_id):
    note = _own_notification(request.user, notification_id)
    actions.do_mark_read(request.user, [note])
    return redirect(actions.safe_target(note.url) or "core:home")


@login_required
@require_POST
def mark_read(request, notification_id):
    note = _own_notification(request.user, notification_id)
    actions.do_mark_read(request.user, [note])
    return _after_change(request)


@login_required
@require_POST
def mark_all_read(request):
    actions.do_mark_read(request.user)
    return _after_change(request)


@requires("send_notice")
@require_http_methods(["GET", "POST"])
def send(request):
    form = SendNoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            notes = actions.do_send_notice(
                request.user, title=data["title"], body=data["body"], url=data["url"],
                users=list(data["users"]), teams=list(data["teams"]),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, ngettext(
                "The notice “%(title)s” was sent to %(count)d person.",
                "The notice “%(title)s” was sent to %(count)d people.",
                len(notes),
            ) % {"title": data["title"], "count": len(notes)})
            return redirect("notifications:send")
    return render(request, "notifications/send.html", {"form": form})
