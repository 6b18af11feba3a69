"""Administrators define further contact fields (SCC-05) and GDPR consent types here."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from centrala.accounts.permissions import requires

from . import catalogue
from .forms import ConsentTypeForm, ContactFieldForm
from .models import ConsentType, ContactField


def _posted(request):
    return request.POST if request.method == "POST" else None


# --- contact fields -------------------------------------------------------------------------------

@requires("manage_contact_fields")
@require_GET
def fields(request):
    items = ContactField.objects.select_related("campaign").order_by("position", "pk")
    return render(request, "contacts/admin/fields.html", {"fields": items})


def _field_page(request, field):
    form = ContactFieldForm(_posted(request), field=field)
    if request.method == "POST" and form.is_valid():
        created = field.pk is None
        try:
            saved = catalogue.do_save_contact_field(request.user, field, **form.action_kwargs())
        except ValidationError as error:
            form.add_action_errors(error)
        else:
            message = _("Field “%(label)s” was created.") if created else _("Field “%(label)s” was saved.")
            messages.success(request, message % {"label": saved.label})
            return redirect("contacts:fields")
    status = 400 if request.method == "POST" else 200
    return render(request, "contacts/admin/field_form.html", {"form": form, "object": field if field.pk else None},
                  status=status)


@requires("manage_contact_fields")
@require_http_methods(["GET", "POST"])
def field_create(request):
    return _field_page(request, ContactField())


@requires("manage_contact_fields")
@require_http_methods(["GET", "POST"])
def field_edit(request, field_id):
    return _field_page(request, get_object_or_404(ContactField, pk=field_id))


@requires("manage_contact_fields")
@require_POST
def field_move(request, field_id):
    field = get_object_or_404(ContactField, pk=field_id)
    try:
        catalogue.do_move_contact_field(request.user, field, request.POST.get("direction"))
    except ValidationError as error:
        return HttpResponseBadRequest(error.messages[0])
    return redirect("contacts:fields")


# --- consent types --------------------------------------------------------------------------------

@requires("manage_consent_types")
@require_GET
def consent_types(request):
    items = ConsentType.objects.annotate(event_count=Count("events")).order_by("position", "pk")
    return render(request, "contacts/admin/consent_types.html", {"consent_types": items})


def _consent_type_page(request, consent_type):
    form = ConsentTypeForm(_posted(request), consent_type=consent_type)
    if request.method == "POST" and form.is_valid():
        created = consent_type.pk is None
        try:
            saved = catalogue.do_save_consent_type(request.user, consent_type, **form.action_kwargs())
        except ValidationError as error:
            form.add_action_errors(error)
        else:
            message = _("Consent “%(name)s” was created.") if created else _("Consent “%(name)s” was saved.")
            messages.success(request, message % {"name": saved.name})
            return redirect("contacts:consent_types")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "object": consent_type if consent_type.pk else None}
    return render(request, "contacts/admin/consent_type_form.html", context, status=status)


@requires("manage_consent_types")
@require_http_methods(["GET", "POST"])
def consent_type_create(request):
    return _consent_type_page(request, ConsentType())


@requires("manage_consent_types")
@require_http_methods(["GET", "POST"])
def consent_type_edit(request, consent_type_id):
    return _consent_type_page(request, get_object_or_404(ConsentType, pk=consent_type_id))


@requires("manage_consent_types")
@require_POST
def consent_type_move(request, consent_type_id):
    consent_type = get_object_or_404(ConsentType, pk=consent_type_id)
    try:
        catalogue.do_move_consent_type(request.user, consent_type, request.POST.get("direction"))
    except ValidationError as error:
        return HttpResponseBadRequest(error.messages[0])
    return redirect("contacts:consent_types")
