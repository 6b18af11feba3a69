"""The Activities tab of the case card, a contact's activities and the list of all (ACT-01..02, ACT-04).

Everything here is htmx-first: the case card loads `case_timeline` into its tab; actions on one
entry answer with that entry re-rendered; the note and upload forms answer with the entries and
a fresh copy of the form that was sent (the other keeps what is typed in it). Plain requests get
full pages and redirects, so every action also works without htmx.
"""

import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.http import FileResponse, Http404, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from centrala.accounts.permissions import get_case_for_user, get_contact_for_user, requires
from centrala.cases.models import Case
from centrala.contacts.models import Contact

from . import actions, files, queries
from .forms import TimelineFilterForm
from .models import Activity, ActivityKind, Attachment

PAGE = "activities/timeline.html"
SECTION = "activities/timeline.html#section"
RESULTS = "activities/timeline.html#results"
ITEMS = "activities/timeline.html#items"
NOTE_FORM = "activities/timeline.html#note_form"
UPLOAD_FORM = "activities/timeline.html#upload_form"
ITEM = "activities/_item.html"


# --- lookups: what the user may not see is "not found" ------------------------------------------

def _case(user, case_id):
    try:
        return get_case_for_user(user, case_id)
    except Case.DoesNotExist:
        raise Http404(_("No such case, or it is not visible to you.")) from None


def _activity(user, activity_id):
    try:
        return queries.get_activity_for_user(user, activity_id)
    except Activity.DoesNotExist:
        raise Http404(_("No such activity, or it is not visible to you.")) from None


# --- rendering ------------------------------------------------------------------------------------

def _mark_rights(user, activities):
    for activity in activities:
        activity.user_can_edit = queries.can_edit(user, activity)
        activity.user_can_move = queries.can_move(activity)
        for note in activity.annotations.all():
            note.user_can_edit = queries.can_edit(user, note)
    return activities


def _filter_form(data):
    form = TimelineFilterForm(data)
    form.is_valid()
    return form


def _timeline_context(request, *, case=None, contact=None, data=None, extra=None):
    """What a timeline shows: of a case, of a contact, or of everything the user sees (neither)."""
    user = request.user
    form = _filter_form(request.GET if data is None else data)
    if case is not None:
        scope = queries.case_activities(case)
        base_url = reverse("activities:case_timeline", args=[case.pk])
        section_id = f"activities-case-{case.pk}"
        heading = _("Activities of case #%(number)s") % {"number": case.pk}
    elif contact is not None:
        scope = queries.contact_activities(user, contact)
        base_url = reverse("activities:contact_timeline", args=[contact.pk])
        section_id = f"activities-contact-{contact.pk}"
        heading = _("Activities of %(name)s") % {"name": contact}
    else:
        scope = queries.visible_activities(user)
        base_url = reverse("activities:list")
        section_id = "activities-all"
        heading = _("Activities")
    page = form.page_number()
    activities, has_more = queries.page_of(scope, form.filters(), page)
    query = form.query()
    refresh_query = form.query(part="results")
    return {
        "case": case, "contact": contact, "form": form, "section_id": section_id, "heading": heading,
        "activities": _mark_rights(user, activities), "has_more": has_more,
        "more_url": f"{base_url}?{form.query(page=page + 1, part='items')}",
        "base_url": base_url, "page_url": f"{base_url}?{query}" if query else base_url,
        "refresh_url": f"{base_url}?{refresh_query}",
        "authors": queries.authors_of(scope), "kinds": ActivityKind.choices,
        "show_case": case is None, "filtered": bool(query),
        **_composer_context(),
        **(extra or {}),
    }


def _composer_context():
    return {
        "max_upload": filesizeformat(settings.ATTACHMENT_MAX_BYTES), "accepted_types": files.accepted_labels(),
        "accept": files.accept_attribute(), "max_files": actions.MAX_FILES_PER_UPLOAD,
    }


def _timeline(request, *, case=None, contact=None):
    """The full page, or for htmx the part asked for: the whole section (the card's tab), the
    results under the filters (filtering, refreshing) or just more entries ("show more")."""
    context = _timeline_context(request, case=case, contact=contact)
    part = request.GET.get("part")
    if not request.htmx:
        template = PAGE
    elif part == "items":
        template = ITEMS
    elif part == "results":
        template = RESULTS
    else:
        template = SECTION
    return render(request, template, context)


def _after_composer(request, case, form_partial):
    """A note or upload was saved: the results, plus a fresh copy of that form swapped in
    out of band (the other form keeps whatever the user is typing in it)."""
    context = _timeline_context(request, case=case, data=request.POST)
    results = render_to_string(RESULTS, context, request)
    fresh = render_to_string(form_partial, {**context, "oob": True}, request)
    return HttpResponse(results + fresh)


def _composer_refused(request, case, form_partial, extra):
    """The form again, with its errors and what was typed, in place of itself."""
    context = {"case": case, **_composer_context(), **extra}
    response = render(request, form_partial, context)
    form_id = "note-form" if form_partial == NOTE_FORM else "upload-form"
    response["HX-Retarget"] = f"#{form_id}-{case.pk}"
    response["HX-Reswap"] = "outerHTML"
    return response


