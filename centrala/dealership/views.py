"""The reception desk (DLR-02/03), the traffic card and its processing (DLR-04/05), documents."""

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import OperationalError
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from centrala.accounts.permissions import can, login_required, requires, visible_campaigns
from centrala.contacts.models import Contact

from . import access, actions
from .models import (
    Channel,
    ContactGoal,
    Department,
    Document,
    DocumentKind,
    DocumentStatus,
    IgnoreReason,
    Traffic,
    TrafficState,
)

DESK = "dealership/desk.html"
CARD = "dealership/traffic.html"
DOCUMENT = "dealership/document.html"
DOCUMENTS_PAGE_SIZE = 50

log = logging.getLogger(__name__)


def _busy_message():
    return _("The database was busy and the traffic was not changed. Try again in a moment.")


def _errors(error):
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


def _flat(error):
    return [message for messages_ in _errors(error).values() for message in messages_]


def _first_error(error):
    return " ".join(message for messages_ in _errors(error).values() for message in messages_)


# --- the reception desk -------------------------------------------------------------------------

def _waiting(now=None):
    """What the desk watches: traffic nobody has taken yet, visitors in the waiting queue first
    (they stand at the desk), then calls, each oldest first."""
    visits_first = Case(When(channel=Channel.VISIT, then=Value(0)), default=Value(1), output_field=IntegerField())
    return list(
        Traffic.objects.filter(state=TrafficState.WAITING)
        .select_related("goal", "contact", "assigned_to", "vehicle")
        .order_by(visits_first, "registered_at", "id")[:100]
    )


def _recent():
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return list(
        Traffic.objects.filter(registered_at__gte=start)
        .exclude(state=TrafficState.WAITING)
        .select_related("goal", "contact", "taken_by", "assigned_to")
        .order_by("-registered_at", "-id")[:30]
    )


def _desk_context(request, *, values=None, errors=None, client=None):
    goals = list(ContactGoal.objects.filter(active=True).select_related("department"))
    values = values or {}
    goal = next((g for g in goals if str(g.pk) == str(values.get("goal", ""))), None)
    chosen, others = actions.desk_employees(goal)
    return {
        "goals": goals, "values": values, "errors": errors or {}, "client": client,
        "goal": goal, "chosen_employees": chosen, "other_employees": others,
        "waiting": _waiting(), "recent": _recent(), "now": timezone.now(),
    }


@requires("reception_desk")
@require_GET
def desk(request):
    return render(request, DESK, _desk_context(request))


@requires("reception_desk")
@require_GET
def desk_queue(request):
    return render(request, DESK + "#queue", {"waiting": _waiting(), "recent": _recent(), "now": timezone.now()})


@requires("reception_desk")
@require_GET
def desk_employees(request):
    goal_id = request.GET.get("goal") or ""
    goal = ContactGoal.objects.filter(pk=int(goal_id)).first() if goal_id.isdigit() else None
    chosen, others = actions.desk_employees(goal)
    values = {"assigned_to": request.GET.get("assigned_to", "")}
    return render(request, DESK + "#employees", {"chosen_employees": chosen, "other_employees": others,
                                                "values": values, "goal": goal, "errors": {}})


@requires("reception_desk")
@require_POST
def desk_register(request):
    post = request.POST
    fields = {
        "goal_id": post.get("goal"), "contact_id": post.get("contact") or None,
        "vehicle_id": post.get("vehicle") or None, "visitor_description": post.get("visitor_description", ""),
        "vehicle_description": post.get("vehicle_description", ""),
        "phone": post.get("phone", ""), "note": post.get("note", ""), "assigned_to_id": post.get("assigned_to") or None,
    }
    try:
        traffic = actions.do_register_traffic(request.user, **fields)
    except ValidationError as error:
        client = None
        if fields["contact_id"]:
            try:
                client = actions.get_client(request.user, fields["contact_id"])
            except Contact.DoesNotExist:
                pass
        context = _desk_context(request, values=post, errors=_errors(error), client=client)
        return render(request, DESK, context, status=400)
    if traffic.channel == Channel.CALL:
        text = _("Call transferred to %(who)s.")
    else:
        text = _("Visitor put in the waiting queue for %(who)s.")
    who = str(traffic.assigned_to) if traffic.assigned_to else _("the goal's specialists")
    messages.success(request, text % {"who": who})
    return redirect("dealership:desk")


def _directory_user(request):
    if not actions.may_use_directory(request.user):
        raise Http404


