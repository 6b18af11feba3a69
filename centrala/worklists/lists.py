"""The working lists (VIEW-01..02): one engine for every list of cases, contacts and activities.

A list is a ListDef: what rows a user may see in it (queryset), its columns (each sortable on
one database path), its filters, its default sort. ListQuery reads a request's GET parameters into
validated filters, a sort and a keyset cursor, and pages through the rows:

- Pagination is by keyset ("after this row"), never OFFSET: page 200 costs what page 1 costs,
  as long as the sort column is indexed. The cursor carries the sort value and the primary key
  of the row it continues from, so ties and NULLs (sorted last) page correctly.
- Counting is capped (COUNT_CAP): "10,000+" rather than counting a million rows on every page.
- Bad parameters (an unknown sort, a malformed date or cursor, a choice that does not exist)
  are reported in `errors` and ignored; the page still answers.
"""

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Callable

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F, Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PAGE_SIZE = 50
COUNT_CAP = 10_000
MAX_CHOICES = 200  # values of one multi-choice filter taken from one request

# Parameters that are not filters: they must not end up in a saved variant's filter.
CONTROL_PARAMS = frozenset({"sort", "after", "before", "variant", "page_size"})


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    order_by: str | None = None  # ORM path to sort on; None: not sortable
    width: int = 140
    visible: bool = True
    render: Callable[[Any], str] | None = None  # safe HTML of one cell
    export: Callable[[Any], Any] | None = None  # plain value for CSV/XLSX


@dataclass(frozen=True)
class Filter:
    """kind: "multi" (several of choices), "date" (presets and a from/to range), "text"."""

    key: str
    label: Any
    kind: str
    apply: Callable  # (queryset, value, user) -> queryset
    choices: Callable | None = None  # (user) -> [(value, label)] or [(group, [(value, label)])]
    shown: bool = True  # a filter button by default


@dataclass
class ListDef:
    key: str
    label: Any
    url_name: str
    queryset: Callable  # (user) -> the rows this user may see in this list
    columns: list[Column]
    filters: list[Filter]
    default_sort: str
    related: tuple = ()
    family: str = ""  # lists shown as tabs of one page (e.g. the case views)
    capability: str = "work_cases"
    live_events: tuple = ()  # websocket events after which the list may have changed
    row_url: Callable | None = None
    selectable: bool = False  # rows have checkboxes for bulk actions
    bulk_template: str = ""  # the bar of bulk actions above the rows (a form with id "bulk-form")
    actions_template: str = ""  # buttons beside the list's title (e.g. "New contact")
    scripts: tuple = ()  # more static scripts for this list's page (e.g. its bulk bar)
    extra_context: Callable | None = None  # (request, query) -> more template context, e.g. for the bulk bar
    columns_by_key: dict = field(default_factory=dict, init=False)
    filters_by_key: dict = field(default_factory=dict, init=False)

    def __post_init__(self):
        self.columns_by_key = {column.key: column for column in self.columns}
        self.filters_by_key = {item.key: item for item in self.filters}


DATE_PRESETS = {
    "today": gettext_lazy("Today"),
    "yesterday": gettext_lazy("Yesterday"),
    "7d": gettext_lazy("Last 7 days"),
    "30d": gettext_lazy("Last 30 days"),
    "overdue": gettext_lazy("Before now"),
    "future": gettext_lazy("From now on"),
}


