"""The traffic journal's pages beside the list itself (which is the working-lists page): a
client's history, as a fragment the contact card loads and as a page of its own for
receptionists and specialists, who do not open contact cards (they do not work cases)."""

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from centrala.accounts.permissions import can, get_contact_for_user, login_required
from centrala.contacts.models import Contact

from .journal import client_history, parse_history_cursor


def get_client_for_user(user, contact_id):
    """The contact whose history `user` may read: who works cases sees every contact (as on the
    contact card); receptionists and specialists read the client directory through the traffic
    journal. Anyone else: PermissionDenied. A missing contact: Http404."""
    if can(user, "work_cases"):
        try:
            return get_contact_for_user(user, contact_id)
        except Contact.DoesNotExist:
            raise Http404(_("No such contact.")) from None
    if not can(user, "view_traffic_journal"):
        raise PermissionDenied("view_traffic_journal")
    try:
        return Contact.objects.get(pk=int(contact_id))
    except (Contact.DoesNotExist, ValueError, OverflowError):
        raise Http404(_("No such contact.")) from None


def _history_context(request, contact):
    before = parse_history_cursor(request.GET.get("before"))
    items, truncated = client_history(request.user, contact, before=before)
    older = urlencode({"before": items[-1].cursor}) if truncated else ""
    return {
        "contact": contact,
        "history": items,
        "history_truncated": truncated,
        # Pages of the history: the first (newest) page, and the next older one from its last item.
        "history_paged": before is not None,
        "history_older": older,
        "vehicles": list(contact.vehicles.order_by("make", "model", "pk")),
        "can_journal": can(request.user, "view_traffic_journal"),
        "can_work_cases": can(request.user, "work_cases"),
    }


@login_required
@require_GET
def history(request, contact_id):
    """The client's history and cars, newest first (the contact card loads it)."""
    contact = get_client_for_user(request.user, contact_id)
    # A fragment: rendered without the shell's context (menu, bell, presence), which it never shows.
    return HttpResponse(render_to_string("dealership/journal_history.html", _history_context(request, contact)))


@login_required
@require_GET
def client(request, contact_id):
    """A client's page for the dealership: name, phones, cars and history."""
    contact = get_client_for_user(request.user, contact_id)
    context = _history_context(request, contact)
    context["phones"] = list(contact.phones.order_by("position", "pk"))
    context["emails"] = list(contact.emails.order_by("position", "pk"))
    return render(request, "dealership/journal_client.html", context)
