"""Case pages: the list, "go to number", "+" (new case) and the case card with its save, draft,
form tab, contact preview and spam endpoints. Views parse, call cases.actions, render."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from centrala.accounts.permissions import (
    get_case_for_user,
    get_contact_for_user,
    requires,
)
from centrala.api.errors import error_response
from centrala.contacts.models import Contact

from . import actions
from .card import (
    card_context,
    conflict_rows,
    draft_for,
    optional_url,
    owner_options,
    status_options,
)
from .forms import (
    CaseCreateForm,
    card_changes,
    changed_names,
    draft_payload,
    kinds_of,
    load_fields,
    parse_original,
    read_posted,
    saved_values,
    value_fields,
)
from .models import Case, Source

PAGE_SIZE = 50
CARD_RELATED = ("campaign__script__form", "status", "owner", "contact", "updated_by")


def _case_or_404(user, case_id):
    """The case with what the card shows of it; 404 when the user may not see it."""
    return _visible_case(user, case_id, related=CARD_RELATED)


# --- "go to number" -------------------------------------------------------------------

@requires("work_cases")
@require_GET
def goto(request):
    """The top bar's "go to case number" box (CASE-02): the card, or a clear "not found"."""
    raw = (request.GET.get("number") or "").strip()
    number = raw.lstrip("#").strip()
    if not number.isdigit() or len(number) > 18:
        return render(request, "cases/not_found.html", {"number": raw, "invalid": True}, status=400)
    try:
        case = get_case_for_user(request.user, number)
    except Case.DoesNotExist:
        return render(request, "cases/not_found.html", {"number": number}, status=404)
    return redirect("cases:card", case_id=case.pk)


# --- "+": a new case --------------------------------------------------------------------------------

