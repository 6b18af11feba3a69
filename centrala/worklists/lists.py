"""The working lists (VIEW-01..02): one engine for every list of cases, contacts and activities.

A list is a ListDef: what rows a user may see in it (queryset), its columns (each sortable on
one database path), its filters, its default sort. ListQuery reads a request's GET parameters into
validated filters, a sort and a keyset cursor, and pages through the rows:

- Pagination is by keyset ("after this row"), never OFFSET: page 200 costs what page 1 costs,
  as long as the sort column is indexed. The cursor carries the sort value and the primary key
  of the row it continues from, so ties and NULLs (sorted last) page correctly.
- Counting is capped (COUNT_CAP, or a list's own count_cap): "more than 1,000" rather than counting
  a million rows on every page (counting to 10,000 cost an agent's page 35 ms, to 1,000 under 6 ms).
- What does not change within a request (the user's campaigns, status ids, filter choices) is
  computed once per request: `memoized()` inside `request_memo()`, which the list views enter.
- Bad parameters (an unknown sort, a malformed date or cursor, a choice that does not exist)
  are reported in `errors` and ignored; the page still answers.
"""

import base64
import binascii
import contextvars
import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Callable

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F, Q
from django.db.models.expressions import Col
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.db.models.lookups import In, IsNull
from django.db.models.sql.where import AND
from django.http import QueryDict
from django.urls import reverse
from django.utils import dateformat, formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PAGE_SIZE = 50
COUNT_CAP = 1_000
MAX_CHOICES = 200  # values of one multi-choice filter taken from one request

# Parameters that are not filters: they must not end up in a saved variant's filter.
CONTROL_PARAMS = frozenset({"sort", "after", "before", "variant", "page_size"})

_memo = contextvars.ContextVar("worklists_request_memo", default=None)


