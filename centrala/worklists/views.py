"""The pages of the working lists: a list with its tabs, filters, columns and pager; saving the
user's layout and view variants; export to CSV and XLSX."""

import csv
import json
import tempfile
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from openpyxl import Workbook

from centrala.accounts.models import Team
from centrala.accounts.permissions import can, login_required
from centrala.api.errors import error_response
from centrala.core.links import local_path
from centrala.lib.export import Echo
from centrala.lib.export import cell as export_cell

from . import actions
from .lists import DATE_PRESETS, ListQuery, request_memo
from .models import BulkJob, BulkState, RowHeight, ViewVariant
from .registry import family, get_list

EXPORT_MAX_ROWS = 1_000_000  # one XLSX sheet holds 1,048,576 rows


def list_url(listdef):
    return reverse(listdef.url_name)


def _query_for(request, listdef):
    """The request's filters; with ?variant=N and no filters of its own, that tab's filters."""
    params = request.GET
    variant = None
    if params.get("variant"):
        try:
            variant = actions.get_variant_for_user(request.user, listdef, params["variant"])
        except ViewVariant.DoesNotExist:
            variant = None
        else:
            own = [name for name in params if name not in ("variant", "after", "before")]
            if not own:
                merged = params.copy()
                merged.update(ListQuery(listdef, variant.query, request.user).params)
                params = merged
    return ListQuery(listdef, params, request.user), variant


def _filter_options(query, item):
    """Every choice of a multi-choice filter, grouped, with the chosen ones checked."""
    chosen = set(query.values.get(item.key) or [])
    return [{"group": group, "choices": [{"value": v, "label": label, "checked": str(v) in chosen} for v, label in labels]}
            for group, labels in _grouped(query.choices_of(item))]


def _filter_widgets(query, layout):
    """The filter buttons. A multi-choice filter's page holds only its chosen values; all its
    choices (270 agents, every status of 50 campaigns) load when its menu opens (filter_options):
    rendering them into every page cost more than the rest of the page."""
    widgets = []
    for key in layout["filters"]:
        item = query.listdef.filters_by_key[key]
        value = query.values.get(key)
        widget = {"filter": item, "active": value is not None}
        if item.kind == "multi":
            chosen = query.chosen_labels(item)
            widget["options"] = [{"group": "", "choices": [
                {"value": v, "label": label, "checked": True} for v, label in chosen]}] if chosen else []
            widget["summary"] = ", ".join(str(label) for _value, label in chosen)[:60]
        elif item.kind == "date":
            preset, start, end = value or ("", None, None)
            widget.update(preset=preset, start=start, end=end,
                          presets=[{"value": k, "label": label} for k, label in DATE_PRESETS.items()],
                          summary=str(DATE_PRESETS[preset]) if preset else " – ".join(
                              d.isoformat() if d else "…" for d in (start, end)) if (start or end) else "")
        else:
            widget["text"] = value or ""
            widget["summary"] = value or ""
        widgets.append(widget)
    return widgets


def _grouped(choices):
    plain = []
    for value, label in choices:
        if isinstance(label, (list, tuple)):
            if plain:
                yield "", plain
                plain = []
            yield value, label
        else:
            plain.append((value, label))
    if plain:
        yield "", plain