@requires("work_cases")
@require_http_methods(["GET", "POST"])
def create(request):
    """CASE-03 / CMP-01: an agent creates an outbound case in one of their campaigns."""
    initial, contact = {}, None
    if request.GET.get("contact"):  # e.g. from a contact's card
        try:
            contact = get_contact_for_user(request.user, request.GET["contact"])
        except Contact.DoesNotExist:
            raise Http404(_("That contact does not exist.")) from None
        initial = {"contact": contact.pk, "contact_search": contact.display_name}
    form = CaseCreateForm(request.user, request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = actions.do_create_case(
                    request.user, campaign=data["campaign"], contact=form.contact_obj, source=Source.OUTBOUND,
                    owner=data["owner"], priority=data["priority"],
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                return redirect("cases:card", case_id=case.pk)
        contact = form.contact_obj
    context = {"form": form, "owner_options": form.owner_options(), "contact": contact, "urls": _contact_urls()}
    return render(request, "cases/create.html", context, status=400 if form.is_bound else 200)


def _add_errors(form, error):
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def _contact_urls():
    return {"suggest": optional_url("contacts:suggest"), "create": optional_url("contacts:create")}


# --- the case card -------------------------------------------------------------------------------------

@requires("work_cases")
@require_GET
@never_cache
def card(request, case_id):
    case = _case_or_404(request.user, case_id)
    if case.owner_id is None:
        case = actions.do_claim_on_open(request.user, case)  # CASE-07: an agent opening it owns it
        if case.owner_id is not None:
            case = Case.objects.select_related(*CARD_RELATED).get(pk=case.pk)
    context = card_context(request, case, **_draft_state(request.user, case))
    return render(request, "cases/card.html", context)


def _draft_state(user, case):
    """The user's draft of this case, as the card shows it (BEY-04)."""
    draft = draft_for(user, case)
    if draft is None:
        return {}
    data = MultiValueDict({k: v for k, v in draft.data.items() if isinstance(v, list)})
    fields = value_fields(load_fields(case.campaign.script.form))
    original = parse_original(data.get("original"))
    try:
        version = int(data.get("version", ""))
    except ValueError:
        version = None
    if original is None or version is None:
        # A draft without what it was typed against cannot be checked for conflicts: treat it
        # as typed against the version it was stored with.
        original, version = None, draft.base_version
    return {
        "posted": read_posted(data, fields),
        "original": original,
        "version": version,
        "restored": {"at": draft.updated_at, "stale": version != case.version},
    }


@requires("work_cases")
@require_GET
@never_cache
def form_tab(request, case_id):
    """The Form tab (FRM-01), also what the form editor returns to (#form-tab)."""
    case = _case_or_404(request.user, case_id)
    context = card_context(request, case, **_draft_state(request.user, case))
    response = render(request, "cases/_form_tab.html", context)
    # Whoever asks (the card, the form editor's "Done"), this replaces #form-tab.
    response["HX-Retarget"] = "#form-tab"
    response["HX-Reswap"] = "outerHTML"
    return response


@requires("work_cases")
@require_GET
def contact_panel(request, case_id):
    """The contact area showing another contact, before the user saves the switch (CON-03)."""
    case = _case_or_404(request.user, case_id)
    try:
        contact = get_contact_for_user(request.user, request.GET.get("contact"))
    except Contact.DoesNotExist:
        return HttpResponse(_("That contact does not exist. Choose another one."), status=404,
                            content_type="text/plain; charset=utf-8")
    context = card_context(request, case, posted={"contact": str(contact.pk)})
    return render(request, "cases/_contact.html", context)


@requires("work_cases")
@require_POST
def save(request, case_id):
    """Save the card (CASE-09): only what the user changed, against the version they loaded.

    Answers the card again: saved (200), with errors beside the fields (400), or with the
    conflict panel (409). What the user typed is kept in the form and in their draft.
    refresh=1 (the presence notice's Refresh on a card with unsaved changes) only compares: the
    conflict panel when someone saved since, else 204; nothing is saved.
    """
    user = request.user
    case = _case_or_404(user, case_id)
    fields = load_fields(case.campaign.script.form)
    values = value_fields(fields)
    posted = read_posted(request.POST, values)
    original = parse_original(request.POST.get("original"))
    base = saved_values(case, values) if original is None else original
    keep_mine = request.POST.get("keep_mine")
    version = request.POST.get("version")
    then = "close" if request.POST.get("then") == "close" else ""
    failed = {"posted": posted, "original": original, "version": _int_or_none(version)}

    try:
        base_version = int(keep_mine or version or "")
    except ValueError:
        missing = _("The version of the case you edited is missing. Reload the case.")
        return _failed(request, case, {"version": [missing]}, **failed)
    if base_version != case.version:
        return _conflict(request, case, fields, posted, original, failed)
    if request.POST.get("refresh") == "1":
        return HttpResponse(status=204)  # asked only to compare with the saved case: nothing newer

    names = changed_names(posted, base, kinds_of(values))
    changes, errors = card_changes(user, case, posted, names, statuses=status_options(case),
                                   owners=owner_options(case), fields=values)
    if errors:
        return _failed(request, case, errors, **failed)
    try:
        case = actions.do_update_case(user, case.pk, base_version=base_version, changes=changes,
                                      confirm_campaign_change=request.POST.get("confirm_campaign_change") == "1")
    except actions.CaseConflict:
        return _conflict(request, case, fields, posted, original, failed)
    except ValidationError as error:
        if getattr(error, "code", None) == "campaign_change":
            return _failed(request, case, {"campaign": error.messages}, needs_campaign_confirm=True, **failed)
        messages = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        return _failed(request, case, messages, **failed)
    actions.do_discard_draft(user, case)
    case = Case.objects.select_related(*CARD_RELATED).get(pk=case.pk)
    context = card_context(request, case, outcome="saved", then=then)
    return render(request, _card_template(request), context)


def _card_template(request):
    """htmx swaps the card; a plain post (no JavaScript) gets the whole page."""
    return "cases/card.html#card" if request.htmx else "cases/card.html"


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _keep_draft(request, case):
    """A refused save keeps what was typed as the user's draft, even if the page then closes."""
    try:
        data, base_version = draft_payload(request.POST)
    except ValidationError:
        return
    actions.do_save_draft(request.user, case, data=data, base_version=base_version)


def _failed(request, case, errors, *, posted, original, version, needs_campaign_confirm=False):
    _keep_draft(request, case)
    context = card_context(request, case, posted=posted, original=original, version=version, errors=errors,
                           outcome="invalid", needs_campaign_confirm=needs_campaign_confirm)
    return render(request, _card_template(request), context, status=400)


def _conflict(request, case, fields, posted, original, failed):
    _keep_draft(request, case)
    conflict = {
        "rows": conflict_rows(case, fields, original, posted),
        "by": case.updated_by,
        "at": case.updated_at,
        "version": case.version,
    }
    context = card_context(request, case, posted=posted, original=original, version=failed["version"],
                           conflict=conflict, outcome="conflict")
    return render(request, _card_template(request), context, status=409)


@requires("work_cases")
@require_POST
def draft(request, case_id):
    """Keep (or with discard=1, drop) the user's unsaved edits of the card (BEY-04)."""
    case = _visible_case(request.user, case_id)
    if request.POST.get("discard") == "1":
        actions.do_discard_draft(request.user, case)
        return HttpResponse(status=204)
    try:
        data, base_version = draft_payload(request.POST)
    except ValidationError as error:
        return error_response(400, " ".join(error.messages))
    actions.do_save_draft(request.user, case, data=data, base_version=base_version)
    return HttpResponse(status=204)


def _visible_case(user, case_id, related=()):
    """The case (with `related` rows loaded alongside) or 404 when the user may not see it."""
    try:
        return get_case_for_user(user, case_id, related=related)
    except Case.DoesNotExist:
        raise Http404(_("There is no case with this number, or it is not in your campaigns.")) from None


@requires("work_cases")
@require_POST
def spam(request, case_id):
    """Mark the case as spam or not (CASE-13), from the card's menu, without saving the card."""
    case = _visible_case(request.user, case_id)
    value = request.POST.get("spam")
    if value not in ("0", "1"):
        return error_response(400, _("Say whether the case is spam."))
    try:
        case = actions.do_update_case(request.user, case.pk, base_version=request.POST.get("version"),
                                      changes={"is_spam": value == "1"})
    except actions.CaseConflict:
        message = _("Someone else saved this case meanwhile. Save or reload it first.")
        return error_response(409, message)
    except ValidationError as error:
        return error_response(400, " ".join(error.messages))
    message = _("Marked as spam.") if case.is_spam else _("Marked as not spam.")
    return JsonResponse({"version": case.version, "is_spam": case.is_spam, "message": message,
                         "card": reverse("cases:card", args=[case.pk])})
