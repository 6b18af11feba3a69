"""The in-place form editor (FRM-02): each small edit saves at once, is audited, bumps the
form's version, tells open cards, and never loses case data."""

import pytest
from django.urls import reverse

from centrala.accounts.models import Team
from centrala.realtime import publish as publish_module
from centrala.audit.models import AuditEntry
from centrala.campaigns.models import FormField
from conftest import RENTAL_FORM

from .conftest import choice, field

RETURN = "/cases/7/form/"


def editor_url(form, **query):
    from urllib.parse import urlencode

    url = reverse("campaigns:form_editor", args=[form.pk])
    return f"{url}?{urlencode(query)}" if query else url


def op_url(form, op):
    return reverse("campaigns:form_editor_op", args=[form.pk, op]) + f"?return={RETURN}"


@pytest.fixture
def edit(client_for, manager, rental_form):
    client = client_for(manager)

    def post(op, **data):
        return client.post(op_url(rental_form, op), data, HTTP_HX_REQUEST="true")

    return post


def version(form):
    form.refresh_from_db()
    return form.version


def test_editor_fragment_shows_every_field_and_the_done_button(client_for, manager, rental_form):
    response = client_for(manager).get(editor_url(rental_form, **{"return": RETURN}), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith("<div id=\"form-tab\" class=\"form-editor")
    assert "<html" not in body  # a fragment, not a page
    assert f'hx-get="{RETURN}" hx-target="#form-tab" hx-swap="outerHTML"' in body
    for f in rental_form.fields.all():
        assert f'data-field-key="{f.key}"' in body
    assert 'data-choice-key="van"' in body
    # Each edit keeps "where Done goes" in its URL.
    assert f"/editor/field-title/?return={RETURN.replace('/', '%2F')}" in body


def test_done_only_goes_to_a_path_on_this_site(client_for, manager, rental_form):
    client = client_for(manager)
    for bad in ("https://evil.example/x", "//evil.example/x", "javascript:alert(1)"):
        body = client.get(editor_url(rental_form, **{"return": bad}), HTTP_HX_REQUEST="true").content.decode()
        assert "evil" not in body and "javascript:" not in body
        assert 'data-testid="editor-done"' not in body


def test_rename_a_field(edit, rental_form, manager):
    response = edit("field-title", field=field(rental_form, "vehicle_type").pk, title="  Vehicle class ")
    assert response.status_code == 200 and "X-Centrala-Error" not in response
    assert field(rental_form, "vehicle_type").label == "Vehicle class"
    body = response.content.decode()
    assert 'value="Vehicle class"' in body and 'data-testid="editor-saved"' in body
    assert version(rental_form) == 2
    entry = AuditEntry.objects.get(action="form_field.update")
    assert entry.actor == manager and entry.changes["label"] == ["Vehicle type", "Vehicle class"]
    assert entry.changes["key"] == "vehicle_type"


def test_an_empty_title_is_refused_with_a_clear_error(edit, rental_form):
    response = edit("field-title", field=field(rental_form, "vehicle_type").pk, title="   ")
    assert response.status_code == 200 and response["X-Centrala-Error"] == "400"
    assert "Enter a title." in response.content.decode()
    assert field(rental_form, "vehicle_type").label == "Vehicle type" and version(rental_form) == 1
    response = edit("field-title", field=field(rental_form, "vehicle_type").pk, title="x" * 151)
    assert "at most 150 characters" in response.content.decode()


def test_toggle_required(edit, rental_form):
    notes = field(rental_form, "notes")
    edit("field-required", field=notes.pk, required="1")
    assert field(rental_form, "notes").required
    edit("field-required", field=notes.pk)  # an unticked box sends nothing
    assert not field(rental_form, "notes").required
    assert version(rental_form) == 3
    response = edit("field-required", field=field(rental_form, "booked").pk, required="1")
    assert "cannot be required" in response.content.decode()


def test_hide_and_show_a_field(edit, rental_form):
    notes = field(rental_form, "notes")
    edit("field-hidden", field=notes.pk, hidden="1")
    assert field(rental_form, "notes").hidden
    edit("field-hidden", field=notes.pk, hidden="0")
    assert not field(rental_form, "notes").hidden


def test_hiding_keeps_case_data(edit, rental, rental_form, contact, make_case, manager):
    case = make_case(rental, contact, form_data=RENTAL_FORM)
    saved = dict(case.form_data)
    assert saved["vehicle_type"] == "van"
    edit("choice-hidden", choice=choice(rental_form, "vehicle_type", "van").pk, hidden="1")
    edit("field-hidden", field=field(rental_form, "pickup_place").pk, hidden="1")
    assert choice(rental_form, "vehicle_type", "van").hidden
    case.refresh_from_db()
    assert case.form_data == saved
    # Saving the case again through the case actions keeps the hidden field's value too.
    from centrala.cases.actions import do_update_case

    do_update_case(manager, case.pk, base_version=case.version, changes={"form_data": {"notes": "Late arrival"}})
    case.refresh_from_db()
    assert case.form_data["pickup_place"] == saved["pickup_place"] and case.form_data["vehicle_type"] == "van"


def test_reorder_fields(edit, rental_form):
    keys = lambda: list(rental_form.fields.values_list("key", flat=True))  # noqa: E731
    before = keys()
    edit("field-move", field=field(rental_form, "extras").pk, direction="up")
    assert keys() == [before[1], before[0], *before[2:]]
    response = edit("field-move", field=field(rental_form, "extras").pk, direction="up")
    assert "It is already first." in response.content.decode()
    edit("field-move", field=field(rental_form, "call_back").pk, direction="up")
    assert keys()[-2:] == ["call_back", "booked"]
    assert AuditEntry.objects.filter(action="form_field.move").count() == 2


def test_rename_add_hide_and_reorder_choice_items(edit, rental_form):
    vehicle = field(rental_form, "vehicle_type")
    edit("choice-label", choice=choice(rental_form, "vehicle_type", "car").pk, label="Car (5 seats)")
    edit("choice-add", field=vehicle.pk, label="Campervan")
    edit("choice-hidden", choice=choice(rental_form, "vehicle_type", "van").pk, hidden="1")
    edit("choice-move", choice=choice(rental_form, "vehicle_type", "campervan").pk, direction="up")
    items = list(vehicle.choices.values_list("key", "label", "hidden"))
    assert items == [
        ("car", "Car (5 seats)", False), ("van", "Van", True), ("minibus", "Minibus (9 seats)", False),
        ("campervan", "Campervan", False), ("truck", "Truck up to 3.5 t", False),
    ]
    assert version(rental_form) == 5
    response = edit("choice-add", field=vehicle.pk, label="campervan")
    assert "The list already has “campervan”." in response.content.decode()
    response = edit("choice-add", field=field(rental_form, "notes").pk, label="Item")
    assert "Only choice lists have items." in response.content.decode()
    assert version(rental_form) == 5


def test_add_a_button_that_sets_a_status(edit, rental_form):
    waiting = rental_form.scripts.get().statuses.get(name="Waiting for availability")
    response = edit("button-add", title="Check availability", status=waiting.pk)
    assert response.status_code == 200 and "X-Centrala-Error" not in response
    button = rental_form.fields.get(label="Check availability")
    assert button.kind == "button" and button.sets_status == waiting and button.key == "check_availability"
    assert rental_form.fields.last() == button
    assert AuditEntry.objects.get(action="form_field.create").changes["sets_status"] == [None,
                                                                                          "Waiting for availability"]


def test_a_button_cannot_set_a_status_of_another_script(edit, rental_form, service):
    foreign = service.script.statuses.first()
    response = edit("button-add", title="Escalate", status=foreign.pk)
    assert response["X-Centrala-Error"] == "400"
    assert "only set a status of its own script" in response.content.decode()
    assert not FormField.objects.filter(label="Escalate").exists()
    booked = field(rental_form, "booked")
    response = edit("field-status", field=booked.pk, status=foreign.pk)
    assert "only set a status of its own script" in response.content.decode()
    assert field(rental_form, "booked").sets_status.name == "Booked"
    response = edit("field-status", field=booked.pk, status="nonsense")
    assert "Choose one of the script&#x27;s statuses." in response.content.decode()


def test_change_and_clear_the_status_a_button_sets(edit, rental_form):
    booked = field(rental_form, "booked")
    pending = rental_form.scripts.get().statuses.get(name="Waiting for availability")
    edit("field-status", field=booked.pk, status=pending.pk)
    assert field(rental_form, "booked").sets_status == pending
    edit("field-status", field=booked.pk, status="")
    assert field(rental_form, "booked").sets_status is None


def test_rename_the_form(edit, rental_form):
    edit("form-name", name="Rental booking")
    rental_form.refresh_from_db()
    assert rental_form.name == "Rental booking"


def test_unknown_or_foreign_ids_get_a_clear_message(edit, rental_form, service):
    foreign_field = service.script.form.fields.first()
    for data in ({"field": foreign_field.pk, "title": "X"}, {"field": "999999", "title": "X"}, {"field": "abc"},
                 {}):
        response = edit("field-title", **data)
        assert response["X-Centrala-Error"] == "404"
        assert "no longer on this form" in response.content.decode()
    foreign_field.refresh_from_db()
    assert foreign_field.label != "X" and version(rental_form) == 1


def test_without_htmx_an_edit_returns_to_the_builder_page(client_for, manager, rental_form):
    client = client_for(manager)
    response = client.post(op_url(rental_form, "field-title"), {"field": field(rental_form, "notes").pk,
                                                                 "title": "Remarks"})
    assert response.status_code == 302
    assert response["Location"] == reverse("campaigns:form_edit_page", args=[rental_form.pk])
    assert field(rental_form, "notes").label == "Remarks"
    response = client.post(op_url(rental_form, "field-title"), {"field": field(rental_form, "notes").pk,
                                                                 "title": ""}, follow=True)
    assert "Enter a title." in response.content.decode()


def test_every_edit_tells_the_campaigns_audience(
    edit, rental, rental_form, agent, manager, sent_events, django_capture_on_commit_callbacks
):
    team = Team.objects.create(name="Rental team")
    rental.teams.add(team)
    with django_capture_on_commit_callbacks(execute=True):
        edit("field-title", field=field(rental_form, "notes").pk, title="Remarks")
    assert len(sent_events) == 1
    (event,) = sent_events
    event_type, payload = event["type"], event["payload"]
    groups = publish_module._groups(event["users"], event["teams"], event["roles"])
    assert event_type == "form.changed" and payload == {"form_id": rental_form.pk, "version": 2}
    assert f"user.{agent.pk}" in groups and f"team.{team.pk}" in groups
    assert "role.manager" in groups and "role.administrator" in groups
    with django_capture_on_commit_callbacks(execute=True):
        edit("field-title", field=field(rental_form, "notes").pk, title="   ")  # refused: nothing sent
    assert len(sent_events) == 1


def test_an_edit_tells_nobody_outside_the_campaigns(
    edit, rental_form, make_user, sent_events, django_capture_on_commit_callbacks
):
    outsider = make_user("outsider", "agent")
    with django_capture_on_commit_callbacks(execute=True):
        edit("field-required", field=field(rental_form, "notes").pk, required="1")
    (event,) = sent_events
    assert event["users"] and outsider.pk not in event["users"]


def test_preview_shows_visible_items_and_an_edit_button(client_for, manager, rental_form, edit):
    edit("choice-hidden", choice=choice(rental_form, "vehicle_type", "van").pk, hidden="1")
    edit("field-hidden", field=field(rental_form, "notes").pk, hidden="1")
    body = client_for(manager).get(reverse("campaigns:form_preview", args=[rental_form.pk])).content.decode()
    assert "Passenger car" in body and ">Van<" not in body and 'data-field-key="notes"' not in body
    assert reverse("campaigns:form_editor", args=[rental_form.pk]) in body


def test_the_fragments_open_as_pages_without_htmx(client_for, manager, rental_form):
    client = client_for(manager)
    for url in (editor_url(rental_form, **{"return": RETURN}), reverse("campaigns:form_preview", args=[rental_form.pk])):
        body = client.get(url).content.decode()
        assert "<html" in body and 'id="form-tab"' in body
    fragment = client.get(reverse("campaigns:form_preview", args=[rental_form.pk]), HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode()


def test_editor_queries_do_not_grow_with_fields(client_for, manager, rental_form, edit,
                                                django_assert_max_num_queries):
    client = client_for(manager)
    url = editor_url(rental_form, **{"return": RETURN})
    with django_assert_max_num_queries(9):
        client.get(url, HTTP_HX_REQUEST="true")
    for number in range(5):
        edit("button-add", title=f"Extra {number}")
    with django_assert_max_num_queries(9):
        client.get(url, HTTP_HX_REQUEST="true")
