"""Ready processes as data (TPL-01/02): install, export, and the checks that keep bad files out."""

import copy

import pytest
from django.core.exceptions import ValidationError

from centrala.campaigns.models import Form, Script, Status
from centrala.campaigns.processes import (
    check_process,
    export_process,
    install_process,
    load_builtin,
)


@pytest.mark.parametrize("name", ["vehicle_rental", "customer_service"])
def test_built_in_processes_round_trip(db, name):
    data = load_builtin(name)
    script = install_process(data)
    exported = export_process(script)
    assert exported["format"] == data["format"]
    assert install_process(exported, name="Copy") and export_process(Script.objects.get(name="Copy"))["script"] == {
        **exported["script"], "name": "Copy",
    }


def test_export_keeps_hidden_items_and_inactive_statuses(db):
    script = install_process(load_builtin("vehicle_rental"))
    script.form.fields.get(key="vehicle_type").choices.filter(key="van").update(hidden=True)
    script.statuses.filter(name="No answer").update(active=False)
    exported = export_process(script)
    copy_ = install_process(exported, name="Copy")
    assert copy_.form.fields.get(key="vehicle_type").choices.get(key="van").hidden
    assert not copy_.statuses.get(name="No answer").active
    assert export_process(copy_)["script"]["form"] == exported["script"]["form"]


def _broken(change):
    data = copy.deepcopy(load_builtin("vehicle_rental"))
    change(data["script"])
    return data


def _set(path, value):
    def change(spec):
        target = spec
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
    return change


@pytest.mark.parametrize(("change", "message"), [
    (_set(["statuses", 0, "type"], "later"), "Unknown status type “later”"),
    (_set(["statuses", 3, "callback_minutes"], 0), "needs a number of minutes greater than 0"),
    (_set(["statuses", 0, "callback_rule"], "relative"), "A due time only applies to"),
    (_set(["statuses", 1, "name"], "New"), "Status “New” appears twice."),
    (_set(["statuses"], []), "non-empty list of “statuses”"),
    (_set(["initial_status"], "Nope"), "The initial status “Nope” is not among the statuses."),
    (_set(["initial_status"], ["New"]), "is not among the statuses"),
    (_set(["name"], ""), "“name” must be a non-empty text"),
    (_set(["name"], "x" * 121), "longer than 120 characters"),
    (_set(["form", "fields", 0, "kind"], "slider"), "Unknown field kind “slider”"),
    (_set(["form", "fields", 1, "key"], "vehicle_type"), "Field “vehicle_type” appears twice."),
    (_set(["form", "fields", 0, "key"], "Vehicle Type"), "a key may hold only a-z, 0-9 and _"),
    (_set(["form", "fields", 0, "required"], "yes"), "“required” must be true or false"),
    (_set(["form", "fields", 0, "choices"], [["car"]]), "must be [key, label] or an object"),
    (_set(["form", "fields", 8, "sets_status"], "Gone"), "sets the unknown status “Gone”"),
    (_set(["form", "fields", 2, "sets_status"], "Booked"), "Only a button can set a status."),
    (_set(["form", "fields", 3, "choices"], [["a", "A"]]), "only choice lists have choices"),
    (_set(["form", "fields"], {"a": 1}), "“fields” must be a list"),
    (_set(["statuses", 2, "callback_at"], "tomorrow"), "must be an ISO date and time"),
])
def test_bad_documents_are_refused_with_a_clear_message(db, change, message):
    with pytest.raises(ValidationError) as error:
        install_process(_broken(change))
    assert message in " ".join(error.value.messages)
    assert not Script.objects.exists() and not Status.objects.exists() and not Form.objects.exists()


@pytest.mark.parametrize("data", [None, [], "text", {"format": "other/1"}, {"format": "centrala-process/1"},
                                  {"format": "centrala-process/1", "script": []}])
def test_non_documents_are_refused(db, data):
    with pytest.raises(ValidationError):
        check_process(data)


def test_a_taken_name_is_refused(db):
    install_process(load_builtin("vehicle_rental"))
    with pytest.raises(ValidationError) as error:
        install_process(load_builtin("vehicle_rental"))
    assert error.value.code == "duplicate"
    assert Script.objects.count() == 1


def test_fixed_due_times_are_read_as_aware_datetimes(db):
    data = _broken(_set(["statuses", 2], {"name": "On Christmas", "type": "public_callback",
                                          "callback_rule": "absolute", "callback_at": "2026-12-24T10:00:00"}))
    data["script"]["form"]["fields"] = [f for f in data["script"]["form"]["fields"] if f["kind"] != "button"]
    script = install_process(data)
    status = script.statuses.get(name="On Christmas")
    assert status.callback_at.tzinfo is not None and status.callback_minutes is None
