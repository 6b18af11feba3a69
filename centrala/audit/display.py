"""Turning stored audit entries into what people read: field names and values of the model.

The trail stores plain JSON (codes, ids, ISO dates), so that it survives changes to the models.
Here the current models lend their labels: a field's verbose name, a choice's label, a local
date. Whatever no longer matches a model is shown as stored.
"""

from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from .labels import action_label


@dataclass
class Change:
    field: str
    old: str | None  # None: no value before (shown as a plain value, no arrow)
    new: str
    is_change: bool


def model_for(object_type):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _field(model, name):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _position(model, name):
    """Fields in the model's order, then anything else by name: the same order on every
    database (PostgreSQL's jsonb does not keep the order the keys were written in)."""
    forward = [field.name for field in (model._meta.fields + model._meta.many_to_many)] if model else []
    return (0, forward.index(name), "") if name in forward else (1, 0, name)


def field_label(model, name):
    field = _field(model, name)
    label = getattr(field, "verbose_name", None) or name.replace("_", " ")
    return str(label)[:1].upper() + str(label)[1:]


def show_value(value, field=None):
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(show_value(item, field) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}: {show_value(item)}" for key, item in value.items())
    choices = dict(getattr(field, "flatchoices", None) or ())
    if value in choices:
        return str(choices[value])
    if isinstance(value, str) and isinstance(field, models.DateTimeField):
        moment = parse_datetime(value)
        if moment is not None:
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
            return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    if isinstance(value, str) and isinstance(field, models.DateField):
        day = parse_date(value)
        if day is not None:
            return formats.date_format(day, "SHORT_DATE_FORMAT")
    return str(value)


def changes(entry, model):
    """The entry's changes, each as (field label, old, new). A value stored as an [old, new]
    pair is a change; anything else (what a notice said ...) is shown as a single value.
    Pairs that read the same on both sides (None and "") are left out."""
    rows = []
    stored = entry.changes if isinstance(entry.changes, dict) else {}
    for name in sorted(stored, key=lambda name: _position(model, name)):
        value = stored[name]
        field = _field(model, name)
        label = field_label(model, name)
        if isinstance(value, list) and len(value) == 2:
            old, new = (show_value(side, field) for side in value)
            if old == new:  # e.g. None → "" on creation: nothing a reader would call a change
                continue
            rows.append(Change(label, None if value[0] is None else old, new, True))
        else:
            rows.append(Change(label, None, show_value(value, field), False))
    return rows


def present(entries):
    """Attach what the template shows to each entry (no queries: models come from the registry)."""
    for entry in entries:
        model = model_for(entry.object_type)
        entry.action_label = action_label(entry.action)
        entry.object_type_label = str(model._meta.verbose_name).capitalize() if model else entry.object_type
        entry.change_rows = changes(entry, model)
    return entries