@login_required
@require_GET
def client_search(request):
    _directory_user(request)
    q = request.GET.get("q", "")
    return render(request, DESK + "#client_results", {"results": actions.search_clients(request.user, q), "q": q})


@login_required
@require_GET
def client_pick(request, contact_id):
    _directory_user(request)
    try:
        client = actions.get_client(request.user, contact_id)
    except Contact.DoesNotExist:
        raise Http404 from None
    return render(request, DESK + "#client", {"client": client, "values": {}})


@login_required
@require_POST
def client_create(request):
    _directory_user(request)
    post = request.POST
    try:
        client = actions.do_quick_create_client(
            request.user, first_name=post.get("new_first_name", ""), last_name=post.get("new_last_name", ""),
            phone=post.get("new_phone", ""),
        )
    except ValidationError as error:
        response = render(request, DESK + "#new_client", {"values": post, "new_errors": _flat(error)})
        response["HX-Retarget"] = "#new-client"
        response["HX-Reswap"] = "outerHTML"
        return response
    return render(request, DESK + "#client", {"client": client, "values": {}})


@login_required
@require_POST
def vehicle_add(request, contact_id):
    _directory_user(request)
    try:
        client = actions.get_client(request.user, contact_id)
    except Contact.DoesNotExist:
        raise Http404 from None
    post = request.POST
    values = {"vehicle": ""}
    car_errors = []
    try:
        vehicle = actions.do_add_vehicle(
            request.user, client, make=post.get("car_make", ""), model=post.get("car_model", ""),
            vin=post.get("car_vin", ""), plate=post.get("car_plate", ""), year=post.get("car_year", ""),
        )
        values["vehicle"] = str(vehicle.pk)
        client = actions.get_client(request.user, contact_id)
    except ValidationError as error:
        car_errors = _flat(error)
        values.update(post.items())
    return render(request, DESK + "#client", {"client": client, "values": values, "car_errors": car_errors})


# --- my traffic ------------------------------------------------------------------------------------

def _my_open_traffic(user):
    queryset = access.processable_traffic(user).filter(state__in=[TrafficState.WAITING, TrafficState.TAKEN])
    if not user.is_supervisor:
        # A specialist's list: what was sent to them, what they took, and their goals' broadcasts,
        # including those another specialist took and is processing (the rest see it taken).
        from django.db.models import Q

        queryset = queryset.filter(
            Q(assigned_to=user) | Q(taken_by=user) | Q(assigned_to__isnull=True, goal__specialists=user)
        ).distinct()
    return list(queryset.select_related("goal", "contact", "assigned_to", "taken_by", "vehicle")
                .order_by("registered_at", "id")[:200])


@requires("process_traffic")
@require_GET
def my_traffic(request):
    template = "dealership/my_traffic.html"
    if request.htmx:
        template += "#rows"
    return render(request, template, {"rows": _my_open_traffic(request.user), "now": timezone.now()})


# --- the traffic card -----------------------------------------------------------------------------

CARD_RELATED = ("goal", "department", "contact", "vehicle", "assigned_to", "registered_by", "taken_by",
                "processed_by", "ignore_reason", "document", "document__arrival", "document__booking", "case")


def _get_traffic(request, traffic_id):
    try:
        return access.get_traffic_for_user(request.user, traffic_id, related=CARD_RELATED)
    except Traffic.DoesNotExist:
        raise Http404 from None


def _card_context(request, traffic, **extra):
    user = request.user
    processor = access.may_process(user, traffic)
    context = {
        "traffic": traffic, "may_process": processor, "now": timezone.now(),
        "held_by_me": traffic.taken_by_id == user.pk or (processor and user.is_supervisor and traffic.taken_by_id),
        "errors": {}, "values": {}, "document_kinds": DocumentKind.choices,
    }
    if processor and traffic.is_open:
        context["reasons"] = list(IgnoreReason.objects.filter(active=True))
        context["vehicles"] = list(traffic.contact.vehicles.all()) if traffic.contact_id else []
        context["documents"] = actions.search_documents(user, contact=traffic.contact, limit=10)
        context["bookings"] = actions.open_bookings(user, traffic.contact)
    if can(user, "work_cases") and processor and not traffic.case_id:
        context["campaigns"] = list(visible_campaigns(user).filter(active=True))
    context.update(extra)
    return context


