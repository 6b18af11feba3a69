"""Ready processes (TPL-01/02) are data: a script with its statuses and form, as JSON.

install_process() creates them; export_process() writes a script back out, so a process built
in one installation can be moved to another. A document is checked completely before anything
is written (check_process), so a bad file gets one clear message and creates nothing.

Format "centrala-process/1" (see vehicle_rental.json): {"format", "script": {"name",
"description", "initial_status", "statuses": [{"name", "type", "callback_rule",
"callback_minutes", "callback_at", "active"}], "form": {"name", "fields": [{"key", "label",
"kind", "help_text", "required", "hidden", "in_header", "editable", "is_phone", "is_email",
"sets_status", "choices"}]}}}. A choice is [key, label] or {"key", "label", "hidden"}.
"""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from ..models import CallbackRule, Form, FormChoice, FormField, Script, Status
from ..rules import KEY_RE, field_errors, status_errors

FORMAT = "centrala-process/1"
BUILT_IN = Path(__file__).parent
BUILT_IN_NAMES = ("vehicle_rental", "customer_service")

_FIELD_FLAGS = ("required", "hidden", "in_header", "editable", "is_phone", "is_email")


def load_builtin(name):
    if name not in BUILT_IN_NAMES:
        raise ValueError(f"unknown ready process {name!r}")
    return json.loads((BUILT_IN / f"{name}.json").read_text(encoding="utf-8"))


class _Problem(Exception):
    pass


def _need(condition, message, **params):
    if not condition:
        raise _Problem(message % params if params else message)


def _text(item, key, where, *, required=True, max_length=None):
    value = item.get(key)
    if value is None and not required:
        return ""
    if required:
        _need(isinstance(value, str) and value.strip(), _("%(where)s: “%(key)s” must be a non-empty text."),
              where=where, key=key)
    else:
        _need(isinstance(value, str), _("%(where)s: “%(key)s” must be a text."), where=where, key=key)
    if max_length is not None:
        _need(len(value) <= max_length, _("%(where)s: “%(key)s” is longer than %(max)s characters."),
              where=where, key=key, max=max_length)
    return value


def _flag(item, key, where, default):
    value = item.get(key, default)
    _need(isinstance(value, bool), _("%(where)s: “%(key)s” must be true or false."), where=where, key=key)
    return value


def _choices(item, where):
    raw = item.get("choices", [])
    _need(isinstance(raw, list), _("%(where)s: “choices” must be a list."), where=where)
    choices, keys = [], set()
    for number, choice in enumerate(raw, 1):
        place = _("%(where)s, choice %(number)s") % {"where": where, "number": number}
        if isinstance(choice, list) and len(choice) == 2:
            choice = {"key": choice[0], "label": choice[1]}
        _need(isinstance(choice, dict), _("%(where)s must be [key, label] or an object."), where=place)
        key = _text(choice, "key", place, max_length=50)
        _need(KEY_RE.fullmatch(key), _("%(where)s: the key “%(key)s” may hold only a-z, 0-9 and _."),
              where=place, key=key)
        _need(key not in keys, _("%(where)s: the key “%(key)s” is used twice."), where=place, key=key)
        keys.add(key)
        choices.append({"key": key, "label": _text(choice, "label", place, max_length=150),
                        "hidden": _flag(choice, "hidden", place, False)})
    return choices


def check_process(data):
    """The cleaned description of the script in `data`, or ValidationError saying what is wrong."""
    try:
        return _check(data)
    except _Problem as problem:
        raise ValidationError(str(problem), code="invalid_process") from None


def _check(data):
    _need(isinstance(data, dict) and data.get("format") == FORMAT,
          _("This is not a Centrala process file (its “format” must be “%(format)s”)."), format=FORMAT)
    spec = data.get("script")
    _need(isinstance(spec, dict), _("The process file has no “script” object."))
    where = _("The script")
    script = {
        "name": _text(spec, "name", where, max_length=120).strip(),
        "description": _text(spec, "description", where, required=False),
    }
    statuses = spec.get("statuses")
    _need(isinstance(statuses, list) and statuses, _("The script needs a non-empty list of “statuses”."))
    names = set()
    script["statuses"] = []
    for number, item in enumerate(statuses, 1):
        place = _("Status %(number)s") % {"number": number}
        _need(isinstance(item, dict), _("%(where)s must be an object."), where=place)
        name = _text(item, "name", place, max_length=80).strip()
        place = _("Status “%(name)s”") % {"name": name}
        _need(name.lower() not in names, _("%(where)s appears twice."), where=place)
        names.add(name.lower())
        minutes = item.get("callback_minutes")
        at = item.get("callback_at")
        if at is not None:
            parsed = parse_datetime(at) if isinstance(at, str) else None
            _need(parsed is not None, _("%(where)s: “callback_at” must be an ISO date and time."), where=place)
            at = parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
        status = {
            "name": name, "type": item.get("type"), "callback_rule": item.get("callback_rule", CallbackRule.NONE),
            "callback_minutes": minutes, "callback_at": at, "active": _flag(item, "active", place, True),
        }
        rule = ("type", "callback_rule", "callback_minutes", "callback_at")
        problems = status_errors(**{key: status[key] for key in rule})
        _need(not problems, "%(where)s: %(problem)s", where=place, problem=" ".join(problems.values()))
        if status["callback_rule"] != CallbackRule.RELATIVE:
            status["callback_minutes"] = None
        if status["callback_rule"] != CallbackRule.ABSOLUTE:
            status["callback_at"] = None
        script["statuses"].append(status)
    by_name = {s["name"]: s for s in script["statuses"]}
    initial = spec.get("initial_status")
    _need(isinstance(initial, str) and initial in by_name,
          _("The initial status “%(name)s” is not among the statuses."), name=initial)
    _need(by_name[initial]["active"], _("The initial status “%(name)s” must be active."), name=initial)
    script["initial_status"] = initial
    script["form"] = _check_form(spec.get("form"), by_name)
    return script