def list_context(request, listdef):
    query, variant = _query_for(request, listdef)
    layout = actions.layout_for(request.user, listdef)
    page = query.page()
    count, capped = query.count()
    visible = [{**item, "sort_url": query.sort_url(item["column"]) if item["column"].order_by else ""}
               for item in layout["columns"] if item["visible"]]
    renders = [item["column"].render for item in visible]
    rows = []
    for row in page.rows:
        cells = [render(row) if render else "" for render in renders]
        # Joined here rather than one template variable each; escaped as the template would.
        html = mark_safe("".join(f"<td>{conditional_escape(cell)}</td>" for cell in cells))
        rows.append({"row": row, "cells": cells, "html": html,
                     "url": listdef.row_url(row) if listdef.row_url else ""})
    extra = listdef.extra_context(request, query) if listdef.extra_context else {}
    return extra | {
        "listdef": listdef,
        "lists": family(request.user, listdef),
        "query": query,
        "page": page,
        "rows": rows,
        "count": count,
        "count_capped": capped,
        "layout": layout,
        "visible_columns": visible,
        "filters": _filter_widgets(query, layout),
        "all_filters": listdef.filters,
        "variants": actions.variants_for(request.user, listdef),
        "variant": variant,
        "filter_query": query.filter_query(),
        "row_heights": RowHeight.choices,
        "teams": Team.objects.order_by("name") if can(request.user, "share_variants") else [],
        "can_export": can(request.user, "export_lists"),
        "base_url": list_url(listdef),
        "layout_json": json.dumps([{"key": item["column"].key, "width": item["width"], "visible": item["visible"]}
                                   for item in layout["columns"]]),
        "live_events": " ".join(listdef.live_events),
    }


@login_required
@require_GET
def list_page(request, key):
    listdef = get_list(request.user, key)
    with request_memo():
        context = list_context(request, listdef)
        status = 400 if context["query"].errors else 200
        if request.htmx and request.headers.get("HX-Target") == "list-results":
            return render(request, "worklists/list.html#results", context, status=status)
        return render(request, "worklists/list.html", context, status=status)


@login_required
@require_GET
def filter_options(request, key, filter_key):
    """The choices of one multi-choice filter (asked when its menu opens), the ones in the
    request's parameters checked. Only what the user may choose from: the filter's choices are
    computed for them, as when the page checks a chosen value."""
    listdef = get_list(request.user, key)
    item = listdef.filters_by_key.get(filter_key)
    if item is None or item.kind != "multi":
        raise Http404("no such filter")
    with request_memo():
        query = ListQuery(listdef, request.GET, request.user)
        return render(request, "worklists/list.html#filter_options",
                      {"item": item, "options": _filter_options(query, item), "lazy": True})


@login_required
@require_POST
def save_layout(request, key):
    """The user's columns, filter buttons or row height (JSON body or form fields)."""
    listdef = get_list(request.user, key)
    try:
        data = json.loads(request.body or b"{}") if request.content_type == "application/json" else {
            "filters": request.POST.getlist("filters") if "filters_sent" in request.POST else None,
            "row_height": request.POST.get("row_height"),
        }
        if not isinstance(data, dict):
            raise ValueError
    except ValueError:
        return error_response(400, _("The layout could not be read."))
    try:
        actions.do_save_layout(request.user, listdef, columns=data.get("columns"), filters=data.get("filters"),
                               row_height=data.get("row_height"))
    except ValidationError as error:
        return error_response(400, " ".join(error.messages))
    if request.content_type == "application/json":
        return error_response(200, _("Layout saved."))
    return redirect(list_url(listdef) + "?" + request.POST.get("return_query", ""))


@login_required
@require_POST
def save_variant(request, key):
    """Save the current filter and sort as a named tab."""
    listdef = get_list(request.user, key)
    try:
        variant = actions.do_save_variant(request.user, listdef, name=request.POST.get("name"),
                                          query=request.POST.get("query", ""), team_id=request.POST.get("team"))
    except PermissionDenied:
        return error_response(403, _("Only managers can share a tab with a team."))
    except ValidationError as error:
        return error_response(400, " ".join(error.messages))
    return redirect(f"{list_url(listdef)}?variant={variant.pk}")