@login_required
@require_GET
def traffic_card(request, traffic_id):
    traffic = _get_traffic(request, traffic_id)
    # The chosen employee opening the card has reacted: the visitor leaves the desk's waiting queue.
    if traffic.state == TrafficState.WAITING and traffic.assigned_to_id == request.user.pk:
        try:
            actions.do_take_traffic(request.user, traffic)
        except (actions.TrafficTaken, ValidationError, Traffic.DoesNotExist):
            pass
        except OperationalError:  # the card still opens; taking it is offered by its button
            log.warning("could not take traffic %s on opening its card", traffic.pk, exc_info=True)
        traffic = _get_traffic(request, traffic_id)
    template = CARD + "#card" if request.htmx else CARD
    return render(request, template, _card_context(request, traffic))


def _processable(request, traffic_id):
    traffic = _get_traffic(request, traffic_id)
    if not access.may_process(request.user, traffic):
        raise Http404
    return traffic


def _after_action(request, traffic, error=None, field_errors=None, values=None):
    if error is None:
        return redirect("dealership:traffic", traffic.pk)
    traffic = _get_traffic(request, traffic.pk)
    context = _card_context(request, traffic, errors=field_errors or {}, values=values or {}, error=error)
    return render(request, CARD, context, status=409 if isinstance(error, actions.TrafficTaken) else 400)


def _take(user, traffic):
    """do_take_traffic, once more after a database conflict (a lock wait that ran out, a
    serialization failure, SQLite busy): by then the other taker has usually won, and the second
    attempt says who (TrafficTaken); a second conflict is left to the caller."""
    try:
        return actions.do_take_traffic(user, traffic)
    except OperationalError:
        log.warning("taking traffic %s met a database conflict; trying once more", traffic.pk, exc_info=True)
    return actions.do_take_traffic(user, traffic)


@login_required
@require_POST
def traffic_take(request, traffic_id):
    traffic = _processable(request, traffic_id)
    try:
        _take(request.user, traffic)
    except OperationalError:
        log.warning("could not take traffic %s", traffic.pk, exc_info=True)
        messages.error(request, _busy_message())
        return redirect("dealership:traffic", traffic.pk)
    except actions.TrafficTaken as taken:
        messages.error(request, taken.message)
        return redirect("dealership:traffic", traffic.pk)
    except ValidationError as error:
        messages.error(request, _first_error(error))
        return redirect("dealership:traffic", traffic.pk)
    messages.success(request, _("You took this traffic: process it now."))
    return redirect("dealership:traffic", traffic.pk)


def _run(request, traffic, action, success, **kwargs):
    try:
        result = action(request.user, traffic, **kwargs)
    except actions.TrafficTaken as taken:
        return _after_action(request, traffic, error=taken.message)
    except OperationalError:
        log.warning("could not process traffic %s", traffic.pk, exc_info=True)
        return _after_action(request, traffic, error=_busy_message(), values=request.POST)
    except ValidationError as error:
        return _after_action(request, traffic, error=_first_error(error), field_errors=_errors(error),
                             values=request.POST)
    messages.success(request, success(result))
    return redirect("dealership:traffic", traffic.pk)


@login_required
@require_POST
def traffic_create_document(request, traffic_id):
    traffic = _processable(request, traffic_id)
    post = request.POST
    return _run(
        request, traffic, actions.do_create_document,
        lambda d: _("%(kind)s %(number)s created.") % {"kind": d.get_kind_display(), "number": d.number},
        kind=post.get("kind", ""), subject=post.get("subject", ""), scheduled_at=post.get("scheduled_at", ""),
        vehicle_id=post.get("doc_vehicle") or None, mileage=post.get("mileage", ""), work=post.get("work", ""),
        booking_id=post.get("booking") or None,
    )


@login_required
@require_POST
def traffic_attach(request, traffic_id):
    traffic = _processable(request, traffic_id)
    try:
        document = access.get_document_for_user(request.user, request.POST.get("document"))
    except Document.DoesNotExist:
        return _after_action(request, traffic, error=_("Choose a document from the search."))
    return _run(request, traffic, lambda user, t: actions.do_attach_document(user, t, document),
                lambda d: _("Traffic attached to %(number)s.") % {"number": d.number})


@login_required
@require_GET
def traffic_documents(request, traffic_id):
    traffic = _processable(request, traffic_id)
    results = actions.search_documents(request.user, request.GET.get("q", ""), contact=traffic.contact)
    return render(request, CARD + "#document_results", {"traffic": traffic, "documents": results})


