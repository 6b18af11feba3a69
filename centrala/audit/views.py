from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from centrala.accounts.permissions import requires

from .display import present
from .forms import AuditFilterForm, newer_than, older_than
from .models import AuditEntry

PAGE_SIZE = 50


def _page(entries, *, before, after):
    """One page of entries, newest first, with keyset pagination.

    The trail only grows, and counting it would cost a scan of the whole table, so pages are
    "older than this entry" / "newer than that one" and ride the (actor, -at) and
    (object_type, object_id, -at) indexes. Returns (rows, has_newer, has_older).
    """
    if after is not None:
        rows = list(entries.filter(newer_than(after)).order_by("at", "pk")[: PAGE_SIZE + 1])
        has_newer = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE][::-1]
        has_older = entries.filter(older_than(rows[-1]) if rows else ~newer_than(after)).exists()
        return rows, has_newer, has_older
    older = entries.filter(older_than(before)) if before is not None else entries
    rows = list(older.order_by("-at", "-pk")[: PAGE_SIZE + 1])
    has_older = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    has_newer = before is not None and (
        entries.filter(newer_than(rows[0]) if rows else ~older_than(before)).exists()
    )
    return rows, has_newer, has_older


def _cursor(form, name):
    """The entry a page starts from, or None; an id that names no entry is a form error."""
    entry_id = form.cleaned_data.get(name)
    if entry_id is None:
        return None
    entry = AuditEntry.objects.filter(pk=entry_id).only("pk", "at").first()
    if entry is None:
        form.add_error(name, _("There is no audit entry %(id)s to page from.") % {"id": entry_id})
    return entry


@requires("view_audit")
@require_GET
def audit_list(request):
    form = AuditFilterForm(request.GET)
    rows, has_newer, has_older = [], False, False
    if form.is_valid():
        before, after = _cursor(form, "before"), _cursor(form, "after")
        if form.is_valid():  # still valid: the cursors exist
            entries = form.apply(AuditEntry.objects.select_related("actor"))
            rows, has_newer, has_older = _page(entries, before=before, after=after)
    context = {
        "filters": form,
        "entries": present(rows),
        "has_newer": has_newer,
        "has_older": has_older,
        "newest_id": rows[0].pk if rows else None,
        "oldest_id": rows[-1].pk if rows else None,
    }
    template = "audit/list.html#results" if request.htmx else "audit/list.html"
    return render(request, template, context, status=200 if form.is_valid() else 400)