@contextmanager
def request_memo():
    """Within it, memoized() computes each key once (one request of a list page). Outside it,
    memoized() always computes: nothing is kept past the request that needed it."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def memoized(key, compute):
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


# --- cells: what 50 rows ask again and again, answered once per request ----------------------------

def url_of(name, pk):
    """reverse(name, args=[pk]) with one reverse() per request, then the number put in (the 50
    rows of a page asked for their card's address two or three times each)."""
    marker = 918273645
    prefix, suffix = memoized(("url", name), lambda: reverse(name, args=[marker]).split(str(marker)))
    return f"{prefix}{pk}{suffix}"


def short_datetime(value):
    """formats.date_format(local time, "SHORT_DATETIME_FORMAT") with the format looked up once."""
    local = timezone.localtime(value)
    return dateformat.format(local, memoized("short_datetime_format", lambda: formats.get_format("SHORT_DATETIME_FORMAT")))


def label_of(choices, value):
    """The label of a choice (a TextChoices/IntegerChoices class) in the request's language,
    translated once per request instead of once per cell."""
    labels = memoized(("labels", choices.__module__, choices.__qualname__),
                      lambda: {key: str(label) for key, label in choices.choices})
    return labels.get(value, value)


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
    # Only these fields (with `related` paths, e.g. "contact__display_name") are loaded for a
    # page and an export; empty: every field. Leaving out what no column shows (a case's form
    # data, a user's password hash) saves reading and decoding it 50 times a page.
    only: tuple = ()
    family: str = ""  # lists shown as tabs of one page (e.g. the case views)
    capability: str = "work_cases"
    live_events: tuple = ()  # websocket events after which the list may have changed
    row_url: Callable | None = None
    selectable: bool = False  # rows have checkboxes for bulk actions
    bulk_template: str = ""  # the bar of bulk actions above the rows (a form with id "bulk-form")
    actions_template: str = ""  # buttons beside the list's title (e.g. "New contact")
    scripts: tuple = ()  # more static scripts for this list's page (e.g. its bulk bar)
    extra_context: Callable | None = None  # (request, query) -> more template context, e.g. for the bulk bar
    count_cap: int = COUNT_CAP  # how far a page counts its rows ("more than N")
    columns_by_key: dict = field(default_factory=dict, init=False)
    filters_by_key: dict = field(default_factory=dict, init=False)

    def __post_init__(self):
        self.columns_by_key = {column.key: column for column in self.columns}
        self.filters_by_key = {item.key: item for item in self.filters}

    def rows(self, queryset):
        """`queryset` with what the list's columns show loaded with it (related rows, only fields)."""
        if self.related:
            queryset = queryset.select_related(*self.related)
        if self.only:
            queryset = queryset.only(*self.only)
        return queryset


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
            compute = lambda: list(item.choices(self.user)) if item.choices else []  # noqa: E731
            # Lists of one family share their filters: their choices are computed once per request.
            self._choices[item.key] = memoized(("choices", id(item), self.user.pk), compute)
        return self._choices[item.key]

    def chosen_labels(self, item):
        """[(value, label)] of the values chosen in a multi-choice filter, in the choices' order."""
        chosen = set(self.values.get(item.key) or ())
        if not chosen:
            return []
        return [(str(value), label) for value, label in flat_choices(self.choices_of(item)) if str(value) in chosen]

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
        """The rows of the list that pass the filters (built once; each call gets its own copy)."""
        if getattr(self, "_filtered", None) is None:
            queryset = self.listdef.queryset(self.user)
            self._model = queryset.model
            for item in self.listdef.filters:
                if item.key in self.values:
                    queryset = item.apply(queryset, self.values[item.key], self.user)
            self._filtered = narrow_in_lookups(queryset)
        return self._filtered.all()

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

    def _ordering(self, reverse=False, nulls=True):
        """ORDER BY for this sort, NULLs last; reverse walks the same order backwards.
        nulls=False: for rows known to have a value (plain ASC/DESC, which an index matches)."""
        descending = self.descending != reverse
        tie = F("pk").desc() if descending else F("pk").asc()
        path = self.sort_path
        if path == "pk":
            return [tie]
        if not nulls or not self._sort_nullable():
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
        if value is not None and (not self._sort_nullable() or not forward):
            # Going back from a row with a value, no NULL row comes before it: the same condition.
            return self._past(value, pk, later)
        if forward:
            if value is None:
                return Q(**{f"{path}__isnull": True, f"pk__{pk_cmp}": pk})
            return (Q(**{f"{path}__{value_cmp}": value}) | Q(**{path: value, f"pk__{pk_cmp}": pk})
                    | Q(**{f"{path}__isnull": True}))
        # Backwards: NULLs came last going forward, so before a NULL row are all non-NULL rows.
        return Q(**{f"{path}__isnull": False}) | Q(**{f"{path}__isnull": True, f"pk__{pk_cmp}": pk})

    def page(self, size=None):
        """The rows of this page, and cursors for the next and previous pages (None at an end)."""
        size = size or PAGE_SIZE
        queryset = self.filtered()
        queryset = self.listdef.rows(queryset)
        if self.before is not None and (earlier := self._filter_beyond(queryset, self.before, False)) is None:
            self.before = None
        if self.before is not None:
            # Before a row with a value there are only rows with values: plain order, as the index.
            rows = list(earlier.order_by(*self._ordering(reverse=True, nulls=self.before[0] is None))[: size + 1])
            has_previous = len(rows) > size
            rows = list(reversed(rows[:size]))
            return Page(rows, self, next_cursor=self.cursor_of(rows[-1]) if rows else None,
                        previous_cursor=self.cursor_of(rows[0]) if rows and has_previous else None)
        if self.after is not None and (later := self._filter_beyond(queryset, self.after, True)) is None:
            self.after = None
        if self.sort_path != "pk" and self._sort_nullable() and (self.after is None or self.after[0] is not None):
            rows = self._rows_then_nulls(queryset, size + 1)
        else:
            if self.after is not None:
                queryset = later
            rows = list(queryset.order_by(*self._ordering())[: size + 1])
        has_next = len(rows) > size
        rows = rows[:size]
        return Page(rows, self, next_cursor=self.cursor_of(rows[-1]) if rows and has_next else None,
                    previous_cursor=self.cursor_of(rows[0]) if rows and self.after is not None else None)

    def _past(self, value, pk, later):
        """Rows past (value, pk) in the order of (sort column, id): smaller ones when `later`.

        A row comparison, "(column, id) > (x, y)", is one range of the (column, id) index, which
        PostgreSQL estimates and walks from the cursor; the same condition spelled "column > x OR
        (column = x AND id > y)" made it fetch every row past the cursor through another index
        and sort them (an agent's Cases by due time, page 201: 93 ms against 5 ms). The plain
        bound "column >= x" checks the cursor's value against the column when the filter is
        built (a forged cursor is an error, not a failed query) and serves engines without row
        values."""
        path, cmp = self.sort_path, "lt" if later else "gt"
        bound = Q(**{f"{path}__{cmp}e": value})
        row = (TupleLessThan if later else TupleGreaterThan)(Tuple(F(path), F("pk")), [value, pk])
        return bound & Q(row)

    def _rows_then_nulls(self, queryset, limit):
        """A page of a nullable sort outside the NULL rows: first the rows with a value (from the
        cursor on: a range of the (column, id) index), then, only when they run out, the NULL rows
        in a second query. One query with "OR column IS NULL" cannot start the index at the cursor:
        at a million cases, page 201 walked and dropped 70,000 rows."""
        path = self.sort_path
        valued = queryset.filter(**{f"{path}__isnull": False})
        if self.after is not None:
            value, pk = self.after
            valued = valued.filter(self._past(value, pk, later=self.descending))
        rows = list(valued.order_by(*self._ordering(nulls=False))[:limit])
        if len(rows) < limit and not _excludes_nulls(queryset, path):
            tie = F("pk").desc() if self.descending else F("pk").asc()
            rows += list(queryset.filter(**{f"{path}__isnull": True}).order_by(tie)[: limit - len(rows)])
        return rows

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

    def count(self, cap=None):
        """(count, capped): the exact count up to `cap` (the list's count_cap), else (cap, True)."""
        cap = cap or self.listdef.count_cap
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


def _excludes_nulls(queryset, path):
    """Whether the list itself keeps only rows with a value in `path` (e.g. Reminders: a due
    time), so that there are no NULL rows to read after the others."""
    for child in queryset.query.where.children:
        if (isinstance(child, IsNull) and child.rhs is False and isinstance(child.lhs, Col)
                and child.lhs.alias == queryset.query.get_initial_alias() and child.lhs.target.name == path):
            return True
    return False


def narrow_in_lookups(queryset):
    """One `column IN (...)` per column: a filter that names campaigns or statuses narrows the
    view's own list of them (an agent's visible campaigns, the open statuses) to their
    intersection instead of adding a second IN on the same column. With two, PostgreSQL multiplies
    their selectivities, expects a handful of rows where there are thousands, and sorts them all
    instead of walking the (campaign, status, id) index and stopping after one page."""
    where = queryset.query.where
    if where.connector != AND or where.negated:
        return queryset
    found = {}
    for index, child in enumerate(where.children):
        if (isinstance(child, In) and isinstance(child.lhs, Col) and isinstance(child.rhs, (list, tuple, set, frozenset))
                and not any(value is None for value in child.rhs)):
            found.setdefault((child.lhs.alias, child.lhs.target), []).append(index)
    merges = {key: indexes for key, indexes in found.items() if len(indexes) > 1}
    if not merges:
        return queryset
    queryset = queryset.all()
    where = queryset.query.where
    children = list(where.children)
    for indexes in merges.values():
        common = set(children[indexes[0]].rhs)
        for index in indexes[1:]:
            common &= set(children[index].rhs)
        if not common:
            return queryset.none()
        first = children[indexes[0]]
        children[indexes[0]] = In(first.lhs, sorted(common))
        for index in indexes[1:]:
            children[index] = None
    where.children = [child for child in children if child is not None]
    return queryset


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
