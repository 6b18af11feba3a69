"""Contact pages: the contact card, create and edit, suggestions and consents (the list is a
working list: contacts/lists.py; the import is in import_views.py).

Views parse, call contacts.actions and render. Every contact is visible to whoever works cases;
which of its cases they see is decided by visible_cases() (others are only counted).
"""

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from centrala.accounts.permissions import (
    can,
    get_case_for_user,
    get_contact_for_user,
    requires,
    visible_cases,
)
from centrala.audit.models import AuditEntry
from centrala.cases.models import Case
from centrala.core.links import local_path_from

from . import actions
from .forms import ConsentForm, ContactForm
from .models import ConsentChannel, Contact, ContactKind

CASES_SHOWN = 50
SUGGESTIONS = 10
SUGGEST_MIN_LENGTH = 2


def _contact_or_404(user, contact_id):
    try:
        contact = get_contact_for_user(user, contact_id)
    except Contact.DoesNotExist:
        raise Http404(_("No such contact.")) from None
    return contact


def _with_numbers(contacts):
    return contacts.prefetch_related("phones", "emails")


# --- the contact card -----------------------------------------------------------------------------

def _optional_url(name, *args):
    """A URL another part of the product provides, or None while it does not exist yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _further_values(contact, fields):
    rows = []
    for field in fields:
        if not field.visible:
            continue
        value = (contact.extra or {}).get(field.key)
        rows.append({"field": field, "value": value})
    return rows


def consents_context(contact):
    history = actions.consent_history(contact)
    return {
        "contact": contact,
        "consents": actions.current_consents(contact, history),
        "consent_history": history,
        "consent_channels": ConsentChannel.choices,
    }


@requires("work_cases")
@require_GET
def card(request, contact_id):
    contact = _contact_or_404(request.user, contact_id)
    contact = _with_numbers(Contact.objects.filter(pk=contact.pk)).select_related("created_by").get()
    visible = visible_cases(request.user).filter(contact=contact)
    cases = list(visible.select_related("campaign", "status", "owner").order_by("-id")[:CASES_SHOWN])
    visible_count = visible.count() if len(cases) == CASES_SHOWN else len(cases)
    hidden_count = Case.objects.filter(contact=contact).count() - visible_count
    campaign_ids = set(visible.order_by().values_list("campaign_id", flat=True).distinct())
    for case in cases:
        case.card_url = _optional_url("cases:card", case.pk)
    context = {
        "contact": contact,
        "cases": cases,
        "visible_count": visible_count,
        "hidden_count": max(hidden_count, 0),
        "further": _further_values(contact, actions.applicable_fields(campaign_ids)),
        # The activities fragment, once it exists; until then the card links to the activities list.
        "timeline_url": _optional_url("activities:contact_timeline", contact.pk),
        # The dealership's client history (traffic, documents): for those who may read the journal;
        # for the others it would only repeat the cases and activities above.
        "show_client_history": can(request.user, "view_traffic_journal"),
        **consents_context(contact),
    }
    return render(request, "contacts/card.html", context)


# --- create and edit ------------------------------------------------------------------------------

def _safe_return(request):
    return local_path_from(request, "return")


def _for_case(request):
    case_id = request.POST.get("for_case") or request.GET.get("for_case")
    if not case_id:
        return None
    try:
        return get_case_for_user(request.user, case_id)
    except Case.DoesNotExist:
        raise Http404(_("No such case.")) from None


def _created_response(request, contact, for_case, return_url):
    if request.htmx:
        response = render(request, "contacts/_created.html", {"contact": contact, "for_case": for_case})
        payload = {"id": contact.pk, "name": str(contact), "for_case": for_case.pk if for_case else None}
        response["HX-Trigger"] = json.dumps({"contactCreated": payload})
        return response
    messages.success(request, _("Contact %(name)s was created.") % {"name": contact})
    return redirect(return_url or reverse("contacts:card", args=[contact.pk]))


@requires("work_cases")
@require_http_methods(["GET", "POST"])
def create(request):
    for_case = _for_case(request)
    return_url = _safe_return(request)
    params = {key: value for key, value in (("return", return_url), ("for_case", for_case and for_case.pk)) if value}
    base_url = reverse("contacts:create") + ("?" + urlencode(params) if params else "")
    kind = request.POST.get("kind") or request.GET.get("kind")
    context = {
        "base_url": base_url, "return_url": return_url, "for_case": for_case, "params": params,
        "kinds": ContactKind.choices, "dialog": bool(request.htmx),
    }
    if kind not in ContactKind.values:
        if request.method == "POST":
            context["kind_error"] = _("Choose whether the contact is a person or a company.")
        return _render_editor(request, context, status=400 if request.method == "POST" else 200)

    campaign = for_case.campaign if for_case else None
    posted = request.POST if request.method == "POST" else None
    form = ContactForm(posted, actor=request.user, kind=kind, campaign_ids=[campaign.pk] if campaign else [])
    context.update({"form": form, "kind": kind, "kind_label": ContactKind(kind).label, "duplicates": []})
    if posted is not None and form.is_valid():
        kwargs = form.action_kwargs()
        try:
            actions.check_create_contact(request.user, kind, campaign=campaign, **kwargs)
            if not request.POST.get("confirm_duplicates"):
                context["duplicates"] = actions.find_duplicates(kwargs["phones"], kwargs["emails"])
            if not context["duplicates"]:
                contact = actions.do_create_contact(request.user, kind, campaign=campaign, **kwargs)
                return _created_response(request, contact, for_case, return_url)
        except ValidationError as error:
            form.add_action_errors(error)
    elif posted is not None:
        _check_rows(form)
    status = 400 if posted is not None and not context["duplicates"] and not request.htmx else 200
    return _render_editor(request, context, status=status)


def _check_rows(form, contact=None):
    """Errors of phone and e-mail rows, shown together with the form's own errors rather than
    only once those are fixed."""
    kept = {p.raw for p in contact.phones.all() if not p.e164} if contact else frozenset()
    _phones, phone_errors = actions.clean_phones(form.phones(), kept_as_typed=kept)
    _emails, email_errors = actions.clean_emails(form.emails())
    if phone_errors or email_errors:
        form.add_action_errors(ValidationError({**phone_errors, **email_errors}))


def _render_editor(request, context, status=200):
    template = "contacts/form.html#editor" if request.htmx else "contacts/form.html"
    return render(request, template, context, status=status)


def _updated_response(request, contact, return_url):
    if request.htmx:
        # Edited in a dialog (e.g. on a case card): the page refreshes what it shows of the contact.
        response = render(request, "contacts/_saved.html", {"contact": contact})
        payload = {"id": contact.pk, "name": str(contact), "version": contact.version}
        response["HX-Trigger"] = json.dumps({"contactUpdated": payload})
        return response
    messages.success(request, _("Changes to %(name)s were saved.") % {"name": contact})
    return redirect(return_url or reverse("contacts:card", args=[contact.pk]))


@requires("work_cases")
@require_http_methods(["GET", "POST"])
def edit(request, contact_id):
    contact = _contact_or_404(request.user, contact_id)
    contact = _with_numbers(Contact.objects.filter(pk=contact.pk)).get()
    return_url = _safe_return(request)
    posted = request.POST if request.method == "POST" else None
    campaign_ids = actions.contact_campaign_ids(request.user, contact)
    form = ContactForm(posted, actor=request.user, kind=contact.kind, contact=contact, campaign_ids=campaign_ids)
    context = {
        "contact": contact, "form": form, "kind": contact.kind, "kind_label": contact.get_kind_display(),
        "version": request.POST.get("version", contact.version) if posted is not None else contact.version,
        "return_url": return_url, "duplicates": [], "conflict": None, "dialog": bool(request.htmx),
        "base_url": request.get_full_path(),
    }
    if posted is not None:
        _check_rows(form, contact)  # before the duplicate warning, which would otherwise come first
    if posted is not None and form.is_valid():
        kwargs = form.action_kwargs()
        try:
            if not request.POST.get("confirm_duplicates"):
                context["duplicates"] = actions.find_new_duplicates(contact, kwargs["phones"], kwargs["emails"])
            if not context["duplicates"]:
                saved = actions.do_update_contact(request.user, contact, request.POST.get("version"), **kwargs)
                return _updated_response(request, saved, return_url)
        except actions.ContactConflict as conflict:
            current = _with_numbers(Contact.objects.filter(pk=conflict.current.pk)).get()
            context["conflict"] = {
                "contact": current,
                "entry": AuditEntry.objects.filter(object_type=Contact._meta.label_lower, object_id=str(current.pk))
                .select_related("actor").order_by("-at").first(),
            }
            # Saving again now overwrites, knowingly: the user has been shown what changed.
            context["version"] = current.version
        except ValidationError as error:
            form.add_action_errors(error)
    status = 200 if posted is None or context["duplicates"] or request.htmx else 400
    return _render_editor(request, context, status=status)


# --- suggestions and the duplicate check ----------------------------------------------------------

def _fragment(template, context):
    """A piece of a page: rendered without the shell's context (menu, bell, presence), which a
    fragment never shows, so it costs no queries for them."""
    return HttpResponse(render_to_string(template, context))


@requires("work_cases")
@require_GET
def suggest(request):
    """Contacts matching ?q= (a name, a phone in any format, an e-mail, an id): up to ten buttons
    for the case card's "switch contact" search (CON-03)."""
    q = " ".join(request.GET.get("q", "").split())[:200]
    contacts = []
    if len(q) >= SUGGEST_MIN_LENGTH:
        contacts = list(_with_numbers(actions.search_contacts(request.user, q))[:SUGGESTIONS])
    context = {"contacts": contacts, "q": q, "too_short": len(q) < SUGGEST_MIN_LENGTH}
    return _fragment("contacts/_suggest.html", context)


