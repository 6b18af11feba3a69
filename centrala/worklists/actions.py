"""Per-user customisation of lists (VIEW-02): layout preferences and saved view variants."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import QueryDict
from django.utils.translation import gettext as _

from centrala.accounts.models import Team
from centrala.accounts.permissions import can
from centrala.audit.actions import record

from .lists import CONTROL_PARAMS
from .models import RowHeight, ViewPreference, ViewVariant

MIN_WIDTH, MAX_WIDTH = 50, 900
MAX_VARIANTS = 30
NAME_MAX = 80


# --- layout -------------------------------------------------------------------------------------

def layout_for(user, listdef, preference=None):
    """The user's columns (in their order, with width and visibility), filter buttons and row
    height for a list; the list's defaults where the user changed nothing. Columns added to a
    list later appear at the end with their defaults; columns it dropped are forgotten."""
    if preference is None:
        preference = ViewPreference.objects.filter(user=user, view=listdef.key).first()
    stored = preference.columns if preference else []
    columns, seen = [], set()
    for item in stored if isinstance(stored, list) else []:
        column = listdef.columns_by_key.get(item.get("key")) if isinstance(item, dict) else None
        if column is None or column.key in seen:
            continue
        seen.add(column.key)
        columns.append({"column": column, "width": _width(item.get("width"), column.width),
                        "visible": bool(item.get("visible", True))})
    for column in listdef.columns:
        if column.key not in seen:
            columns.append({"column": column, "width": column.width, "visible": column.visible})
    shown = [key for key in (preference.filters if preference else []) if key in listdef.filters_by_key]
    if not shown:
        shown = [item.key for item in listdef.filters if item.shown]
    row_height = preference.row_height if preference else RowHeight.NORMAL
    return {"columns": columns, "filters": shown, "row_height": row_height}


def _width(value, default):
    try:
        return max(MIN_WIDTH, min(MAX_WIDTH, int(value)))
    except (TypeError, ValueError):
        return default


def do_save_layout(user, listdef, *, columns=None, filters=None, row_height=None):
    """Keep what the user changed; each part is optional. Raises ValidationError on nonsense.
    Only the parts given are written, so two quick changes (a width, the row height) both stay."""
    changes = {}
    if columns is not None:
        if not isinstance(columns, list) or len(columns) > 100:
            raise ValidationError(_("The column layout is not a list of columns."))
        clean, seen = [], set()
        for item in columns:
            key = item.get("key") if isinstance(item, dict) else None
            if not isinstance(key, str) or key not in listdef.columns_by_key or key in seen:
                shown = key if isinstance(item, dict) else item
                raise ValidationError(_("Unknown column “%(key)s”.") % {"key": str(shown)[:40]})
            seen.add(key)
            column = listdef.columns_by_key[key]
            clean.append({"key": column.key, "width": _width(item.get("width"), column.width),
                          "visible": item.get("visible", True) is not False})
        if clean and not any(item["visible"] for item in clean):
            raise ValidationError(_("Keep at least one column visible."))
        changes["columns"] = clean
    if filters is not None:
        if not isinstance(filters, list) or any(not isinstance(key, str) or key not in listdef.filters_by_key
                                                for key in filters):
            raise ValidationError(_("Unknown filter."))
        changes["filters"] = list(dict.fromkeys(filters))
    if row_height is not None:
        if row_height not in RowHeight.values:
            raise ValidationError(_("Unknown row height."))
        changes["row_height"] = row_height
    preference, _created = ViewPreference.objects.get_or_create(user=user, view=listdef.key)
    for name, value in changes.items():
        setattr(preference, name, value)
    preference.save(update_fields=[*changes, "updated_at"])
    return preference


# --- view variants ------------------------------------------------------------------------------

def variants_for(user, listdef):
    """The user's own tabs, then the ones shared with their teams."""
    return list(
        ViewVariant.objects.filter(view=listdef.key)
        .filter(Q(owner=user) | Q(team_id__in=user.teams.values("pk")))
        .select_related("team", "owner")
        .order_by("team_id", "position", "pk")
    )


def get_variant_for_user(user, listdef, variant_id):
    try:
        return next(v for v in variants_for(user, listdef) if v.pk == int(variant_id))
    except (StopIteration, TypeError, ValueError):
        raise ViewVariant.DoesNotExist(f"variant {variant_id!r}") from None


def clean_query(listdef, query):
    """Only filter and sort parameters of this list are kept in a variant."""
    params = QueryDict(query or "")
    allowed = {"sort"} | set(listdef.filters_by_key)
    for item in listdef.filters:
        if item.kind == "date":
            allowed |= {f"{item.key}_from", f"{item.key}_to"}
    kept = QueryDict(mutable=True)
    for name, values in params.lists():
        if name in allowed and name not in CONTROL_PARAMS - {"sort"}:
            kept.setlist(name, [value[:200] for value in values if value][:200])
    return kept.urlencode()[:4000]


def _clean_name(name):
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Give the tab a name.")})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": _("The name is too long (at most %(max)d characters).") % {"max": NAME_MAX}})
    return name


def _clean_team(user, team_id):
    if team_id in (None, ""):
        return None
    if not can(user, "share_variants"):
        raise PermissionDenied("share_variants")
    try:
        return Team.objects.get(pk=int(team_id))
    except (Team.DoesNotExist, TypeError, ValueError):
        raise ValidationError({"team": _("That team does not exist.")}) from None


@transaction.atomic
def do_save_variant(user, listdef, *, name, query, team_id=None):
    name = _clean_name(name)
    team = _clean_team(user, team_id)
    if ViewVariant.objects.filter(owner=user, view=listdef.key).count() >= MAX_VARIANTS:
        raise ValidationError({"name": _("You have %(max)d tabs on this list already; delete one first.") % {"max": MAX_VARIANTS}})
    position = ViewVariant.objects.filter(owner=user, view=listdef.key).count()
    variant = ViewVariant.objects.create(owner=user, view=listdef.key, name=name,
                                         query=clean_query(listdef, query), team=team, position=position)
    if team:
        record(user, "view_variant.share", variant, {"team": [None, team.name], "view": [None, listdef.key]})
    return variant


def _check_owner(user, variant):
    if variant.owner_id != user.pk:
        raise PermissionDenied(_("Only the person who made this tab can change it."))


@transaction.atomic
def do_update_variant(user, variant, *, listdef, name=None, query=None, team_id=...):
    _check_owner(user, variant)
    if name is not None:
        variant.name = _clean_name(name)
    if query is not None:
        variant.query = clean_query(listdef, query)
    if team_id is not ...:
        before = variant.team.name if variant.team else None
        variant.team = _clean_team(user, team_id)
        after = variant.team.name if variant.team else None
        if before != after:
            record(user, "view_variant.share", variant, {"team": [before, after]})
    variant.save()
    return variant


@transaction.atomic
def do_delete_variant(user, variant):
    _check_owner(user, variant)
    if variant.team_id:
        record(user, "view_variant.delete", variant, {"team": [variant.team.name, None]})
    variant.delete()
