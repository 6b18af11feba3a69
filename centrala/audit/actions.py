"""Writing the audit trail. Called by actions, inside their transaction, never by views."""

import threading
from contextlib import contextmanager
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


_local = threading.local()


def record(actor, action, obj, changes=None):
    entry = AuditEntry(
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
    pending = getattr(_local, "pending", None)
    if pending is not None:
        pending.append(entry)
    else:
        entry.save()
    return entry


@contextmanager
def collected():
    """Inside this block record() keeps its entries, and they are written with one INSERT when the
    block ends without an error: for many small changes in one transaction (a group of incoming
    e-mails). Use it inside that transaction. A part of the block rolled back to a savepoint drops
    its entries: take mark() before it and discard_since(mark) when it fails."""
    if getattr(_local, "pending", None) is not None:  # nested: the outer block writes them
        yield
        return
    _local.pending = []
    try:
        yield
        pending = _local.pending
    finally:
        _local.pending = None
    AuditEntry.objects.bulk_create(pending)


def mark():
    pending = getattr(_local, "pending", None)
    return None if pending is None else len(pending)


def discard_since(position):
    pending = getattr(_local, "pending", None)
    if pending is not None and position is not None:
        del pending[position:]