def date_bounds(preset, now=None):
    """[start, end) of a date preset in the current time zone; None for an open side."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    start_of = lambda day: timezone.make_aware(datetime.combine(day, time.min))  # noqa: E731
    if preset == "today":
        return start_of(today), start_of(today + timedelta(days=1))
    if preset == "yesterday":
        return start_of(today - timedelta(days=1)), start_of(today)
    if preset == "7d":
        return start_of(today - timedelta(days=6)), None
    if preset == "30d":
        return start_of(today - timedelta(days=29)), None
    if preset == "overdue":
        return None, now
    if preset == "future":
        return now, None
    raise KeyError(preset)


def date_filter(path):
    """apply() for a "date" filter on a datetime column: value is (preset, from_date, to_date)."""

    def apply(queryset, value, user):
        preset, start, end = value
        lower = upper = None
        if preset:
            lower, upper = date_bounds(preset)
        if start:
            lower = timezone.make_aware(datetime.combine(start, time.min))
        if end:
            upper = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min))
        if lower is not None:
            queryset = queryset.filter(**{f"{path}__gte": lower})
        if upper is not None:
            queryset = queryset.filter(**{f"{path}__lt": upper})
        return queryset

    return apply


def flat_choices(choices):
    for value, label in choices:
        if isinstance(label, (list, tuple)):
            yield from label
        else:
            yield value, label


class ListQuery:
    """One request's view of a list: filters, sort and cursor, validated."""

    def __init__(self, listdef, params, user):
        self.listdef = listdef
        self.user = user
        self.params = params if isinstance(params, QueryDict) else QueryDict(params or "")
        self.errors = []
        self.values = {}  # filter key -> parsed value
        self._choices = {}
        self._read_filters()
        self.sort_key, self.descending = self._read_sort()
        self.after = self._read_cursor("after")
        self.before = self._read_cursor("before") if self.after is None else None

    # --- reading ------------------------------------------------------------------------------

    def choices_of(self, item):
        if item.key not in self._choices:
            self._choices[item.key] = list(item.choices(self.user)) if item.choices else []
        return self._choices[item.key]

    def _read_filters(self):
        for item in self.listdef.filters:
            if item.kind == "multi":
                raw = [value for value in self.params.getlist(item.key) if value != ""][:MAX_CHOICES]
                if not raw:
                    continue
                known = {str(value) for value, _label in flat_choices(self.choices_of(item))}
                good = [value for value in raw if value in known]
                if len(good) < len(raw):
                    self.errors.append(_("%(filter)s: a chosen value does not exist or is not yours to see.")
                                       % {"filter": item.label})
                if good:
                    self.values[item.key] = good
            elif item.kind == "date":
                preset = self.params.get(item.key, "")
                if preset and preset not in DATE_PRESETS:
                    self.errors.append(_("%(filter)s: unknown period.") % {"filter": item.label})
                    preset = ""
                start = self._date(item, f"{item.key}_from")
                end = self._date(item, f"{item.key}_to")
                if start and end and start > end:
                    self.errors.append(_("%(filter)s: the start is after the end.") % {"filter": item.label})
                    start = end = None
                if preset or start or end:
                    self.values[item.key] = (preset, start, end)
            else:
                text = " ".join(self.params.get(item.key, "").split())[:200]
                if text:
                    self.values[item.key] = text

    def _date(self, item, name):
        raw = self.params.get(name, "").strip()
        if not raw:
            return None
        try:
            value = parse_date(raw)
        except ValueError:
            value = None
        if value is None:
            self.errors.append(_("%(filter)s: “%(value)s” is not a date (YYYY-MM-DD).")
                               % {"filter": item.label, "value": raw[:40]})
        return value

    def _read_sort(self):
        raw = self.params.get("sort", "") or self.listdef.default_sort
        descending = raw.startswith("-")
        key = raw.lstrip("-")
        column = self.listdef.columns_by_key.get(key)
        if column is None or not column.order_by:
            self.errors.append(_("This list cannot be sorted by “%(column)s”.") % {"column": key[:40]})
            raw = self.listdef.default_sort
            descending, key = raw.startswith("-"), raw.lstrip("-")
        return key, descending

    def _read_cursor(self, name):
        raw = self.params.get(name, "")
        if not raw:
            return None
        try:
            decoded = json.loads(base64.urlsafe_b64decode(raw.encode() + b"=" * (-len(raw) % 4)))
            value, pk = decoded
            if not isinstance(pk, int) or isinstance(pk, bool) or abs(pk) >= 2**63:
                raise ValueError
            if isinstance(value, dict) and set(value) == {"dt"}:
                value = parse_datetime(value["dt"])
                if value is None:
                    raise ValueError
            elif value is not None and not isinstance(value, (int, str)):
                raise ValueError
            if isinstance(value, int) and abs(value) >= 2**63:  # no database column holds it
                raise ValueError
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
            self.errors.append(_("This page of the list does not exist; showing the first page."))
            return None
        return value, pk

    def _filter_beyond(self, queryset, cursor, forward):
        """queryset past the cursor; None (and an error) when the cursor's value does not fit the
        sort column (a forged cursor: text where the column holds times or numbers)."""
        try:
            return queryset.filter(self._beyond(cursor, forward))
        except (ValidationError, ValueError, TypeError):
            self.errors.append(_("This page of the list does not exist; showing the first page."))
            return None

    # --- querying -----------------------------------------------------------------------------

    @property
    def sort_path(self):
        return self.listdef.columns_by_key[self.sort_key].order_by

    @property
    def sort_param(self):
        return ("-" if self.descending else "") + self.sort_key

    def filtered(self):
        queryset = self.listdef.queryset(self.user)
        self._model = queryset.model
        for item in self.listdef.filters:
            if item.key in self.values:
                queryset = item.apply(queryset, self.values[item.key], self.user)
        return queryset

    def _sort_nullable(self):
        """Whether the sort column can be NULL (a nullable field, or one reached through a
        nullable foreign key). Only then do the order and the cursor need their NULL handling:
        on a NOT NULL column, "DESC NULLS LAST" or an "OR column IS NULL" keep PostgreSQL from
        walking the (column, id) index, and every page would sort or filter the whole table."""
        model = getattr(self, "_model", None)
        if model is None:
            return True
        try:
            for part in self.sort_path.split("__"):
                field = model._meta.get_field(part)
                if field.null:
                    return True
                if field.is_relation:
                    model = field.related_model
        except FieldDoesNotExist:
            return True
        return False

    def _ordering(self, reverse=False):
        """ORDER BY for this sort, NULLs last; reverse walks the same order backwards."""
        descending = self.descending != reverse
        tie = F("pk").desc() if descending else F("pk").asc()
        path = self.sort_path
        if path == "pk":
            return [tie]
        if not self._sort_nullable():
            return [F(path).desc() if descending else F(path).asc(), tie]
        nulls = {"nulls_first": True} if reverse else {"nulls_last": True}
        return [F(path).desc(**nulls) if descending else F(path).asc(**nulls), tie]

    def _beyond(self, cursor, forward):
        """Rows after (forward) or before the cursor in the list's order."""
        value, pk = cursor
        path = self.sort_path
        later = self.descending != (not forward)  # True: "beyond" means smaller values
        pk_cmp = "lt" if later else "gt"
        if path == "pk":
            return Q(**{f"pk__{pk_cmp}": pk})
        value_cmp = "lt" if later else "gt"
        if value is not None and not self._sort_nullable():
            # The redundant bound ("name >= x AND ...") is what lets the index start at the cursor.
            bound = Q(**{f"{path}__{value_cmp}e": value})
            return bound & (Q(**{f"{path}__{value_cmp}": value}) | Q(**{path: value, f"pk__{pk_cmp}": pk}))
        if forward:
            if value is None:
                return Q(**{f"{path}__isnull": True, f"pk__{pk_cmp}": pk})
            return (Q(**{f"{path}__{value_cmp}": value}) | Q(**{path: value, f"pk__{pk_cmp}": pk})
                    | Q(**{f"{path}__isnull": True}))
        # Backwards: NULLs came last going forward, so before a NULL row are all non-NULL rows.
        if value is None:
            return Q(**{f"{path}__isnull": False}) | Q(**{f"{path}__isnull": True, f"pk__{pk_cmp}": pk})
        return Q(**{f"{path}__{value_cmp}": value}) | Q(**{path: value, f"pk__{pk_cmp}": pk})

    def page(self, size=None):
        """The rows of this page, and cursors for the next and previous pages (None at an end)."""
        size = size or PAGE_SIZE
        queryset = self.filtered()
        if self.listdef.related:
            queryset = queryset.select_related(*self.listdef.related)
        if self.before is not None and (earlier := self._filter_beyond(queryset, self.before, False)) is None:
            self.before = None
        if self.before is not None:
            rows = list(earlier.order_by(*self._ordering(reverse=True))[: size + 1])
            has_previous = len(rows) > size
            rows = list(reversed(rows[:size]))
            return Page(rows, self, next_cursor=self.cursor_of(rows[-1]) if rows else None,
                        previous_cursor=self.cursor_of(rows[0]) if rows and has_previous else None)
        if self.after is not None and (later := self._filter_beyond(queryset, self.after, True)) is None:
            self.after = None
        if self.after is not None:
            queryset = later
        rows = list(queryset.order_by(*self._ordering())[: size + 1])
        has_next = len(rows) > size
        rows = rows[:size]
        return Page(rows, self, next_cursor=self.cursor_of(rows[-1]) if rows and has_next else None,
                    previous_cursor=self.cursor_of(rows[0]) if rows and self.after is not None else None)

    def cursor_of(self, row):
        value = row.pk
        if self.sort_path != "pk":
            value = row
            for part in self.sort_path.split("__"):
                value = getattr(value, part, None) if value is not None else None
            if hasattr(value, "pk"):
                value = value.pk
        if isinstance(value, datetime):
            value = {"dt": value.isoformat()}
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        raw = json.dumps([value, row.pk], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def count(self, cap=COUNT_CAP):
        """(count, capped): the exact count up to `cap`, else (cap, True)."""
        found = self.filtered().order_by()[: cap + 1].count()
        return min(found, cap), found > cap

    def exact_count(self):
        return self.filtered().order_by().count()

    # --- links --------------------------------------------------------------------------------

    def filter_query(self):
        """The query string of the filters and sort alone: what a saved variant keeps."""
        kept = QueryDict(mutable=True)
        for name, values in self.params.lists():
            if name not in CONTROL_PARAMS or name == "sort":
                kept.setlist(name, [value for value in values if value != ""])
        return kept.urlencode()

    def url_with(self, **changes):
        query = self.params.copy()
        for name in ("after", "before"):
            query.pop(name, None)
        for name, value in changes.items():
            if value is None:
                query.pop(name, None)
            else:
                query[name] = value
        encoded = query.urlencode()
        return "?" + encoded if encoded else "?"

    def sort_url(self, column):
        descending = not self.descending if column.key == self.sort_key else False
        return self.url_with(sort=("-" if descending else "") + column.key)


@dataclass
class Page:
    rows: list
    query: ListQuery
    next_cursor: str | None
    previous_cursor: str | None

    @property
    def next_url(self):
        return self.query.url_with(after=self.next_cursor) if self.next_cursor else None

    @property
    def previous_url(self):
        return self.query.url_with(before=self.previous_cursor) if self.previous_cursor else None