@login_required
@require_POST
def traffic_ignore(request, traffic_id):
    traffic = _processable(request, traffic_id)
    return _run(request, traffic, actions.do_ignore_traffic, lambda t: _("Traffic ignored."),
                reason_id=request.POST.get("reason"), comment=request.POST.get("comment", ""))


@requires("work_cases")
@require_POST
def traffic_case(request, traffic_id):
    traffic = _processable(request, traffic_id)
    return _run(request, traffic, actions.do_link_case, lambda c: _("Case #%(number)s linked.") % {"number": c.pk},
                campaign=request.POST.get("campaign") or None, case_id=request.POST.get("case_number") or None)


# --- documents ---------------------------------------------------------------------------------------

DOCUMENT_RELATED = ("contact", "vehicle", "department", "responsible", "created_by", "booking", "arrival")


def _get_document(request, document_id):
    try:
        return access.get_document_for_user(request.user, document_id, related=DOCUMENT_RELATED)
    except Document.DoesNotExist:
        raise Http404 from None


def _document_context(request, document, **extra):
    context = {
        "document": document,
        "traffic_list": list(document.traffic.select_related("goal", "taken_by").order_by("registered_at", "id")),
        "lines": list(document.repair_lines.select_related("added_by")),
        "changes": list(document.booking_changes.select_related("changed_by")),
        "errors": {}, "values": {}, "from_traffic": request.GET.get("traffic") or request.POST.get("traffic") or "",
    }
    context.update(extra)
    return context


def _document_filters(params):
    """The document journal's filters from the query string; values it does not know are left
    out: kind, status and department (each may repeat), created from/to (dates, both included)."""
    def day(name):
        try:
            return parse_date((params.get(name) or "").strip())
        except ValueError:
            return None

    return {
        "kinds": [v for v in params.getlist("kind") if v in DocumentKind.values],
        "statuses": [v for v in params.getlist("status") if v in DocumentStatus.values],
        "department_ids": [int(v) for v in params.getlist("department") if v.isdigit() and len(v) <= 18],
        "created_from": day("from"),
        "created_to": day("to"),
    }


@requires("process_traffic")
@require_GET
def document_list(request):
    """The document journal: every document the user may see, with search, filters and pages."""
    q = request.GET.get("q", "")
    filters = _document_filters(request.GET)
    documents = actions.document_queryset(request.user, q, **filters).select_related("arrival")
    page = Paginator(documents, DOCUMENTS_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "dealership/documents.html", {
        "page": page, "documents": page.object_list, "q": q, "filters": filters, "query": query.urlencode(),
        "kinds": DocumentKind.choices, "statuses": DocumentStatus.choices,
        "departments": list(Department.objects.order_by("position", "name")),
    })


@requires("process_traffic")
@require_GET
def document_page(request, document_id):
    document = _get_document(request, document_id)
    return render(request, DOCUMENT, _document_context(request, document))


def _document_action(request, document, action, success, **kwargs):
    try:
        action(request.user, document, **kwargs)
    except ValidationError as error:
        document = _get_document(request, document.pk)
        context = _document_context(request, document, errors=_errors(error), values=request.POST,
                                    error=_first_error(error))
        return render(request, DOCUMENT, context, status=400)
    messages.success(request, success)
    url = document.pk
    traffic = request.POST.get("traffic") or ""
    response = redirect("dealership:document", url)
    if traffic.isdigit():
        response["Location"] += f"?traffic={traffic}"
    return response


@requires("process_traffic")
@require_POST
def document_reschedule(request, document_id):
    document = _get_document(request, document_id)
    return _document_action(request, document, actions.do_reschedule_booking, _("Booking moved."),
                            scheduled_at=request.POST.get("scheduled_at", ""), traffic_id=request.POST.get("traffic"))


@requires("process_traffic")
@require_POST
def document_add_line(request, document_id):
    document = _get_document(request, document_id)
    post = request.POST
    return _document_action(request, document, actions.do_add_repair_line, _("Work added to the repair order."),
                            description=post.get("description", ""), hours=post.get("hours", ""),
                            price=post.get("price", ""), traffic_id=post.get("traffic"))


@requires("process_traffic")
@require_POST
def document_status(request, document_id):
    document = _get_document(request, document_id)
    status = request.POST.get("status", "")
    success = _("Document closed.") if status == DocumentStatus.CLOSED else _("Document reopened.")
    return _document_action(request, document, actions.do_set_document_status, success, status=status)
