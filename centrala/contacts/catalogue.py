"""Administrators' catalogues: further contact fields (SCC-05) and GDPR consent types.

Both are ordered lists edited by a few people; every edit locks the list so positions stay a
clean 0..n-1 sequence, and every change is audited. Nothing is deleted: a field holds values on
contacts and a consent type holds history, so both are hidden or deactivated instead.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from centrala.audit.actions import diff, record
from centrala.core.ordering import move_one_place

from .models import ConsentType, ContactField, FieldKind

FIELD_ATTRIBUTES = ["key", "label", "kind", "choices", "campaign", "visible", "editable_by_agents", "required",
                    "is_phone", "is_email", "position"]
CONSENT_ATTRIBUTES = ["name", "description", "active", "position"]


def _state(obj, attributes):
    return {name: getattr(obj, name) for name in attributes}


def _locked(model):
    return list(model.objects.select_for_update().order_by("position", "pk"))


def _find(items, obj):
    for item in items:
        if item.pk == obj.pk:
            return item
    raise type(obj).DoesNotExist(f"{obj._meta.verbose_name} {obj.pk} is gone")


def _move(actor, model, obj, direction, action):
    items = _locked(model)
    for item, old in move_one_place(items, obj, direction):
        record(actor, action, item, {"position": [old, item.position]})
    return next(item for item in items if item.pk == obj.pk)


# --- contact fields -------------------------------------------------------------------------------

def clean_choices(raw):
    """Choices from a list or from text with one choice per line: stripped, unique, in order."""
    if isinstance(raw, str):
        raw = raw.splitlines()
    result = []
    for item in raw or []:
        text = str(item).strip()
        if text and text not in result:
            result.append(text[:100])
    return result


def check_contact_field(field, *, key, label, kind, choices, is_phone, is_email):
    errors = {}
    if field.pk is None:
        if not key or slugify(key) != key:
            errors["key"] = _("A key is lower-case letters, digits, hyphens and underscores, e.g. loyalty_card.")
        elif ContactField.objects.filter(key=key).exists():
            errors["key"] = _("Another contact field already uses the key “%(key)s”.") % {"key": key}
    elif key != field.key:
        errors["key"] = _("The key cannot change: contacts store their values under it.")
    if not label.strip():
        errors["label"] = _("Enter a label.")
    if kind not in FieldKind.values:
        errors["kind"] = _("Choose a kind.")
    if kind == FieldKind.CHOICE and not choices:
        errors["choices"] = _("A choice list needs at least one choice.")
    if is_phone and is_email:
        errors["is_email"] = _("A field holds either a phone number or an e-mail address, not both.")
    if (is_phone or is_email) and kind != FieldKind.TEXT:
        errors["kind"] = _("Phone numbers and e-mail addresses are text fields.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def do_save_contact_field(actor, field, *, key, label, kind, choices=(), campaign=None, visible=True,
                          editable_by_agents=True, required=False, is_phone=False, is_email=False):
    """Create or update a further contact field. Its key is fixed once created."""
    items = _locked(ContactField)
    created = field.pk is None
    locked = None if created else _find(items, field)
    key = (key or "").strip() if created else (key or locked.key)
    choices = clean_choices(choices) if kind == FieldKind.CHOICE else []
    check_contact_field(locked or field, key=key, label=label, kind=kind, choices=choices,
                        is_phone=is_phone, is_email=is_email)
    before = {} if created else _state(locked, FIELD_ATTRIBUTES)
    field.key, field.label, field.kind, field.choices = key, label.strip(), kind, choices
    field.campaign, field.visible, field.editable_by_agents = campaign, visible, editable_by_agents
    field.required, field.is_phone, field.is_email = required, is_phone, is_email
    field.position = max((i.position for i in items), default=-1) + 1 if created else locked.position
    field.save()
    changes = diff(before, _state(field, FIELD_ATTRIBUTES))
    if created or changes:
        record(actor, "contact_field.create" if created else "contact_field.update", field, changes)
    return field


@transaction.atomic
def do_move_contact_field(actor, field, direction):
    return _move(actor, ContactField, field, direction, "contact_field.move")


# --- consent types --------------------------------------------------------------------------------

def check_consent_type(consent_type, *, name):
    clash = ConsentType.objects.filter(name__iexact=name.strip())
    if consent_type.pk is not None:
        clash = clash.exclude(pk=consent_type.pk)
    if not name.strip():
        raise ValidationError({"name": _("Enter a name.")})
    if clash.exists():
        raise ValidationError({"name": _("A consent with this name already exists.")})


@transaction.atomic
def do_save_consent_type(actor, consent_type, *, name, description="", active=True):
    items = _locked(ConsentType)
    check_consent_type(consent_type, name=name)
    created = consent_type.pk is None
    locked = None if created else _find(items, consent_type)
    before = {} if created else _state(locked, CONSENT_ATTRIBUTES)
    consent_type.name, consent_type.description, consent_type.active = name.strip(), description.strip(), active
    consent_type.position = max((i.position for i in items), default=-1) + 1 if created else locked.position
    consent_type.save()
    changes = diff(before, _state(consent_type, CONSENT_ATTRIBUTES))
    if created or changes:
        record(actor, "consent_type.create" if created else "consent_type.update", consent_type, changes)
    return consent_type


@transaction.atomic
def do_move_consent_type(actor, consent_type, direction):
    return _move(actor, ConsentType, consent_type, direction, "consent_type.move")