@login_required
@require_POST
def change_variant(request, key, variant_id):
    """Update a tab with the current filter, rename, share, or delete it."""
    listdef = get_list(request.user, key)
    try:
        variant = actions.get_variant_for_user(request.user, listdef, variant_id)
    except ViewVariant.DoesNotExist:
        return error_response(404, _("That tab does not exist."))
    try:
        if request.POST.get("delete"):
            actions.do_delete_variant(request.user, variant)
            return redirect(list_url(listdef))
        changes = {}
        if "name" in request.POST:
            changes["name"] = request.POST["name"]
        if "query" in request.POST:
            changes["query"] = request.POST["query"]
        if "team" in request.POST:
            changes["team_id"] = request.POST["team"]
        actions.do_update_variant(request.user, variant, listdef=listdef, **changes)
    except PermissionDenied as denied:
        return error_response(403, str(denied) if str(denied) != "share_variants" else _("Only managers can share a tab with a team."))
    except ValidationError as error:
        return error_response(400, " ".join(error.messages))
    return redirect(f"{list_url(listdef)}?variant={variant.pk}")


# --- export -------------------------------------------------------------------------------------

def _export_rows(query, columns):
    queryset = query.listdef.rows(query.filtered().order_by(*query._ordering()))
    for row in queryset[:EXPORT_MAX_ROWS].iterator(chunk_size=2000):
        yield [export_cell(column.export(row)) if column.export else "" for column in columns]


@login_required
@require_GET
def export(request, key, fmt):
    """The list as the user filtered and sorted it, with their visible columns, all pages."""
    listdef = get_list(request.user, key)
    if not can(request.user, "export_lists"):
        raise PermissionDenied("export_lists")
    query, _variant = _query_for(request, listdef)
    if query.errors:
        return error_response(400, " ".join(query.errors))
    layout = actions.layout_for(request.user, listdef)
    columns = [item["column"] for item in layout["columns"] if item["visible"] and item["column"].export]
    stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
    filename = f"{listdef.key}-{stamp}.{fmt}"
    header = [str(column.label) for column in columns]
    if fmt == "csv":
        writer = csv.writer(Echo())

        def lines():
            yield "\ufeff"  # so spreadsheet programs read UTF-8
            yield writer.writerow(header)
            for row in _export_rows(query, columns):
                yield writer.writerow(["" if v is None else v for v in row])

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(listdef.label)[:31])
    sheet.append(header)
    for row in _export_rows(query, columns):
        sheet.append(row)
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename,
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# --- bulk jobs ----------------------------------------------------------------------------------

# Which card a job's ids open, by action (bulk actions on contacts work on contact ids).
CONTACT_ID_ACTIONS = frozenset({"create_cases"})


def redirect_to_job(request, job, back):
    """After starting a bulk job: its page, which returns to `back` (a local path)."""
    target = reverse("worklists:bulk_job", args=[job.pk]) + "?" + urlencode({"back": back})
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


@login_required
@require_GET
def bulk_job(request, job_id):
    """A bulk job's progress (polled while it runs) and, when done, what changed and what was
    refused and why. Only the user who started it sees it."""
    try:
        job = BulkJob.objects.get(pk=job_id, user=request.user)
    except BulkJob.DoesNotExist:
        raise Http404(_("That job does not exist.")) from None
    card = "contacts:card" if job.action in CONTACT_ID_ACTIONS else "cases:card"
    refused = [{"reason": reason, "count": entry["count"],
                "links": [(pk, reverse(card, args=[pk])) for pk in entry["ids"]],
                "more": entry["count"] - len(entry["ids"])}
               for reason, entry in sorted(job.refused.items())]
    back = local_path(request.GET.get("back", "")) or ""
    context = {"job": job, "refused": refused, "back": back, "label": _job_label(job),
               "finished": job.state in (BulkState.DONE, BulkState.FAILED)}
    if request.htmx:
        return render(request, "worklists/bulk_job.html#progress", context)
    return render(request, "worklists/bulk_job.html", context)


def _job_label(job):
    from centrala.cases.bulk import ACTIONS

    labels = {**ACTIONS, "create_cases": _("Create cases in campaign")}
    return labels.get(job.action, job.action)
