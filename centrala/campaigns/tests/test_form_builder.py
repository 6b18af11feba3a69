"""The form builder (FRM-01): adding fields of every kind, their settings, stable keys."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from centrala.audit.models import AuditEntry
from centrala.campaigns import actions
from centrala.campaigns.models import FormField, FormFieldKind
from centrala.campaigns.rules import make_key
from conftest import RENTAL_FORM

from .conftest import field


def create_url(form):
    return reverse("campaigns:field_create", args=[form.pk])


def settings_url(f):
    return reverse("campaigns:field_edit", args=[f.form_id, f.pk])


def data(**overrides):
    values = {"label": "Driver's licence number", "kind": "text", "help_text": "", "choices": "", "sets_status": "",
              "editable": "on"}
    values.update(overrides)
    return {key: value for key, value in values.items() if value != ""}


@pytest.mark.parametrize(("title", "key"), [
    ("Pick-up place", "pick_up_place"),
    ("Miejsce zwrotu łodzi", "miejsce_zwrotu_lodzi"),
    ("Тип автомобиля", "tip_avtomobilya"),
    ("!!!", "field"),
    ("x" * 80, "x" * 50),
])
def test_keys_are_made_from_titles(title, key):
    assert make_key(title) == key


def test_keys_are_unique_within_the_form():
    assert make_key("Notes", ["notes"]) == "notes_2"
    assert make_key("Notes", ["notes", "notes_2"]) == "notes_3"
    assert len(make_key("y" * 60, ["y" * 50])) == 50


def test_add_a_text_field(client_for, manager, rental_form):
    response = client_for(manager).post(create_url(rental_form), data(help_text="As on the document", required="on"))
    assert response.status_code == 302
    new = rental_form.fields.get(key="driver_s_licence_number")
    assert new.label == "Driver's licence number" and new.required and new.help_text == "As on the document"
    assert new.position == rental_form.fields.count() - 1
    rental_form.refresh_from_db()
    assert rental_form.version == 2
    entry = AuditEntry.objects.get(action="form_field.create")
    assert entry.changes["key"] == [None, "driver_s_licence_number"]


@pytest.mark.parametrize("kind", FormFieldKind.values)
def test_every_kind_can_be_added(client_for, manager, rental_form, kind):
    extra = {"choices": "One\nTwo\n\n"} if kind in ("single_choice", "multi_choice") else {}
    response = client_for(manager).post(create_url(rental_form), data(label=f"New {kind}", kind=kind, **extra))
    assert response.status_code == 302, response.context and response.context["form"].errors
    new = rental_form.fields.get(label=f"New {kind}")
    if extra:
        assert list(new.choices.values_list("key", "label")) == [("one", "One"), ("two", "Two")]


def test_a_taken_title_gets_another_key(client_for, manager, rental_form):
    client_for(manager).post(create_url(rental_form), data(label="Notes", kind="long_text"))
    assert rental_form.fields.filter(label="Notes").count() == 2
    assert rental_form.fields.filter(key="notes_2").exists()


def test_a_choice_list_with_duplicate_items_is_refused(client_for, manager, rental_form):
    response = client_for(manager).post(create_url(rental_form), data(kind="single_choice", choices="Yes\nyes"))
    assert response.status_code == 400
    assert "The list already has “yes”." in response.content.decode()
    response = client_for(manager).post(create_url(rental_form), data(kind="text", choices="A\nB"))
    assert "Only choice lists have items." in response.content.decode()
    assert not rental_form.fields.filter(label="Driver's licence number").exists()


def test_settings_that_do_not_fit_the_kind_are_refused(client_for, manager, rental_form):
    client = client_for(manager)
    response = client.post(create_url(rental_form), data(kind="number", is_phone="on"))
    assert "Only a text field can hold a phone number" in response.content.decode()
    response = client.post(create_url(rental_form), data(kind="text", is_phone="on", is_email="on"))
    assert "either a phone number or an e-mail address" in response.content.decode()
    response = client.post(create_url(rental_form), data(kind="button", required="on", in_header="on"))
    errors = response.context["form"].errors
    assert "cannot be required" in errors["required"][0] and "header" in errors["in_header"][0]
    booked = rental_form.scripts.get().statuses.get(name="Booked")
    response = client.post(create_url(rental_form), data(kind="text", sets_status=booked.pk))
    assert "Only a button can set a status." in response.content.decode()
    response = client.post(create_url(rental_form), data(label=""))
    assert response.status_code == 400


def test_a_button_sets_only_a_status_of_its_own_script(client_for, manager, rental_form, service):
    foreign = service.script.statuses.first()
    response = client_for(manager).post(create_url(rental_form), data(label="Escalate", kind="button",
                                                                      sets_status=foreign.pk))
    assert response.status_code == 400 and "sets_status" in response.context["form"].errors
    with pytest.raises(ValidationError) as error:
        actions.do_add_field(manager, rental_form, label="Escalate", kind="button", sets_status=foreign)
    assert "only set a status of its own script" in str(error.value)
    assert not FormField.objects.filter(label="Escalate").exists()


def test_change_settings_but_never_the_key_or_kind(client_for, manager, rental_form):
    place = field(rental_form, "pickup_place")
    response = client_for(manager).post(settings_url(place), {
        "label": "Where to hand over the car", "help_text": "Street and city", "required": "on", "in_header": "on",
        "editable": "on", "kind": "number", "key": "hacked",
    })
    assert response.status_code == 302
    place.refresh_from_db()
    assert place.key == "pickup_place" and place.kind == "text"
    assert place.label == "Where to hand over the car" and place.in_header and place.help_text == "Street and city"
    with pytest.raises(ValidationError):
        actions.do_update_field(manager, place, key="other")
    with pytest.raises(ValidationError):
        actions.do_update_field(manager, place, kind="number")
    with pytest.raises(ValidationError):
        actions.do_update_field(manager, place, colour="red")


def test_delete_only_a_field_without_case_data(client_for, manager, rental, contact, make_case):
    form = rental.script.form
    make_case(rental, contact, form_data=RENTAL_FORM)
    client = client_for(manager)
    used = field(form, "pickup_place")
    response = client.post(reverse("campaigns:field_delete", args=[form.pk, used.pk]), follow=True)
    assert "hide it instead" in response.content.decode()
    assert FormField.objects.filter(pk=used.pk).exists()
    unused = field(form, "notes")
    assert client.post(reverse("campaigns:field_delete", args=[form.pk, unused.pk])).status_code == 302
    assert not FormField.objects.filter(pk=unused.pk).exists()
    assert AuditEntry.objects.filter(action="form_field.delete").count() == 1


def test_builder_page_lists_keys_and_settings_links(client_for, manager, rental_form):
    body = client_for(manager).get(reverse("campaigns:form_edit_page", args=[rental_form.pk])).content.decode()
    assert "<code" in body and "vehicle_type" in body
    assert settings_url(field(rental_form, "vehicle_type")) in body
    assert create_url(rental_form) in body
