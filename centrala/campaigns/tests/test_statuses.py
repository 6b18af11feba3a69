"""Statuses (STS-01..02): the eight types with their colours, due-time rules, order, (de)activation."""

from datetime import datetime, timezone

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from centrala.audit.models import AuditEntry
from centrala.campaigns import actions
from centrala.campaigns.models import STATUS_COLOURS, Status, StatusType


def create_url(script):
    return reverse("campaigns:status_create", args=[script.pk])


def edit_url(status):
    return reverse("campaigns:status_edit", args=[status.pk])


def data(**overrides):
    values = {"name": "Call back tomorrow", "type": "private_callback", "callback_rule": "picked",
              "callback_minutes": "", "callback_at": "", "active": "on"}
    values.update(overrides)
    return {key: value for key, value in values.items() if value != ""}


def names(script):
    return list(script.statuses.values_list("name", flat=True))


def test_status_page_offers_the_eight_types_as_coloured_pills(client_for, manager, rental):
    body = client_for(manager).get(create_url(rental.script)).content.decode()
    for status_type in StatusType.values:
        assert f'<span class="status-pill status-type-{status_type}">' in body
    assert len(STATUS_COLOURS) == 8


def test_create_a_status_at_the_end(client_for, manager, rental):
    script = rental.script
    response = client_for(manager).post(create_url(script), data(name="Call back tomorrow"))
    assert response.status_code == 302 and response["Location"] == reverse("campaigns:script_edit", args=[script.pk])
    status = script.statuses.get(name="Call back tomorrow")
    assert names(script)[-1] == "Call back tomorrow" and status.callback_rule == "picked"
    assert AuditEntry.objects.get(action="status.create").changes["type"] == [None, "private_callback"]


def test_relative_due_time_needs_minutes_above_zero(client_for, manager, rental):
    client = client_for(manager)
    for minutes in ("", "0", "-5", "abc"):
        response = client.post(create_url(rental.script), data(callback_rule="relative", callback_minutes=minutes))
        assert response.status_code == 400, minutes
        assert "callback_minutes" in response.context["form"].errors
    response = client.post(create_url(rental.script), data(callback_rule="relative", callback_minutes="45",
                                                          callback_at="2026-12-24T10:00"))
    assert response.status_code == 302
    status = Status.objects.get(name="Call back tomorrow")
    assert status.callback_minutes == 45 and status.callback_at is None  # the unused date is dropped


def test_absolute_due_time_needs_a_date(client_for, manager, rental):
    client = client_for(manager)
    response = client.post(create_url(rental.script), data(type="public_callback", callback_rule="absolute"))
    assert response.status_code == 400
    assert "A fixed due time needs a date and time." in response.content.decode()
    response = client.post(create_url(rental.script), data(callback_rule="absolute", callback_at="not a date"))
    assert response.status_code == 400
    response = client.post(create_url(rental.script), data(callback_rule="absolute", callback_at="2026-12-24T10:00",
                                                          callback_minutes="30"))
    assert response.status_code == 302
    status = Status.objects.get(name="Call back tomorrow")
    assert status.callback_at is not None and status.callback_minutes is None


@pytest.mark.parametrize("status_type", ["unused", "no_qualifier", "closing", "pending", "cancel_success_close"])
def test_due_times_are_refused_for_other_types(client_for, manager, rental, status_type):
    response = client_for(manager).post(create_url(rental.script), data(type=status_type, callback_rule="relative",
                                                                        callback_minutes="30"))
    assert response.status_code == 400
    assert "A due time only applies to private callback, public callback and success statuses" in (
        response.content.decode()
    )
    assert not Status.objects.filter(name="Call back tomorrow").exists()


def test_a_success_may_need_confirmation_by_a_due_time(manager, rental):
    status = actions.do_save_status(manager, Status(), script=rental.script, name="Sold, confirm", type="success",
                                    callback_rule="relative", callback_minutes=60)
    assert status.callback_minutes == 60


def test_unknown_type_and_rule_are_refused(client_for, manager, rental):
    response = client_for(manager).post(create_url(rental.script), data(type="weird", callback_rule="sometimes"))
    assert set(response.context["form"].errors) >= {"type", "callback_rule"}
    with pytest.raises(ValidationError) as error:
        actions.do_save_status(manager, Status(), script=rental.script, name="X", type="weird")
    assert "Unknown status type" in str(error.value)


