"""Writing the audit trail. Called by actions, inside their transaction, never by views."""

from datetime import date, datetime
from decimal import Decimal

from django.db import models

from .models import AuditEntry


def _plain(value):
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return sorted(_plain(item) for item in value)
    return value


def diff(before, after):
    """{field: [old, new]} for the fields whose value differs; a field on one side only is None on the other."""
    return {
        field: [_plain(before.get(field)), _plain(after.get(field))]
        for field in {**before, **after}
        if _plain(before.get(field)) != _plain(after.get(field))
    }


def record(actor, action, obj, changes=None):
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        # A change is an [old, new] pair: keep its order (only values inside it are normalised).
        changes={
            key: [_plain(item) for item in value] if isinstance(value, list) else _plain(value)
            for key, value in (changes or {}).items()
        },
    )
