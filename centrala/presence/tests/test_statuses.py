"""The status catalogue: presence:statuses and its create/edit/delete/move/activate actions."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from centrala.audit.models import AuditEntry
from centrala.presence.actions import check_status_choice, do_set_presence
from centrala.presence.models import PresenceStatus

LIST = reverse("presence:statuses")
CREATE = reverse("presence:status_create")


def edit_url(status):
    return reverse("presence:status_edit", args=[status.pk])


def _post_urls(status):
    return [reverse(f"presence:{name}", args=[status.pk]) for name in ("status_delete", "status_move",
                                                                        "status_activate")]


def form_data(**overrides):
    data = {"name": "Lunch", "kind": "break", "logs_into_queues": "", "is_default": "", "active": "on"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value != ""}


def order():
    return list(PresenceStatus.objects.values_list("name", flat=True))


# --- access -----------------------------------------------------------------------------------------

def test_anonymous_is_sent_to_login(client, presence_statuses):
    status = presence_statuses["break"]
    for url in [LIST, CREATE, edit_url(status)]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    for url in _post_urls(status):
        response = client.post(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["agent", "home_agent", "manager", "receptionist", "specialist"])
def test_non_administrators_get_403(client_for, make_user, role, presence_statuses):
    client = client_for(make_user("someone", role))
    status = presence_statuses["break"]
    for url in [LIST, CREATE, edit_url(status)]:
        assert client.get(url).status_code == 403
    assert client.post(CREATE, form_data()).status_code == 403
    for url in _post_urls(status):
        assert client.post(url, {"direction": "up", "active": "0"}).status_code == 403
    assert PresenceStatus.objects.count() == 3 and not AuditEntry.objects.exists()


def test_unknown_status_is_404(client_for, administrator, presence_statuses):
    client = client_for(administrator)
    assert client.get("/presence/statuses/999999/").status_code == 404
    for action in ("delete", "move", "active"):
        assert client.post(f"/presence/statuses/999999/{action}/").status_code == 404


def test_state_changes_need_post(client_for, administrator, presence_statuses):
    for url in _post_urls(presence_statuses["break"]):
        assert client_for(administrator).get(url).status_code == 405


# --- list, create, edit --------------------------------------------------------------------------------

def test_list_shows_statuses_in_order_with_usage(client_for, administrator, agent, presence_statuses,
                                                 django_assert_max_num_queries):
    do_set_presence(agent, presence_statuses["break"])
    client = client_for(administrator)
    client.get(LIST)
    with django_assert_max_num_queries(10):
        response = client.get(LIST)
    body = response.content.decode()
    assert body.index("Available") < body.index("Back office") < body.index(">Break<")
    items = {item.name: item for item in response.context["statuses"]}
    assert items["Break"].users_now == 1 and items["Break"].in_use
    assert not items["Back office"].in_use
    # Only unused statuses offer Delete.
    assert reverse("presence:status_delete", args=[presence_statuses["back_office"].pk]) in body
    assert reverse("presence:status_delete", args=[presence_statuses["break"].pk]) not in body


def test_create_adds_at_the_end_and_audits(client_for, administrator, presence_statuses):
    response = client_for(administrator).post(CREATE, form_data(name="  Lunch  "))

    assert response.status_code == 302 and response["Location"] == LIST
    lunch = PresenceStatus.objects.get(name="Lunch")
    assert (lunch.kind, lunch.active, lunch.is_default, lunch.logs_into_queues) == ("break", True, False, False)
    assert order() == ["Available", "Back office", "Break", "Lunch"]
    entry = AuditEntry.objects.get(action="presence_status.create")
    assert entry.actor == administrator and entry.object_id == str(lunch.pk)
    assert entry.changes["name"] == [None, "Lunch"] and entry.changes["kind"] == [None, "break"]


def test_create_page_renders(client_for, administrator, db):
    response = client_for(administrator).get(CREATE)
    assert response.status_code == 200
    assert 'name="kind"' in response.content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (form_data(name=""), "name", "This field is required."),
        (form_data(name="   "), "name", "This field is required."),
        (form_data(name="break"), "name", "A status with this name already exists."),
        (form_data(name="x" * 61), "name", "Ensure this value has at most 60 characters"),
        (form_data(kind="lunch"), "kind", "Select a valid choice."),
        (form_data(kind=""), "kind", "This field is required."),
        (form_data(is_default="on", active=""), "is_default", "The status set after login must be active."),
    ],
)
def test_create_with_bad_input_explains(client_for, administrator, presence_statuses, data, field, message):
    response = client_for(administrator).post(CREATE, data)

    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    assert message.split("“")[0] in response.content.decode()
    assert PresenceStatus.objects.count() == 3 and not AuditEntry.objects.exists()


def test_edit_records_what_changed(client_for, administrator, presence_statuses):
    back_office = presence_statuses["back_office"]
    response = client_for(administrator).post(
        edit_url(back_office), form_data(name="Paperwork", kind="work", logs_into_queues="on")
    )

    assert response.status_code == 302
    back_office.refresh_from_db()
    assert (back_office.name, back_office.logs_into_queues, back_office.position) == ("Paperwork", True, 1)
    entry = AuditEntry.objects.get(action="presence_status.update")
    assert entry.changes == {"name": ["Back office", "Paperwork"], "logs_into_queues": [False, True]}


def test_edit_keeping_its_own_name_is_fine_and_unchanged_is_not_audited(client_for, administrator,
                                                                       presence_statuses):
    on_break = presence_statuses["break"]
    response = client_for(administrator).post(edit_url(on_break), form_data(name="Break", kind="break"))
    assert response.status_code == 302
    assert not AuditEntry.objects.exists()


def test_edit_with_bad_input_keeps_the_heading(client_for, administrator, presence_statuses):
    response = client_for(administrator).post(edit_url(presence_statuses["break"]), form_data(name="available"))
    assert response.status_code == 400
    assert "Status “Break”" in response.content.decode()
    assert presence_statuses["break"].name == "Break"
    assert PresenceStatus.objects.get(pk=presence_statuses["break"].pk).name == "Break"


# --- the one default -------------------------------------------------------------------------------------

def test_only_one_status_is_set_after_login(client_for, administrator, presence_statuses):
    back_office = presence_statuses["back_office"]
    response = client_for(administrator).post(
        edit_url(back_office), form_data(name="Back office", kind="work", is_default="on")
    )

    assert response.status_code == 302
    assert list(PresenceStatus.objects.filter(is_default=True)) == [back_office]
    changes = {e.object_repr: e.changes for e in AuditEntry.objects.filter(action="presence_status.update")}
    assert changes == {"Available": {"is_default": [True, False]}, "Back office": {"is_default": [False, True]}}


def test_new_status_can_take_the_default(client_for, administrator, presence_statuses):
    client_for(administrator).post(CREATE, form_data(name="Ready", kind="work", is_default="on"))
    assert list(PresenceStatus.objects.filter(is_default=True).values_list("name", flat=True)) == ["Ready"]


def test_the_default_cannot_be_deactivated(client_for, administrator, presence_statuses):
    available = presence_statuses["available"]
    response = client_for(administrator).post(
        reverse("presence:status_activate", args=[available.pk]), {"active": "0"}, follow=True
    )
    assert "The status set after login must be active." in response.content.decode()
    available.refresh_from_db()
    assert available.active


# --- delete, deactivate ---------------------------------------------------------------------------------

def test_unused_status_can_be_deleted(client_for, administrator, presence_statuses):
    back_office = presence_statuses["back_office"]
    response = client_for(administrator).post(reverse("presence:status_delete", args=[back_office.pk]))

    assert response.status_code == 302
    assert order() == ["Available", "Break"]
    entry = AuditEntry.objects.get(action="presence_status.delete")
    assert entry.object_repr == "Back office" and entry.changes["name"] == ["Back office", None]


def test_used_status_cannot_be_deleted_but_can_be_deactivated(client_for, administrator, agent,
                                                              presence_statuses):
    on_break = presence_statuses["break"]
    do_set_presence(agent, on_break)
    do_set_presence(agent, None)  # signed out: nobody is in it now, but history is
    client = client_for(administrator)

    response = client.post(reverse("presence:status_delete", args=[on_break.pk]), follow=True)
    assert "Deactivate it instead." in response.content.decode()
    assert PresenceStatus.objects.filter(pk=on_break.pk).exists()
    assert not AuditEntry.objects.filter(action="presence_status.delete").exists()

    response = client.post(reverse("presence:status_activate", args=[on_break.pk]), {"active": "0"})
    assert response.status_code == 302
    on_break.refresh_from_db()
    assert not on_break.active
    assert AuditEntry.objects.get(action="presence_status.update").changes == {"active": [True, False]}
    with pytest.raises(ValidationError, match="no longer in use"):
        check_status_choice(agent, on_break.pk)

    client.post(reverse("presence:status_activate", args=[on_break.pk]), {"active": "1"})
    on_break.refresh_from_db()
    assert on_break.active


# --- order ---------------------------------------------------------------------------------------------------

def move(client, status, direction):
    return client.post(reverse("presence:status_move", args=[status.pk]), {"direction": direction})


def test_move_up_and_down(client_for, administrator, presence_statuses):
    client = client_for(administrator)
    on_break = presence_statuses["break"]

    assert move(client, on_break, "up").status_code == 302
    assert order() == ["Available", "Break", "Back office"]
    assert move(client, on_break, "up").status_code == 302
    assert order() == ["Break", "Available", "Back office"]
    move(client, on_break, "up")  # already first: nothing happens
    assert order() == ["Break", "Available", "Back office"]
    move(client, presence_statuses["available"], "down")
    assert order() == ["Break", "Back office", "Available"]
    moves = AuditEntry.objects.filter(action="presence_status.move", object_repr="Break").order_by("id")
    assert [e.changes for e in moves] == [{"position": [2, 1]}, {"position": [1, 0]}]


def test_move_works_when_positions_repeat(client_for, administrator, presence_statuses):
    PresenceStatus.objects.update(position=0)  # e.g. created elsewhere without a position
    client = client_for(administrator)
    before = order()
    move(client, PresenceStatus.objects.get(name=before[2]), "up")
    assert order() == [before[0], before[2], before[1]]


@pytest.mark.parametrize("direction", ["", "left", "UP"])
def test_move_needs_a_direction(client_for, administrator, presence_statuses, direction):
    response = move(client_for(administrator), presence_statuses["break"], direction)
    assert response.status_code == 400
    assert order() == ["Available", "Back office", "Break"]


def test_saving_a_stale_copy_keeps_the_current_order(administrator, presence_statuses):
    from centrala.presence.actions import do_move_status, do_save_status

    stale = PresenceStatus.objects.get(name="Break")  # loaded before another administrator moves it
    do_move_status(administrator, presence_statuses["break"], "up")
    do_save_status(administrator, stale, name="Coffee", kind="break")
    assert order() == ["Available", "Coffee", "Back office"]


def test_actions_refuse_what_the_form_would(administrator, presence_statuses):
    from centrala.presence.actions import do_save_status

    with pytest.raises(ValidationError, match="work or break"):
        do_save_status(administrator, PresenceStatus(), name="Nap", kind="sleep")
    with pytest.raises(ValidationError, match="already exists"):
        do_save_status(administrator, PresenceStatus(), name="AVAILABLE", kind="work")
    assert PresenceStatus.objects.count() == 3
