"""The pages of a contacts import (CON-06): upload, column mapping, preview, progress and result
(with the rows refused and why, as a page and as a CSV), and "create cases in campaign" for the
import group. Managers and administrators only (capability "import_contacts")."""

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from centrala.accounts.permissions import can, requires
from centrala.lib.export import Echo

from . import importfile, importing
from .lists import create_cases_choices
from .models import ContactField, ContactImport, DuplicateMode, ImportState

RECENT_IMPORTS = 20
SAMPLE_ROWS = 3
ERRORS_SHOWN = 50


def _import_or_404(import_id):
    try:
        return ContactImport.objects.defer("data").select_related("group", "created_by").get(pk=import_id)
    except ContactImport.DoesNotExist:
        raise Http404(_("No such import.")) from None


def _with_data(imp):
    return ContactImport.objects.get(pk=imp.pk)


def _started(imp):
    return redirect("contacts:import_detail", imp.pk)


@requires("import_contacts")
@require_http_methods(["GET", "POST"])
def imports(request):
    """The upload form and the latest imports."""
    error, status = None, 200
    if request.method == "POST":
        uploaded = request.FILES.get("file")
        if uploaded is None:
            error = _("Choose a CSV or XLSX file to upload.")
        elif uploaded.size > importfile.MAX_BYTES:
            error = _("The file is too large: at most %(size)s MB.") % {"size": importfile.MAX_BYTES // (1024 * 1024)}
        else:
            try:
                imp = importing.do_upload(request.user, uploaded.name, uploaded.read())
            except ValidationError as refused:
                error = " ".join(refused.messages)
            else:
                return redirect("contacts:import_mapping", imp.pk)
        status = 400
    recent = ContactImport.objects.defer("data", "errors").select_related("created_by", "group")[:RECENT_IMPORTS]
    return render(request, "contacts/import/upload.html", {
        "error": error, "imports": recent, "max_mb": importfile.MAX_BYTES // (1024 * 1024),
        "max_rows": importfile.MAX_ROWS,
    }, status=status)


def _samples(imp):
    data = _with_data(imp)
    rows = []
    try:
        for _number, cells in importing.data_rows(data):
            rows.append(cells)
            if len(rows) >= SAMPLE_ROWS:
                break
    except importfile.FileError:
        pass
    return rows


@requires("import_contacts")
@require_http_methods(["GET", "POST"])
def mapping(request, import_id):
    imp = _import_or_404(import_id)
    if imp.state != ImportState.UPLOADED:
        return _started(imp)
    errors, status = [], 200
    posted_mapping = None
    if request.method == "POST":
        status = 400
        try:
            encoding = request.POST.get("encoding") or None
            delimiter = request.POST.get("delimiter") or None
            has_header = request.POST.get("has_header") == "1"
            if (imp.file_format == "csv" and (encoding, delimiter) != (imp.encoding, imp.delimiter)) \
                    or has_header != imp.has_header:
                imp, _changed = importing.do_set_file_options(request.user, imp, encoding=encoding, delimiter=delimiter,
                                                             has_header=has_header)
                messages.info(request, _("The file was read again. Check what each column holds."))
                return redirect("contacts:import_mapping", imp.pk)
            posted_mapping = request.POST.getlist("mapping")
            importing.do_set_mapping(request.user, imp, mapping=posted_mapping,
                                     duplicates=request.POST.get("duplicates"), group_name=request.POST.get("group_name"))
            return redirect("contacts:import_preview", imp.pk)
        except ValidationError as refused:
            errors = refused.messages
    fields = list(ContactField.objects.all())
    samples = _samples(imp)
    chosen = posted_mapping or imp.mapping
    columns = [{
        "index": index, "name": name, "target": chosen[index] if index < len(chosen) else "ignore",
        "samples": [row[index] if index < len(row) else "" for row in samples],
    } for index, name in enumerate(importing.column_names(imp))]
    return render(request, "contacts/import/mapping.html", {
        "imp": imp, "columns": columns, "targets": importing.target_choices(fields), "errors": errors,
        "encodings": importfile.ENCODINGS, "delimiters": importfile.DELIMITERS,
        "duplicate_modes": DuplicateMode.choices,
        "duplicates": request.POST.get("duplicates") or imp.options.get("duplicates"),
        "group_name": request.POST.get("group_name") if request.method == "POST" else imp.options.get("group_name"),
    }, status=status)


@requires("import_contacts")
@require_GET
def preview(request, import_id):
    imp = _import_or_404(import_id)
    if imp.state != ImportState.UPLOADED:
        return _started(imp)
    error = None
    try:
        rows = importing.preview(_with_data(imp))
    except importfile.FileError as refused:
        rows, error = [], str(refused)
    targets = dict(importing.target_choices())
    return render(request, "contacts/import/preview.html", {
        "imp": imp, "rows": rows, "error": error,
        "header": list(zip(importing.column_names(imp), [targets.get(target, target) for target in imp.mapping])),
        "duplicates_label": DuplicateMode(imp.options.get("duplicates", DuplicateMode.SKIP)).label,
    })


@requires("import_contacts")
@require_POST
def start(request, import_id):
    imp = _import_or_404(import_id)
    try:
        importing.do_start_import(request.user, imp)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
        if imp.state == ImportState.UPLOADED:
            return redirect("contacts:import_mapping", imp.pk)
    return redirect("contacts:import_detail", imp.pk)


@requires("import_contacts")
@require_GET
def detail(request, import_id):
    """Progress while the import runs (polled), then the result."""
    imp = _import_or_404(import_id)
    if imp.state == ImportState.UPLOADED:
        return redirect("contacts:import_mapping", imp.pk)
    context = {"imp": imp, "errors": imp.errors[:ERRORS_SHOWN], "errors_more": max(imp.error_count - ERRORS_SHOWN, 0)}
    if imp.state == ImportState.DONE and imp.group_id and can(request.user, "bulk_edit_cases"):
        context["create_cases"] = create_cases_choices(request.user)
        context["group_query"] = f"import_group={imp.group_id}"
    if request.htmx:
        return render(request, "contacts/import/detail.html#progress", context)
    return render(request, "contacts/import/detail.html", context)


@requires("import_contacts")
@require_GET
def errors_csv(request, import_id):
    """The rows that were not imported, with the reason, as a CSV."""
    imp = _import_or_404(import_id)
    writer = csv.writer(Echo())

    def lines():
        yield "\ufeff"
        yield writer.writerow([_("Row"), _("Problem")])
        for number, message in imp.errors:
            # Text a spreadsheet would run as a formula is made literal.
            yield writer.writerow([number, "'" + message if message[:1] in ("=", "+", "-", "@") else message])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{imp.pk}-errors.csv"'
    return response
