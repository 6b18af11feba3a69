"""Forms, their fields and choice items (FRM-01..02): every change goes through here.

A form is shared by every case of the campaigns whose script uses it, so each change is one
small transaction that bumps Form.version, is audited, and tells the people working those
campaigns ("form.changed") so open cards can offer a refresh. Case data is stored under the
stable FormField.key / FormChoice.key: titles change freely, hiding keeps the data, keys never
change and nothing here deletes case data.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from centrala.accounts.permissions import case_audience
from centrala.audit.actions import diff, record
from centrala.core.ordering import move_one_place
from centrala.realtime.publish import publish

from .models import Campaign, Form, FormChoice, FormField, Script
from .rules import CHOICE_KINDS, field_errors, make_key

FIELD_SETTINGS = ("label", "help_text", "required", "hidden", "in_header", "editable", "is_phone", "is_email",
                  "sets_status")
LABEL_LENGTH = FormField._meta.get_field("label").max_length
HINT_LENGTH = FormField._meta.get_field("help_text").max_length
UP, DOWN = "up", "down"


# --- helpers ---------------------------------------------------------------------------------

def script_of(form):
    """The script using `form` (a form belongs to one script at most), or None."""
    return Script.objects.filter(form=form).order_by("pk").first()


def buttons_setting(status):
    return list(FormField.objects.filter(sets_status=status).order_by("form_id", "position", "pk"))


def reorder(item, siblings, direction):
    """Move `item` one place among `siblings`; in the editor, a move past the end says so."""
    if not move_one_place(siblings, item, direction):
        raise ValidationError(_("It is already first.") if direction == UP else _("It is already last."))


def form_audience(form):
    """Everyone who may see a case using `form`: the case audiences of its campaigns, merged."""
    users, teams, roles = set(), set(), set()
    for campaign in Campaign.objects.filter(script__form=form):
        audience = case_audience(campaign)
        users.update(audience["users"])
        teams.update(audience["teams"])
        roles.update(audience["roles"])
    return {"users": sorted(users), "teams": sorted(teams), "roles": sorted(roles)}


def _lock(form_id):
    # Edits of one form are serialised: positions and the version number stay consistent.
    return Form.objects.select_for_update().get(pk=form_id)


def _changed(form):
    form.version += 1
    form.save(update_fields=["version", "updated_at"])
    audience = form_audience(form)
    if audience["roles"] or audience["users"] or audience["teams"]:
        publish("form.changed", {"form_id": form.pk, "version": form.version}, **audience)
    return form


def _clean_label(label, *, field="label"):
    label = (label or "").strip()
    if not label:
        raise ValidationError({field: _("Enter a title.")})
    if len(label) > LABEL_LENGTH:
        raise ValidationError({field: _("A title has at most %(max)s characters.") % {"max": LABEL_LENGTH}})
    return label


# --- forms -----------------------------------------------------------------------------------

@transaction.atomic
def do_create_form(actor, *, name):
    name = _clean_label(name, field="name")[:120]
    form = Form.objects.create(name=name)
    record(actor, "form.create", form, {"name": [None, name]})
    return form


@transaction.atomic
def do_rename_form(actor, form, name):
    form = _lock(form.pk)
    name = _clean_label(name, field="name")[:120]
    if name != form.name:
        record(actor, "form.update", form, {"name": [form.name, name]})
        form.name = name
        form.save(update_fields=["name"])
        _changed(form)
    return form


# --- fields ----------------------------------------------------------------------------------

def _field_state(field):
    state = {name: getattr(field, name) for name in FIELD_SETTINGS}
    state["sets_status"] = field.sets_status.name if field.sets_status_id else None
    return state


def _check_field(form, kind, values):
    errors = {}
    if len(values.get("help_text") or "") > HINT_LENGTH:
        errors["help_text"] = _("A hint has at most %(max)s characters.") % {"max": HINT_LENGTH}
    try:
        values["label"] = _clean_label(values.get("label"))
    except ValidationError as error:
        errors.update(error.message_dict)
    problems = field_errors(
        kind=kind, label=values.get("label"), required=values.get("required", False),
        in_header=values.get("in_header", False), is_phone=values.get("is_phone", False),
        is_email=values.get("is_email", False), sets_status=values.get("sets_status"), script=script_of(form),
    )
    problems.pop("label", None)
    errors.update(problems)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def do_add_field(actor, form, *, label, kind, choices=(), **settings):
    """Add a field at the end of `form`. Its key is made from the title, once, and never changes."""
    unknown = set(settings) - set(FIELD_SETTINGS)
    if unknown:
        raise ValidationError(_("Unknown field settings: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    form = _lock(form.pk)
    values = {"help_text": "", "required": False, "hidden": False, "in_header": False, "editable": True,
              "is_phone": False, "is_email": False, "sets_status": None, **settings, "label": label}
    _check_field(form, kind, values)
    labels = [_clean_label(c, field="choices") for c in choices if str(c).strip()]
    if labels and kind not in CHOICE_KINDS:
        raise ValidationError({"choices": _("Only choice lists have items.")})
    _check_unique_labels(labels)
    key = make_key(values["label"], form.fields.values_list("key", flat=True))
    last = form.fields.aggregate(last=Max("position"))["last"]
    field = FormField.objects.create(form=form, key=key, kind=kind, position=0 if last is None else last + 1,
                                     **values)
    keys = []
    for position, choice_label in enumerate(labels):
        keys.append(make_key(choice_label, keys, fallback="item"))
        FormChoice.objects.create(field=field, key=keys[-1], label=choice_label, position=position)
    record(actor, "form_field.create", field, {
        "form": form.name, "key": [None, key], "kind": [None, kind], **diff({}, _field_state(field)),
        **({"choices": [None, labels]} if labels else {}),
    })
    _changed(form)
    return field


@transaction.atomic
def do_update_field(actor, field, **changes):
    """Change some settings of a field (title, required, hidden, the status a button sets ...).

    The key and the kind are fixed once the field is saved: the data of every case is stored
    under the key in the kind's format."""
    fixed = {"key", "kind"} & set(changes)
    if fixed:
        raise ValidationError({name: _("The key and the kind of a saved field cannot change.") for name in fixed})
    unknown = set(changes) - set(FIELD_SETTINGS)
    if unknown:
        raise ValidationError(_("Unknown field settings: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    form = _lock(field.form_id)
    field = FormField.objects.select_related("sets_status").get(pk=field.pk)
    values = {name: getattr(field, name) for name in FIELD_SETTINGS}
    values.update(changes)
    _check_field(form, field.kind, values)
    before = _field_state(field)
    for name in changes:
        setattr(field, name, values[name])
    after = _field_state(field)
    delta = diff(before, after)
    if delta:
        field.save(update_fields=list(changes))
        record(actor, "form_field.update", field, {"form": form.name, "key": field.key, **delta})
        _changed(form)
    return field


@transaction.atomic
def do_move_field(actor, field, direction):
    form = _lock(field.form_id)
    before = field.position
    reorder(field, form.fields.all(), direction)
    record(actor, "form_field.move", field, {
        "form": form.name, "key": field.key, "position": [before, field.position],
    })
    _changed(form)
    return field


def field_has_data(field):
    from centrala.cases.models import Case

    return Case.objects.filter(campaign__script__form_id=field.form_id, form_data__has_key=field.key).exists()


@transaction.atomic
def do_delete_field(actor, field):
    """Only a field no case holds data for (a field added by mistake); otherwise hide it."""
    form = _lock(field.form_id)
    if field_has_data(field):
        raise ValidationError(_("Cases hold data in “%(field)s”, so it cannot be deleted; hide it instead.") % {
            "field": field.label
        })
    record(actor, "form_field.delete", field, {
        "form": form.name, "key": field.key, **diff(_field_state(field), {}),
    })
    field.delete()
    _changed(form)


# --- choice items ----------------------------------------------------------------------------

def _check_unique_labels(labels, existing=()):
    seen = {label.casefold() for label in existing}
    for label in labels:
        if label.casefold() in seen:
            raise ValidationError({"choices": _("The list already has “%(label)s”.") % {"label": label}})
        seen.add(label.casefold())


def _choice_field(field_id):
    field = FormField.objects.get(pk=field_id)
    if field.kind not in CHOICE_KINDS:
        raise ValidationError({"choices": _("Only choice lists have items.")})
    return field


@transaction.atomic
def do_add_choice(actor, field, label):
    form = _lock(field.form_id)
    field = _choice_field(field.pk)
    label = _clean_label(label, field="choices")
    _check_unique_labels([label], field.choices.values_list("label", flat=True))
    last = field.choices.aggregate(last=Max("position"))["last"]
    key = make_key(label, field.choices.values_list("key", flat=True), fallback="item")
    choice = FormChoice.objects.create(field=field, label=label, key=key, position=0 if last is None else last + 1)
    record(actor, "form_choice.create", choice, {"form": form.name, "field": field.key, "key": [None, choice.key],
                                                 "label": [None, label]})
    _changed(form)
    return choice


@transaction.atomic
def do_update_choice(actor, choice, *, label=None, hidden=None):
    """Rename or hide/show an item. A hidden item is no longer offered; cases that chose it keep it."""
    form = _lock(choice.field.form_id)
    choice = FormChoice.objects.select_related("field").get(pk=choice.pk)
    before = {"label": choice.label, "hidden": choice.hidden}
    if label is not None:
        label = _clean_label(label, field="choices")
        _check_unique_labels([label], choice.field.choices.exclude(pk=choice.pk).values_list("label", flat=True))
        choice.label = label
    if hidden is not None:
        choice.hidden = bool(hidden)
    delta = diff(before, {"label": choice.label, "hidden": choice.hidden})
    if delta:
        choice.save(update_fields=["label", "hidden"])
        record(actor, "form_choice.update", choice, {
            "form": form.name, "field": choice.field.key, "key": choice.key, **delta,
        })
        _changed(form)
    return choice


@transaction.atomic
def do_move_choice(actor, choice, direction):
    form = _lock(choice.field.form_id)
    before = choice.position
    reorder(choice, choice.field.choices.all(), direction)
    record(actor, "form_choice.move", choice, {"form": form.name, "field": choice.field.key, "key": choice.key,
                                               "position": [before, choice.position]})
    _changed(form)
    return choice


__all__ = [
    "FIELD_SETTINGS", "do_add_choice", "do_add_field", "do_create_form", "do_delete_field", "do_move_choice",
    "do_move_field", "do_rename_form", "do_update_choice", "do_update_field", "field_has_data", "form_audience",
    "script_of",
]