@requires("work_cases")
@require_GET
def duplicates(request):
    """The duplicate warning for the numbers and addresses typed so far (the form asks live)."""
    phones, emails = request.GET.getlist("phone")[:20], request.GET.getlist("email")[:20]
    contact_id = request.GET.get("contact")
    if contact_id:
        contact = _with_numbers(Contact.objects.filter(pk=_contact_or_404(request.user, contact_id).pk)).get()
        found = actions.find_new_duplicates(contact, phones, emails)
    else:
        found = actions.find_duplicates(phones, emails)
    return _fragment("contacts/_duplicates.html", {"duplicates": found, "live": True})


# --- consents -------------------------------------------------------------------------------------

@requires("work_cases")
@require_POST
def consent(request, contact_id):
    contact = _contact_or_404(request.user, contact_id)
    form = ConsentForm(request.POST)
    error = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_set_consent(request.user, contact, data["consent_type"], data["granted"], data["channel"], data["note"])
        except ValidationError as refused:
            error = " ".join(refused.messages)
    else:
        error = " ".join(f"{form[name].label}: {' '.join(errors)}" for name, errors in form.errors.items())
    if request.htmx:
        context = {**consents_context(contact), "consent_error": error}
        return render(request, "contacts/_consents.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("The consent was recorded."))
    return redirect(reverse("contacts:card", args=[contact.pk]) + "#consents")
