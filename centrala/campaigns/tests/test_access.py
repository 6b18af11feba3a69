"""Who may open the campaign, script and form pages: managers and administrators only."""

import pytest
from django.urls import reverse

from centrala.audit.models import AuditEntry
from centrala.campaigns.models import Campaign, Form, Script


def _pages(campaign):
    script = campaign.script
    form = script.form
    status = script.statuses.first()
    field = form.fields.first()
    get = [
        reverse("campaigns:list"), reverse("campaigns:create"),
        reverse("campaigns:edit", args=[campaign.pk]), reverse("campaigns:agents", args=[campaign.pk]),
        reverse("campaigns:script", args=[campaign.pk]),
        reverse("campaigns:scripts"), reverse("campaigns:script_create"),
        reverse("campaigns:script_edit", args=[script.pk]), reverse("campaigns:script_export", args=[script.pk]),
        reverse("campaigns:status_create", args=[script.pk]), reverse("campaigns:status_edit", args=[status.pk]),
        reverse("campaigns:form_edit_page", args=[form.pk]), reverse("campaigns:form_editor", args=[form.pk]),
        reverse("campaigns:form_preview", args=[form.pk]), reverse("campaigns:field_create", args=[form.pk]),
        reverse("campaigns:field_edit", args=[form.pk, field.pk]),
    ]
    post = [
        reverse("campaigns:script_delete", args=[script.pk]),
        reverse("campaigns:status_move", args=[status.pk]), reverse("campaigns:status_activate", args=[status.pk]),
        reverse("campaigns:status_delete", args=[status.pk]),
        reverse("campaigns:field_delete", args=[form.pk, field.pk]),
        *[reverse("campaigns:form_editor_op", args=[form.pk, op]) for op in (
            "form-name", "field-title", "field-required", "field-hidden", "field-status", "field-move", "button-add",
            "choice-add", "choice-label", "choice-hidden", "choice-move",
        )],
    ]
    return get, post


def test_anonymous_users_are_sent_to_login(client, rental):
    get, post = _pages(rental)
    for url in get + post:
        response = client.get(url) if url in get else client.post(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


@pytest.mark.parametrize("role", ["agent", "home_agent", "receptionist", "specialist"])
def test_other_roles_get_403_everywhere(client_for, make_user, rental, role):
    client = client_for(make_user("someone", role))
    get, post = _pages(rental)
    for url in get:
        assert client.get(url).status_code == 403, url
    for url in post + [reverse("campaigns:create"), reverse("campaigns:edit", args=[rental.pk])]:
        data = {"field": rental.script.form.fields.first().pk, "title": "X", "name": "X", "direction": "up"}
        assert client.post(url, data, HTTP_HX_REQUEST="true").status_code == 403, url
    assert not AuditEntry.objects.exists()
    assert Campaign.objects.count() == 1 and Script.objects.count() == 1 and Form.objects.get().version == 1


def test_assigned_agent_still_cannot_edit_the_form_of_their_campaign(client_for, agent, rental):
    """Being assigned to the campaign gives the case card, not the form editor."""
    form = rental.script.form
    client = client_for(agent)
    assert client.get(reverse("campaigns:form_editor", args=[form.pk])).status_code == 403
    response = client.post(reverse("campaigns:form_editor_op", args=[form.pk, "field-title"]),
                           {"field": form.fields.first().pk, "title": "Hacked"})
    assert response.status_code == 403
    assert not form.fields.filter(label="Hacked").exists()


@pytest.mark.parametrize("role", ["manager", "administrator"])
def test_managers_and_administrators_open_every_page(client_for, make_user, rental, role):
    client = client_for(make_user("boss", role))
    get, _ = _pages(rental)
    for url in get:
        assert client.get(url).status_code == 200, url


def test_state_changes_need_post(client_for, manager, rental):
    client = client_for(manager)
    _, post = _pages(rental)
    for url in post:
        assert client.get(url).status_code == 405, url


def test_unknown_objects_are_404(client_for, manager, rental):
    client = client_for(manager)
    form = rental.script.form
    for url in ["/campaigns/999999/", "/campaigns/999999/agents/", "/campaigns/999999/script/",
                "/campaigns/scripts/999999/", "/campaigns/scripts/999999/export/", "/campaigns/statuses/999999/",
                "/campaigns/forms/999999/", "/campaigns/forms/999999/editor/", "/campaigns/forms/999999/preview/",
                f"/campaigns/forms/{form.pk}/fields/999999/"]:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/campaigns/forms/{form.pk}/editor/no-such-op/").status_code == 404


def test_a_field_of_another_form_is_404_on_its_settings_page(client_for, manager, rental, service):
    other_field = service.script.form.fields.first()
    url = reverse("campaigns:field_edit", args=[rental.script.form.pk, other_field.pk])
    assert client_for(manager).get(url).status_code == 404