def _item(request, activity, *, show_case=None, extra=None):
    """One entry of a timeline, with its short notes, re-read as the timeline reads it.

    Also the answer to a refused action on it (with the message in place): htmx does not swap
    4xx answers, so those are 200 too; plain requests are redirected before getting here."""
    root_id = activity.parent_id or activity.pk
    rows, _more = queries.page_of(Activity.objects.filter(pk=root_id), queries.TimelineFilters(), 1)
    if show_case is None:
        show_case = request.GET.get("show_case") == "1" or request.POST.get("show_case") == "1"
    context = {"activity": _mark_rights(request.user, rows)[0], "show_case": show_case, **(extra or {})}
    return render(request, ITEM, context)


def _messages_of(error, *fields):
    if hasattr(error, "error_dict"):
        found = [message for field in fields for message in error.message_dict.get(field, [])]
        return found or error.messages
    return error.messages


def _error_trigger(response, text):
    # JSON-escaped, so quotes and non-Latin letters survive the header (see presence.views).
    response["HX-Trigger"] = json.dumps({"centrala:error": text})
    return response


# --- timelines --------------------------------------------------------------------------------

@requires("work_cases")
@require_GET
def case_timeline(request, case_id):
    """ACT-01: every activity of the case, newest (or oldest) first, filtered by kind and author."""
    return _timeline(request, case=_case(request.user, case_id))


@requires("work_cases")
@require_GET
def contact_timeline(request, contact_id):
    """A contact's activities, on the cases the user may see."""
    try:
        contact = get_contact_for_user(request.user, contact_id)
    except Contact.DoesNotExist:
        raise Http404(_("No such contact, or it is not visible to you.")) from None
    return _timeline(request, contact=contact)


@requires("work_cases")
@require_GET
def activity_list(request):
    """All activities the user may see (ACT-04's views filter this by kind)."""
    return _timeline(request)


@requires("work_cases")
@require_GET
def item(request, activity_id):
    return _item(request, _activity(request.user, activity_id))


# --- notes ------------------------------------------------------------------------------------

@requires("work_cases")
@require_POST
def add_note(request, case_id):
    case = _case(request.user, case_id)
    body = request.POST.get("body", "")
    try:
        actions.do_add_note(request.user, case.pk, body)
    except ValidationError as error:
        if not request.htmx:
            messages.error(request, " ".join(_messages_of(error, "body")))
            return redirect(reverse("activities:case_timeline", args=[case.pk]))
        extra = {"note_body": body, "note_errors": _messages_of(error, "body")}
        return _composer_refused(request, case, NOTE_FORM, extra)
    if not request.htmx:
        messages.success(request, _("The note was added."))
        return redirect(reverse("activities:case_timeline", args=[case.pk]))
    return _after_composer(request, case, NOTE_FORM)


@requires("work_cases")
@require_POST
def annotate(request, activity_id):
    """ACT-02: a short note on any entry of the timeline."""
    activity = _activity(request.user, activity_id)
    body = request.POST.get("body", "")
    try:
        actions.do_add_note(request.user, activity.case_id, body, parent_id=activity.pk)
    except ValidationError as error:
        text = _messages_of(error, "body", "parent")
        if not request.htmx:
            messages.error(request, " ".join(text))
            return redirect(reverse("activities:case_timeline", args=[activity.case_id]))
        extra = {"open_form": "annotate", "form_value": body, "form_errors": text}
        return _item(request, activity, extra=extra)
    if not request.htmx:
        return redirect(reverse("activities:case_timeline", args=[activity.case_id]))
    return _item(request, activity)


@requires("work_cases")
@require_http_methods(["GET", "POST"])
def edit_note(request, activity_id):
    """The inline editor of a note: GET gives the form, POST saves (author, manager, administrator)."""
    activity = _activity(request.user, activity_id)
    root = activity.parent or activity
    if not queries.can_edit(request.user, activity):
        raise PermissionDenied(_("Only the note's author, a manager or an administrator may edit it."))
    show_case = (request.GET.get("show_case") or request.POST.get("show_case")) == "1"
    context = {"activity": activity, "root": root, "show_case": show_case, "value": activity.body,
               "max_length": actions.SHORT_NOTE_MAX_LENGTH if activity.parent_id else actions.NOTE_MAX_LENGTH}
    if request.method == "GET":
        return render(request, "activities/_edit_form.html", context)
    body = request.POST.get("body", "")
    try:
        actions.do_edit_note(request.user, activity.pk, body)
    except ValidationError as error:
        if not request.htmx:
            messages.error(request, " ".join(_messages_of(error, "body")))
            return redirect(reverse("activities:case_timeline", args=[activity.case_id]))
        context.update(value=body, errors=_messages_of(error, "body"))
        response = render(request, "activities/_edit_form.html", context)
        # The form replaces itself; on success the whole entry (with its short notes) is redrawn.
        response["HX-Retarget"] = f"#note-body-{activity.pk}"
        response["HX-Reswap"] = "innerHTML"
        return response
    if not request.htmx:
        messages.success(request, _("The note was saved."))
        return redirect(reverse("activities:case_timeline", args=[activity.case_id]))
    return _item(request, root, show_case=show_case)