def test_names_are_unique_per_script_regardless_of_case(client_for, manager, rental, service):
    response = client_for(manager).post(create_url(rental.script), data(name="booked", type="success",
                                                                        callback_rule="none"))
    assert "already has a status named “booked”" in response.content.decode()
    name = service.script.statuses.first().name
    actions.do_save_status(manager, Status(), script=rental.script, name=name, type="pending")


def test_edit_a_status(client_for, manager, rental):
    status = rental.script.statuses.get(name="Call back in 30 minutes")
    response = client_for(manager).post(edit_url(status), data(name="Call back in an hour", type="public_callback",
                                                               callback_rule="relative", callback_minutes="60"))
    assert response.status_code == 302
    status.refresh_from_db()
    assert status.name == "Call back in an hour" and status.callback_minutes == 60
    entry = AuditEntry.objects.get(action="status.update")
    assert entry.changes["callback_minutes"] == [30, 60]


def test_reorder(client_for, manager, rental):
    script = rental.script
    client = client_for(manager)
    second = script.statuses.all()[1]
    client.post(reverse("campaigns:status_move", args=[second.pk]), {"direction": "up"})
    assert names(script)[:2] == ["No answer", "New"]
    response = client.post(reverse("campaigns:status_move", args=[second.pk]), {"direction": "up"}, follow=True)
    assert "It is already first." in response.content.decode()
    response = client.post(reverse("campaigns:status_move", args=[second.pk]), {"direction": "sideways"}, follow=True)
    assert "Move up or down." in response.content.decode()
    assert AuditEntry.objects.filter(action="status.move").count() == 1


def test_deactivate_and_activate(client_for, manager, rental):
    status = rental.script.statuses.get(name="No answer")
    client = client_for(manager)
    client.post(reverse("campaigns:status_activate", args=[status.pk]), {"active": "0"})
    status.refresh_from_db()
    assert not status.active
    client.post(reverse("campaigns:status_activate", args=[status.pk]), {"active": "1"})
    status.refresh_from_db()
    assert status.active


def test_the_initial_status_and_a_button_status_stay_active(client_for, manager, rental):
    client = client_for(manager)
    initial = rental.script.initial_status
    response = client.post(reverse("campaigns:status_activate", args=[initial.pk]), {"active": "0"}, follow=True)
    assert "is the initial status of its script" in response.content.decode()
    booked = rental.script.statuses.get(name="Booked")
    response = client.post(reverse("campaigns:status_activate", args=[booked.pk]), {"active": "0"}, follow=True)
    assert "Buttons set this status (Booked)" in response.content.decode()
    assert Status.objects.filter(pk__in=[initial.pk, booked.pk], active=True).count() == 2


def test_a_status_cases_hold_cannot_be_deleted(client_for, manager, rental, contact, make_case):
    client = client_for(manager)
    new = rental.script.initial_status
    pending = rental.script.statuses.get(name="Waiting for availability")
    make_case(rental, contact, status=pending)
    response = client.post(reverse("campaigns:status_delete", args=[pending.pk]), follow=True)
    assert "so it cannot be deleted; deactivate it instead" in response.content.decode()
    assert Status.objects.filter(pk=pending.pk).exists()
    response = client.post(reverse("campaigns:status_delete", args=[new.pk]), follow=True)
    assert "is the initial status" in response.content.decode()
    unused = rental.script.statuses.get(name="Not interested")
    client.post(reverse("campaigns:status_delete", args=[unused.pk]))
    assert not Status.objects.filter(pk=unused.pk).exists()
    assert AuditEntry.objects.filter(action="status.delete").count() == 1


def test_first_status_of_an_empty_script_becomes_initial(manager):
    script = actions.do_create_script(manager, name="Fresh")
    first = actions.do_save_status(manager, Status(), script=script, name="Open", type="unused")
    actions.do_save_status(manager, Status(), script=script, name="Done", type="closing")
    script.refresh_from_db()
    assert script.initial_status == first


def test_script_page_lists_statuses_with_pills_and_due_times(client_for, manager, rental):
    status = rental.script.statuses.get(name="Call back in 30 minutes")
    actions.do_save_status(manager, status, name="Fixed", type="public_callback", callback_rule="absolute",
                           callback_at=datetime(2026, 12, 24, 9, tzinfo=timezone.utc))
    body = client_for(manager).get(reverse("campaigns:script_edit", args=[rental.script.pk])).content.decode()
    assert '<span class="status-pill status-type-public_callback"' in body
    assert "Agent picks the time" in body and "2026" in body