def _check_form(form_spec, statuses):
    if form_spec is None:
        return None
    _need(isinstance(form_spec, dict), _("The script's “form” must be an object."))
    form = {"name": _text(form_spec, "name", _("The form"), max_length=120).strip(), "fields": []}
    fields = form_spec.get("fields", [])
    _need(isinstance(fields, list), _("The form's “fields” must be a list."))
    keys = set()
    for number, item in enumerate(fields, 1):
        place = _("Field %(number)s") % {"number": number}
        _need(isinstance(item, dict), _("%(where)s must be an object."), where=place)
        key = _text(item, "key", place, max_length=50)
        place = _("Field “%(key)s”") % {"key": key}
        _need(KEY_RE.fullmatch(key), _("%(where)s: a key may hold only a-z, 0-9 and _."), where=place)
        _need(key not in keys, _("%(where)s appears twice."), where=place)
        keys.add(key)
        field = {
            "key": key, "label": _text(item, "label", place, max_length=150), "kind": item.get("kind"),
            "help_text": _text(item, "help_text", place, required=False, max_length=250),
            **{flag: _flag(item, flag, place, flag == "editable") for flag in _FIELD_FLAGS},
            "sets_status": item.get("sets_status"), "choices": _choices(item, place),
        }
        if field["sets_status"] is not None:
            _need(isinstance(field["sets_status"], str) and field["sets_status"] in statuses,
                  _("%(where)s sets the unknown status “%(status)s”."),
                  where=place, status=field["sets_status"])
            _need(statuses[field["sets_status"]]["active"], _("%(where)s sets the inactive status “%(status)s”."),
                  where=place, status=field["sets_status"])
        problems = field_errors(
            kind=field["kind"], label=field["label"], required=field["required"], in_header=field["in_header"],
            is_phone=field["is_phone"], is_email=field["is_email"],
        )
        if field["sets_status"] is not None and field["kind"] != "button":
            problems["sets_status"] = _("Only a button can set a status.")
        _need(not problems, "%(where)s: %(problem)s", where=place, problem=" ".join(problems.values()))
        _need(not field["choices"] or field["kind"] in ("single_choice", "multi_choice"),
              _("%(where)s: only choice lists have choices."), where=place)
        form["fields"].append(field)
    return form


@transaction.atomic
def install_process(data, *, name=None):
    """Create the script described by `data` (see vehicle_rental.json). Returns the Script.

    Refuses (ValidationError) anything check_process refuses, and a script name already taken;
    nothing is half-created.
    """
    spec = check_process(data)
    name = (name or spec["name"]).strip()
    if Script.objects.filter(name__iexact=name).exists():
        raise ValidationError(_("A script named “%(name)s” already exists.") % {"name": name}, code="duplicate")
    script = Script.objects.create(name=name, description=spec["description"])
    statuses = {}
    for position, item in enumerate(spec["statuses"]):
        statuses[item["name"]] = Status.objects.create(script=script, position=position, **item)
    script.initial_status = statuses[spec["initial_status"]]
    form_spec = spec["form"]
    if form_spec:
        form = Form.objects.create(name=form_spec["name"])
        for position, item in enumerate(form_spec["fields"]):
            choices = item.pop("choices")
            sets_status = statuses[item.pop("sets_status")] if item.get("sets_status") else None
            item.pop("sets_status", None)
            field = FormField.objects.create(form=form, position=position, sets_status=sets_status, **item)
            FormChoice.objects.bulk_create(
                FormChoice(field=field, position=choice_position, **choice)
                for choice_position, choice in enumerate(choices)
            )
        script.form = form
    script.save(update_fields=["initial_status", "form"])
    return script


def export_process(script):
    """The JSON-ready description of `script`, the inverse of install_process()."""
    spec = {
        "name": script.name,
        "description": script.description,
        "initial_status": script.initial_status.name if script.initial_status else None,
        "statuses": [
            {
                "name": s.name, "type": s.type, "callback_rule": s.callback_rule,
                **({"callback_minutes": s.callback_minutes} if s.callback_minutes is not None else {}),
                **({"callback_at": s.callback_at.isoformat()} if s.callback_at else {}),
                **({"active": False} if not s.active else {}),
            }
            for s in script.statuses.all()
        ],
    }
    if script.form:
        spec["form"] = {
            "name": script.form.name,
            "fields": [
                _export_field(f) for f in script.form.fields.select_related("sets_status").prefetch_related("choices")
            ],
        }
    return {"format": FORMAT, "script": spec}


def _export_field(field):
    choices = [
        [c.key, c.label] if not c.hidden else {"key": c.key, "label": c.label, "hidden": True}
        for c in field.choices.all()
    ]
    return {
        "key": field.key, "label": field.label, "kind": field.kind, "help_text": field.help_text,
        **{flag: getattr(field, flag) for flag in _FIELD_FLAGS},
        **({"sets_status": field.sets_status.name} if field.sets_status else {}),
        **({"choices": choices} if choices else {}),
    }