# --- moving -------------------------------------------------------------------------------------

@requires("work_cases")
@require_POST
def move(request, activity_id):
    """ACT-02: move an entry (with its short notes) to another case, picked by its number."""
    activity = _activity(request.user, activity_id)
    number = request.POST.get("case", "").strip().lstrip("#")
    fallback = reverse("activities:case_timeline", args=[activity.case_id])
    try:
        if not number:
            raise ValidationError({"case": _("Enter the number of the case to move it to.")})
        actions.do_move_activity(request.user, activity.pk, number)
    except (ValidationError, Case.DoesNotExist) as error:
        not_found = isinstance(error, Case.DoesNotExist)
        if not_found:
            # The same answer for a case that does not exist and one the user may not see.
            text = [_("There is no case #%(number)s that you can see.") % {"number": number}]
        else:
            text = _messages_of(error, "case")
        if not request.htmx:
            if not_found:
                raise Http404(text[0]) from None
            messages.error(request, " ".join(text))
            return redirect(fallback)
        extra = {"open_form": "move", "form_value": number, "form_errors": text}
        return _error_trigger(_item(request, activity, extra=extra), text[0])
    activity.refresh_from_db()
    text = _("Moved to case #%(number)s.") % {"number": activity.case_id}
    if not request.htmx:
        messages.success(request, text)
        return redirect(fallback)
    if request.POST.get("show_case") == "1":
        return _item(request, activity, extra={"notice": text})
    return render(request, "activities/_moved.html", {"activity": activity, "notice": text})


# --- attachments ----------------------------------------------------------------------------

@csrf_exempt
@requires("work_cases")
@require_POST
def upload(request, case_id):
    """Files become attachment entries. The size guard must be installed before the body is read,
    which the CSRF check would do; so the check runs inside, after it (Django's documented way)."""
    guard = files.SizeLimitUploadHandler(request, max_bytes=settings.ATTACHMENT_MAX_BYTES)
    request.upload_handlers.insert(0, guard)
    refused = None
    limit = filesizeformat(settings.ATTACHMENT_MAX_BYTES)
    # Refuse a body that cannot hold acceptable files before parsing it at all.
    if _content_length(request) > settings.ATTACHMENT_MAX_BYTES * actions.MAX_FILES_PER_UPLOAD + 1024 * 1024:
        refused = _("The upload is too large: at most %(count)s files of %(limit)s each.") % {
            "count": actions.MAX_FILES_PER_UPLOAD, "limit": limit}
    else:
        try:
            request.FILES  # noqa: B018 - parse now, with the guard, so Django's own limits are caught here
        except MultiPartParserError:
            refused = _("The upload could not be read; try again.")
        except (RequestDataTooBig, TooManyFieldsSent):
            refused = _("The form sent too much data; upload fewer or smaller files.")
        except TooManyFilesSent:
            refused = _("Upload at most %(count)s files at once.") % {"count": actions.MAX_FILES_PER_UPLOAD}
    if refused:
        # From now on the body reads as empty instead of raising again; the CSRF check then uses
        # the X-CSRFToken header that htmx sends.
        request._mark_post_parse_error()
    return _upload(request, case_id, guard=guard, refused=refused)


def _content_length(request):
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@csrf_protect
def _upload(request, case_id, *, guard, refused):
    case = _case(request.user, case_id)
    description = request.POST.get("description", "")
    fallback = reverse("activities:case_timeline", args=[case.pk])
    try:
        if refused:
            raise ValidationError({"files": refused})
        created = actions.do_add_attachments(
            request.user, case.pk, request.FILES.getlist("files"), description=description, too_big=guard.too_big,
        )
    except ValidationError as error:
        text = _messages_of(error, "files", "description")
        if not request.htmx:
            messages.error(request, " ".join(text))
            return redirect(fallback)
        extra = {"upload_errors": text, "upload_description": description}
        return _composer_refused(request, case, UPLOAD_FORM, extra)
    if not request.htmx:
        messages.success(request, _("Files attached: %(count)s.") % {"count": len(created)})
        return redirect(fallback)
    return _after_composer(request, case, UPLOAD_FORM)


@requires("work_cases")
@require_GET
def download(request, attachment_id):
    """Files leave only through here: case access is checked, and the browser is told to save the
    file, never to show or run it."""
    try:
        attachment = queries.get_attachment_for_user(request.user, attachment_id)
    except Attachment.DoesNotExist:
        raise Http404(_("No such file, or it is not visible to you.")) from None
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404(_("The file “%(name)s” is missing from storage.") % {"name": attachment.name}) from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.name,
                            content_type=attachment.content_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
