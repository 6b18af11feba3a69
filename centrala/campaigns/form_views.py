"""Forms: the in-place editor (FRM-02), its standalone page, and the field settings pages.

The editor is a fragment (campaigns:form_editor). The case card's Form tab loads it for
managers and administrators; campaigns:form_edit_page shows it on a page of its own. Every
edit is a small POST (campaigns:form_editor_op) that saves at once through an action and
answers with the editor again. `?return=<url>` is where "Done" goes: the card's Form tab
fragment, swapped into #form-tab.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from centrala.accounts.permissions import requires
from centrala.core.links import local_path_from

from . import actions
from .forms import FieldForm
from .models import Campaign, Form, FormChoice, FormField, FormFieldKind, Status

PAGE = "page"


class _Gone(Exception):
    """An id in the request names nothing in this form (deleted meanwhile, or never there)."""


def _return_url(request):
    """The "Done" target: a path on this site only, never another host."""
    return local_path_from(request, "return")


def _layout(request):
    return PAGE if (request.GET.get("layout") or request.POST.get("layout")) == PAGE else ""


def _state(request, *, return_url=None, layout=None):
    """Where "Done" goes and how the editor is laid out, kept across its edits in the query."""
    return_url = _return_url(request) if return_url is None else return_url
    layout = _layout(request) if layout is None else layout
    keep = urlencode({key: value for key, value in (("return", return_url), ("layout", layout)) if value})
    return {"return_url": return_url, "layout": layout, "keep": keep}


def _page_url(form):
    return reverse("campaigns:form_edit_page", args=[form.pk])


def _preview_url(form):
    return reverse("campaigns:form_preview", args=[form.pk])


def editor_context(request, form, *, error=None, saved=False, **state):
    fields = list(form.fields.select_related("sets_status").prefetch_related("choices"))
    state = _state(request, **state)
    query = f"?{state['keep']}" if state["keep"] else ""
    # Every small edit posts to its operation's URL, carrying where "Done" goes and the layout.
    ops = {
        op.replace("-", "_"): reverse("campaigns:form_editor_op", args=[form.pk, op]) + query for op in OPERATIONS
    }
    return {
        "form_obj": form, "fields": fields, "statuses": actions.statuses_for_buttons(form),
        "script": actions.script_of(form), "error": error, "saved": saved, "ops": ops, **state,
    }


def _page(request, form, context):
    """The fragment on a page of its own, for a request that is not htmx (a link, a reload)."""
    context["campaigns"] = Campaign.objects.filter(script__form=form)
    return render(request, "campaigns/form_page.html", context)


@requires("edit_forms")
@require_GET
def form_editor(request, form_id):
    form = get_object_or_404(Form, pk=form_id)
    context = editor_context(request, form)
    if not request.htmx:
        return _page(request, form, context)
    return render(request, "campaigns/_form_editor.html", context)


@requires("edit_forms")
@require_GET
def form_edit_page(request, form_id):
    """The editor on a page of its own (the builder): also links to every field's settings."""
    form = get_object_or_404(Form, pk=form_id)
    return _page(request, form, editor_context(request, form, layout=PAGE,
                                               return_url=f"{_preview_url(form)}?layout={PAGE}"))


@requires("edit_forms")
@require_GET
def form_preview(request, form_id):
    """The form as agents see it (read-only), with an "Edit" button back to the editor."""
    form = get_object_or_404(Form, pk=form_id)
    fields = form.fields.filter(hidden=False).select_related("sets_status").prefetch_related("choices")
    state = _state(request, return_url=f"{_preview_url(form)}?layout={_layout(request)}")
    editor_url = reverse("campaigns:form_editor", args=[form.pk]) + f"?{state['keep']}"
    context = {"form_obj": form, "fields": fields, "editor_url": editor_url, "preview": True,
               "script": actions.script_of(form), **state}
    if not request.htmx:
        return _page(request, form, context)
    return render(request, "campaigns/_form_preview.html", context)


# --- the editor's small edits ----------------------------------------------------------------

def _id(request, name):
    try:
        return int(request.POST.get(name, ""))
    except ValueError:
        raise _Gone(name) from None


def _field(request, form):
    try:
        return FormField.objects.get(pk=_id(request, "field"), form=form)
    except FormField.DoesNotExist:
        raise _Gone("field") from None


def _choice(request, form):
    try:
        return FormChoice.objects.select_related("field").get(pk=_id(request, "choice"), field__form=form)
    except FormChoice.DoesNotExist:
        raise _Gone("choice") from None


def _status(request):
    raw = request.POST.get("status", "")
    if raw == "":
        return None
    try:
        return Status.objects.get(pk=int(raw))
    except (ValueError, Status.DoesNotExist):
        raise ValidationError(_("Choose one of the script's statuses.")) from None


