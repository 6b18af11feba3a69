"""What a browser posts from a case card, built the way the card builds it."""

import json

from django.utils.datastructures import MultiValueDict

from centrala.cases.forms import load_fields, saved_values, value_fields
from centrala.cases.models import Case

HTMX = {"HTTP_HX_REQUEST": "true"}


def card_post(case, changes=None, *, version=None, original=None, extra=None):
    """The save post of an untouched card of `case`, with `changes` ({input name: value}) typed in.

    Checkbox and multiple-choice inputs carry their hidden marker, as on the card.
    """
    case = Case.objects.select_related("campaign__script__form").get(pk=case.pk)
    fields = value_fields(load_fields(case.campaign.script.form))
    loaded = saved_values(case, fields)
    values = dict(loaded)
    values.update(changes or {})
    data = MultiValueDict()
    kinds = {f"form.{f.key}": f.kind for f in fields}
    for name, value in values.items():
        if kinds.get(name) == "multi_choice":
            data.setlist(name, ["", *value])
        elif kinds.get(name) == "checkbox":
            data.setlist(name, ["false", "true"] if value == "true" else ["false"])
        else:
            data[name] = value
    data["version"] = str(case.version if version is None else version)
    data["original"] = json.dumps(loaded if original is None else original)
    for name, value in (extra or {}).items():
        data[name] = value
    return dict(data.lists())


def rental_form_changes(**overrides):
    values = {
        "form.vehicle_type": "van", "form.pickup_at": "2026-12-01T09:00", "form.pickup_place": "Warszawa, Okęcie",
        "form.return_at": "2026-12-05T18:00",
    }
    values.update(overrides)
    return values
