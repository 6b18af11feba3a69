"""Administrators' changes to mailboxes (MAIL-01): saved with an audit entry, secrets never logged."""

from django.db import transaction

from centrala.accounts.permissions import check_can
from centrala.audit.actions import diff, record

SECRET_FIELDS = ("secret",)


def _state(mailbox, m2m=()):
    state = {}
    for field in mailbox._meta.concrete_fields:
        if field.name in ("id", "created_at", "last_error", "last_ok_at", "uidvalidity", "last_uid"):
            continue
        value = getattr(mailbox, field.attname)
        state[field.attname] = "(set)" if field.name in SECRET_FIELDS and value else value
    for name in m2m:
        state[name] = sorted(str(obj) for obj in getattr(mailbox, name).all()) if mailbox.pk else []
    return state


@transaction.atomic
def do_save_mailbox(actor, mailbox, values, *, secret="", m2m=None):
    """Create or update an incoming or outgoing mailbox. A blank secret keeps the stored one."""
    check_can(actor, "manage_mailboxes")
    m2m = m2m or {}
    creating = mailbox.pk is None
    before = {} if creating else _state(type(mailbox).objects.get(pk=mailbox.pk), m2m)
    for name, value in values.items():
        setattr(mailbox, name, value)
    if secret:
        mailbox.secret = secret
    mailbox.save()
    for name, objects in m2m.items():
        getattr(mailbox, name).set(objects)
    changes = diff(before, _state(mailbox, m2m))
    if secret and not creating:
        changes["secret"] = ["(set)", "(changed)"]
    record(actor, f"mail.{mailbox._meta.model_name}.{'create' if creating else 'update'}", mailbox, changes)
    return mailbox