def _flag(request, name):
    return request.POST.get(name) in ("1", "on", "true")


# Each operation: (what it needs from the request) -> calls one action.
OPERATIONS = {
    "form-name": lambda r, f: actions.do_rename_form(r.user, f, r.POST.get("name", "")),
    "field-title": lambda r, f: actions.do_update_field(r.user, _field(r, f), label=r.POST.get("title", "")),
    "field-required": lambda r, f: actions.do_update_field(r.user, _field(r, f), required=_flag(r, "required")),
    "field-hidden": lambda r, f: actions.do_update_field(r.user, _field(r, f), hidden=_flag(r, "hidden")),
    "field-status": lambda r, f: actions.do_update_field(r.user, _field(r, f), sets_status=_status(r)),
    "field-move": lambda r, f: actions.do_move_field(r.user, _field(r, f), r.POST.get("direction")),
    "button-add": lambda r, f: actions.do_add_field(
        r.user, f, label=r.POST.get("title", ""), kind=FormFieldKind.BUTTON, sets_status=_status(r),
    ),
    "choice-add": lambda r, f: actions.do_add_choice(r.user, _field(r, f), r.POST.get("label", "")),
    "choice-label": lambda r, f: actions.do_update_choice(r.user, _choice(r, f), label=r.POST.get("label", "")),
    "choice-hidden": lambda r, f: actions.do_update_choice(r.user, _choice(r, f), hidden=_flag(r, "hidden")),
    "choice-move": lambda r, f: actions.do_move_choice(r.user, _choice(r, f), r.POST.get("direction")),
}


@requires("edit_forms")
@require_POST
def form_editor_op(request, form_id, op):
    form = get_object_or_404(Form, pk=form_id)
    try:
        operation = OPERATIONS[op]
    except KeyError:
        raise Http404(f"unknown form editor operation {op!r}") from None
    status, error = 200, None
    try:
        operation(request, form)
    except (_Gone, FormField.DoesNotExist, FormChoice.DoesNotExist):  # also: deleted by someone meanwhile
        status, error = 404, _("That item is no longer on this form; the editor now shows the current form.")
    except ValidationError as exc:
        status, error = 400, " ".join(exc.messages)
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(_page_url(form))
    form.refresh_from_db()
    # htmx swaps only successful answers: an error is shown inside the editor, marked for tests
    # and scripts by the X-Centrala-Error header rather than by the status code.
    response = render(request, "campaigns/_form_editor.html",
                      editor_context(request, form, error=error, saved=error is None))
    if error:
        response["X-Centrala-Error"] = str(status)
    return response


# --- field settings (the builder's full edit) ------------------------------------------------

def _field_page(request, form, field):
    bound = FieldForm(request.POST if request.method == "POST" else None, form=form, field=field)
    if request.method == "POST" and bound.is_valid():
        try:
            if field is None:
                values = bound.action_kwargs()
                field = actions.do_add_field(request.user, form, **values)
                message = _("Field “%(name)s” was added.")
            else:
                field = actions.do_update_field(request.user, field, **bound.action_kwargs())
                message = _("Field “%(name)s” was saved.")
        except ValidationError as error:
            bound.add_action_errors(error)
        else:
            messages.success(request, message % {"name": field.label})
            return redirect("campaigns:form_edit_page", form_id=form.pk)
    context = {"form_obj": form, "field": field, "form": bound, "script": actions.script_of(form),
               "has_data": field is not None and actions.field_has_data(field)}
    return render(request, "campaigns/field_form.html", context, status=400 if request.method == "POST" else 200)


@requires("edit_forms")
@require_http_methods(["GET", "POST"])
def field_create(request, form_id):
    return _field_page(request, get_object_or_404(Form, pk=form_id), None)


@requires("edit_forms")
@require_http_methods(["GET", "POST"])
def field_edit(request, form_id, field_id):
    form = get_object_or_404(Form, pk=form_id)
    return _field_page(request, form, get_object_or_404(FormField.objects.select_related("sets_status"),
                                                        pk=field_id, form=form))


@requires("edit_forms")
@require_POST
def field_delete(request, form_id, field_id):
    form = get_object_or_404(Form, pk=form_id)
    field = get_object_or_404(FormField, pk=field_id, form=form)
    try:
        actions.do_delete_field(request.user, field)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("campaigns:field_edit", form_id=form.pk, field_id=field.pk)
    messages.success(request, _("Field “%(name)s” was deleted.") % {"name": field.label})
    return redirect("campaigns:form_edit_page", form_id=form.pk)
