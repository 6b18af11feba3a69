"""Cases over the API: visibility (404 for what one may not see), filters, create, change,
optimistic locking (409 with the current case) and clear errors (422)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from centrala.activities.models import Activity
from centrala.audit.models import AuditEntry
from centrala.campaigns.models import Status
from centrala.cases.models import Case
from conftest import RENTAL_FORM


@pytest.fixture
def token_for(db):
    from centrala.api.actions import do_create_token

    def make(user):
        return do_create_token(None, user, "test", None)[1]

    return make


@pytest.fixture
def api(token_for):
    """api(user) -> a client sending user's bearer token."""

    def make(user):
        return Client(headers={"Authorization": f"Bearer {token_for(user)}"})

    return make


def status(campaign, name):
    return Status.objects.get(script=campaign.script, name=name)


def patch(client, path, body):
    return client.patch(path, body, content_type="application/json")


def post(client, path, body):
    return client.post(path, body, content_type="application/json")


@pytest.fixture
def rental_case(rental, contact, agent, make_case):
    return make_case(rental, contact, agent)


@pytest.fixture
def service_case(service, contact, manager, make_case):
    return make_case(service, contact, manager)


# --- who sees what ---------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["agent", "home_agent"])
def test_an_agent_sees_only_cases_of_campaigns_assigned_to_them(request, role, api, rental_case, service_case):
    client = api(request.getfixturevalue(role))
    listed = client.get("/api/v1/cases").json()
    assert [item["id"] for item in listed["items"]] == [rental_case.pk] and listed["count"] == 1
    assert client.get(f"/api/v1/cases?campaign={service_case.campaign_id}").json()["items"] == []
    assert client.get(f"/api/v1/cases?q={service_case.pk}").json()["items"] == []
    response = client.get(f"/api/v1/cases/{service_case.pk}")
    assert response.status_code == 404
    assert response.json()["detail"] == "This case does not exist or is not visible to you."
    assert client.get("/api/v1/cases/987654").json() == response.json()  # no difference to probe
    assert patch(client, f"/api/v1/cases/{service_case.pk}", {"version": 1, "subject": "x"}).status_code == 404
    assert post(client, f"/api/v1/cases/{service_case.pk}/status",
                {"status_id": 1, "version": 1}).status_code == 404
    assert client.get(f"/api/v1/cases/{service_case.pk}/activities").status_code == 404


def test_a_team_assignment_opens_the_campaign(api, make_user, service_case):
    from centrala.accounts.models import Team

    member = make_user("member", "home_agent")
    team = Team.objects.create(name="Service")
    member.teams.add(team)
    service_case.campaign.teams.add(team)
    assert api(member).get(f"/api/v1/cases/{service_case.pk}").status_code == 200


def test_managers_see_every_case(api, manager, rental_case, service_case):
    assert api(manager).get("/api/v1/cases").json()["count"] == 2


def test_roles_without_case_work_get_403_and_strangers_401(api, receptionist, specialist, rental_case):
    for user in (receptionist, specialist):
        client = api(user)
        assert client.get("/api/v1/cases").status_code == 403
        assert client.get(f"/api/v1/cases/{rental_case.pk}").status_code == 403
        assert post(client, "/api/v1/cases", {"campaign_id": 1, "contact_id": 1}).status_code == 403
    assert Client().get("/api/v1/cases").status_code == 401
    assert Client().get(f"/api/v1/cases/{rental_case.pk}").status_code == 401


# --- reading ---------------------------------------------------------------------------------------

def test_one_case_in_detail(api, agent, rental_case, contact):
    body = api(agent).get(f"/api/v1/cases/{rental_case.pk}").json()
    assert body["id"] == body["number"] == rental_case.pk
    assert body["version"] == 1
    assert body["subject"] == "Jan Kowalski (Vehicle rental)"
    assert body["status"] == {"id": rental_case.status_id, "name": "New", "type": "unused", "type_label": "Unused",
                              "colour": "#9aa4b2", "is_callback": False, "is_closed": False}
    assert body["contact"] == {"id": contact.pk, "kind": "person", "display_name": "Jan Kowalski",
                               "phones": ["+48601234567"], "emails": ["jan.kowalski@example.com"]}
    assert body["owner"] == {"id": agent.pk, "name": "Agent Test"}
    assert body["campaign"] == {"id": rental_case.campaign_id, "name": "Vehicle rental"}
    assert body["form_data"] == {} and body["priority"] == 0 and body["source"] == "outbound"


def test_filters_and_pagination(api, manager, agent, rental, service, contact, make_contact, make_case):
    anna = make_contact("Anna", "Nowak")
    first = make_case(rental, contact, agent)
    second = make_case(rental, anna, None, subject="Minibus for a wedding")
    third = make_case(service, anna, manager)
    booked = status(rental, "Booked")
    Case.objects.filter(pk=first.pk).update(status=booked)
    client = api(manager)

    def ids(query):
        return [item["id"] for item in client.get(f"/api/v1/cases?{query}").json()["items"]]

    assert ids("") == [third.pk, second.pk, first.pk]
    assert ids(f"campaign={rental.pk}") == [second.pk, first.pk]
    assert ids(f"status={booked.pk}") == [first.pk]
    assert ids(f"owner={agent.pk}") == [first.pk]
    assert ids("owner=none") == [third.pk, second.pk]  # a manager who creates a case does not own it
    assert ids(f"contact={anna.pk}") == [third.pk, second.pk]
    assert ids("q=wedding") == [second.pk]
    assert ids(f"q=%23{first.pk}") == [first.pk]
    page = client.get("/api/v1/cases?page=2&page_size=2").json()
    assert page["count"] == 3 and [item["id"] for item in page["items"]] == [first.pk]
    assert ids("owner=me") == []
    assert api(agent).get("/api/v1/cases?owner=me").json()["count"] == 1
    bad = client.get("/api/v1/cases?owner=somebody")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "owner"
    assert client.get("/api/v1/cases?campaign=abc").status_code == 422


def test_the_list_costs_the_same_queries_for_more_cases(api, manager, rental, contact, make_case):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(manager)
    for _ in range(3):
        make_case(rental, contact, manager)
    client.get("/api/v1/cases")
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/cases")
    for _ in range(9):
        make_case(rental, contact, manager)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/api/v1/cases").json()["count"] == 12
    assert len(many) == len(few)


# --- creating --------------------------------------------------------------------------------------

def test_an_agent_creates_a_case(api, agent, rental, contact):
    response = post(api(agent), "/api/v1/cases", {
        "campaign_id": rental.pk, "contact_id": contact.pk, "priority": 2, "source": "inbound_call",
        "form_data": RENTAL_FORM,
    })
    assert response.status_code == 201, response.json()
    body = response.json()
    case = Case.objects.get(pk=body["id"])
    assert body["owner"]["id"] == agent.pk and case.owner == agent
    assert body["status"]["name"] == "New" and body["priority"] == 2 and body["source"] == "inbound_call"
    assert body["form_data"]["vehicle_type"] == "van"
    assert body["subject"] == "Jan Kowalski (Vehicle rental)"
    assert AuditEntry.objects.filter(action="case.create", object_id=str(case.pk)).exists()


def test_a_manager_creates_a_case_with_owner_status_and_subject(api, manager, home_agent, rental, contact):
    waiting = status(rental, "Waiting for availability")
    response = post(api(manager), "/api/v1/cases", {
        "campaign_id": rental.pk, "contact_id": contact.pk, "owner_id": home_agent.pk, "status_id": waiting.pk,
        "subject": "Van in December",
    })
    assert response.status_code == 201
    body = response.json()
    assert body["owner"]["id"] == home_agent.pk and body["status"]["id"] == waiting.pk
    assert body["subject"] == "Van in December"


@pytest.mark.parametrize(("body", "field"), [
    ({"contact_id": 1}, "campaign_id"),
    ({"campaign_id": "abc", "contact_id": 1}, "campaign_id"),
    ({"campaign_id": 1, "contact_id": 1, "priority": 9}, "priority"),
    ({"campaign_id": 1, "contact_id": 1, "source": "fax"}, "source"),
    ({"campaign_id": 1, "contact_id": 1, "form_data": "text"}, "form_data"),
    ({"campaign_id": 1, "contact_id": 1, "callback_at": "tomorrow"}, "callback_at"),
])
def test_wrong_types_are_422_with_the_field(api, agent, body, field):
    response = post(api(agent), "/api/v1/cases", body)
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]


def test_create_refuses_what_cannot_be(api, agent, rental, service, contact, manager):
    client = api(agent)

    def error(body):
        response = post(client, "/api/v1/cases", body)
        assert response.status_code == 422, response.json()
        return {e["field"]: e["message"] for e in response.json()["errors"]}

    assert error({"campaign_id": service.pk, "contact_id": contact.pk}) == {
        "campaign_id": f"No campaign with id {service.pk} is visible to you."}
    assert error({"campaign_id": rental.pk, "contact_id": 987654}) == {"contact_id": "No contact with id 987654."}
    assert "agent or home agent" in error({"campaign_id": rental.pk, "contact_id": contact.pk,
                                           "owner_id": manager.pk})["owner_id"]
    other_status = Status.objects.filter(script=service.script).first()
    assert "campaign's script" in error({"campaign_id": rental.pk, "contact_id": contact.pk,
                                         "status_id": other_status.pk})["status_id"]
    assert "is required" in error({"campaign_id": rental.pk, "contact_id": contact.pk,
                                   "form_data": {"vehicle_type": "van"}})["form_data.pickup_at"]
    assert not Case.objects.exists()


def test_the_owner_must_be_assigned_to_the_campaign_when_a_case_is_created(api, manager, agent, make_user, rental,
                                                                           service, contact):
    from centrala.accounts.models import Team

    outsider = make_user("outsider", "agent")
    response = post(api(manager), "/api/v1/cases", {"campaign_id": service.pk, "contact_id": contact.pk,
                                                   "owner_id": agent.pk})
    assert response.status_code == 422, response.json()
    assert {e["field"]: e["message"] for e in response.json()["errors"]} == {
        "owner_id": "Agent Test is not assigned to the campaign “Customer service”."}
    # An agent creating a case in their campaign cannot hand it to an agent of other campaigns either.
    response = post(api(agent), "/api/v1/cases", {"campaign_id": rental.pk, "contact_id": contact.pk,
                                                 "owner_id": outsider.pk})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "owner_id"
    assert not Case.objects.exists()
    # Assigned through a team is assigned.
    team = Team.objects.create(name="Service")
    outsider.teams.add(team)
    service.teams.add(team)
    response = post(api(manager), "/api/v1/cases", {"campaign_id": service.pk, "contact_id": contact.pk,
                                                   "owner_id": outsider.pk})
    assert response.status_code == 201 and response.json()["owner"]["id"] == outsider.pk


def test_create_takes_a_callback_time_only_from_a_status_whose_time_is_picked(api, agent, rental, contact):
    client = api(agent)
    later = (timezone.now() + timedelta(days=3)).replace(microsecond=0)

    def create(name, **body):
        return post(client, "/api/v1/cases", {"campaign_id": rental.pk, "contact_id": contact.pk,
                                              "status_id": status(rental, name).pk, **body})

    # A status without a callback has no due time, whatever was sent (as when a change sets it).
    response = create("Waiting for availability", callback_at=later.isoformat())
    assert response.status_code == 201, response.json()
    assert response.json()["callback_at"] is None and Case.objects.get(pk=response.json()["id"]).callback_at is None
    # A relative rule computes the due time; the time sent does not win.
    before = timezone.now()
    response = create("Call back in 30 minutes", callback_at=later.isoformat())
    assert response.status_code == 201
    due = Case.objects.get(pk=response.json()["id"]).callback_at
    assert before + timedelta(minutes=30) <= due <= timezone.now() + timedelta(minutes=30)
    # A picked rule needs the time, and keeps it.
    response = create("Call back (me)")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "callback_at"
    response = create("Call back (me)", callback_at=later.isoformat())
    assert response.status_code == 201
    picked = Case.objects.get(pk=response.json()["id"])
    assert picked.callback_at == later
    # The same rule as a change: setting a status without a callback drops the time sent.
    response = post(client, f"/api/v1/cases/{picked.pk}/status", {
        "status_id": status(rental, "Waiting for availability").pk, "version": 1, "callback_at": later.isoformat()})
    assert response.status_code == 200 and response.json()["callback_at"] is None


def test_form_keys_that_are_no_field_of_the_form_are_refused(api, agent, rental, contact, rental_case):
    from centrala.campaigns.models import FormField

    client = api(agent)
    response = post(client, "/api/v1/cases", {"campaign_id": rental.pk, "contact_id": contact.pk,
                                              "form_data": {**RENTAL_FORM, "spaceship": "yes"}})
    assert response.status_code == 422, response.json()
    assert {e["field"]: e["message"] for e in response.json()["errors"]} == {
        "form_data.spaceship": "There is no form field “spaceship”."}
    assert list(Case.objects.values_list("pk", flat=True)) == [rental_case.pk]
    response = patch(client, f"/api/v1/cases/{rental_case.pk}",
                     {"version": 1, "form_data": {**RENTAL_FORM, "colour": "red"}})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["form_data.colour"]
    rental_case.refresh_from_db()
    assert rental_case.version == 1 and rental_case.form_data == {}
    # A hidden field is a field: its value is not refused, the stored one is kept (FRM-02).
    response = patch(client, f"/api/v1/cases/{rental_case.pk}", {"version": 1, "form_data": {**RENTAL_FORM,
                                                                                             "notes": "keep me"}})
    assert response.status_code == 200, response.json()
    FormField.objects.filter(form=rental.script.form, key="notes").update(hidden=True)
    response = patch(client, f"/api/v1/cases/{rental_case.pk}", {"version": 2, "form_data": {"notes": "ignored"}})
    assert response.status_code == 200 and response.json()["form_data"]["notes"] == "keep me"


# --- changing --------------------------------------------------------------------------------------

def test_patch_changes_fields_and_bumps_the_version(api, agent, home_agent, rental_case):
    booked = status(rental_case.campaign, "Booked")
    response = patch(api(agent), f"/api/v1/cases/{rental_case.pk}", {
        "version": 1, "subject": "Weekend van", "status_id": booked.pk, "priority": 3, "owner_id": home_agent.pk,
        "form_data": RENTAL_FORM,
    })
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["version"] == 2 and body["subject"] == "Weekend van" and body["priority"] == 3
    assert body["status"]["type"] == "success" and body["owner"]["id"] == home_agent.pk
    assert body["form_data"]["pickup_place"] == "Warszawa, Okęcie"
    info = Activity.objects.get(case=rental_case, data__field="status")
    assert (info.data["old"], info.data["new"]) == ("New", "Booked")


def test_the_owner_must_be_assigned_to_the_campaign_when_a_case_changes(api, manager, agent, make_user, rental_case,
                                                                        service):
    from centrala.accounts.models import Team

    client = api(manager)
    outsider = make_user("outsider", "home_agent")
    message = "Outsider Test is not assigned to the campaign “Vehicle rental”."
    for path, body in ((f"/api/v1/cases/{rental_case.pk}", {"version": 1, "owner_id": outsider.pk}),
                       (f"/api/v1/cases/{rental_case.pk}/owner", {"version": 1, "owner_id": outsider.pk})):
        response = (patch if path.endswith(str(rental_case.pk)) else post)(client, path, body)
        assert response.status_code == 422, response.json()
        assert {e["field"]: e["message"] for e in response.json()["errors"]} == {"owner_id": message}
    rental_case.refresh_from_db()
    assert rental_case.owner == agent and rental_case.version == 1
    # Moving the case with a new owner: the owner must be assigned to the campaign it moves to.
    response = patch(client, f"/api/v1/cases/{rental_case.pk}", {
        "version": 1, "campaign_id": service.pk, "confirm_campaign_change": True, "owner_id": agent.pk})
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == "Agent Test is not assigned to the campaign “Customer service”."
    team = Team.objects.create(name="Service")
    outsider.teams.add(team)
    service.teams.add(team)
    response = patch(client, f"/api/v1/cases/{rental_case.pk}", {
        "version": 1, "campaign_id": service.pk, "confirm_campaign_change": True, "owner_id": outsider.pk})
    assert response.status_code == 200, response.json()
    assert response.json()["owner"]["id"] == outsider.pk and response.json()["campaign"]["id"] == service.pk


def test_owner_null_removes_the_owner(api, manager, rental_case):
    response = patch(api(manager), f"/api/v1/cases/{rental_case.pk}", {"version": 1, "owner_id": None})
    assert response.status_code == 200 and response.json()["owner"] is None


def test_fields_that_cannot_be_null(api, manager, rental_case):
    response = patch(api(manager), f"/api/v1/cases/{rental_case.pk}", {"version": 1, "subject": None,
                                                                       "status_id": None})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"subject", "status_id"}


def test_a_stale_version_is_409_with_the_current_case(api, agent, home_agent, rental_case):
    patch(api(home_agent), f"/api/v1/cases/{rental_case.pk}", {"version": 1, "subject": "Saved first"})
    response = patch(api(agent), f"/api/v1/cases/{rental_case.pk}", {"version": 1, "subject": "Saved second"})
    assert response.status_code == 409
    body = response.json()
    assert body["current_version"] == 2
    assert body["current"]["subject"] == "Saved first" and body["current"]["version"] == 2
    assert "changed by someone else" in body["detail"]
    rental_case.refresh_from_db()
    assert rental_case.subject == "Saved first"


@pytest.mark.parametrize(("body", "field"), [
    ({"subject": "no version"}, "version"),
    ({"version": "one"}, "version"),
    ({"version": 1, "status_id": "booked"}, "status_id"),
    ({"version": 1, "is_spam": "perhaps"}, "is_spam"),
    ({"version": 1, "priority": -1}, "priority"),
    ({"version": 1, "owner_id": 987654}, "owner_id"),
    ({"version": 1, "contact_id": 987654}, "contact_id"),
    ({"version": 1, "form_data": {"vehicle_type": "spaceship"}}, "form_data.vehicle_type"),
])
def test_bad_patches_are_422_with_the_field(api, agent, rental_case, body, field):
    response = patch(api(agent), f"/api/v1/cases/{rental_case.pk}", body)
    assert response.status_code == 422, response.json()
    assert field in [error["field"] for error in response.json()["errors"]]
    rental_case.refresh_from_db()
    assert rental_case.version == 1


def test_a_body_that_is_not_json_is_400(api, agent, rental_case):
    response = api(agent).patch(f"/api/v1/cases/{rental_case.pk}", "{oops", content_type="application/json")
    assert response.status_code == 400


def test_changing_the_campaign_needs_confirmation(api, manager, rental_case, service):
    client = api(manager)
    response = patch(client, f"/api/v1/cases/{rental_case.pk}", {"version": 1, "campaign_id": service.pk})
    assert response.status_code == 422
    assert "confirm_campaign_change" in response.json()["detail"]
    assert response.json()["errors"][0]["field"] == "confirm_campaign_change"
    response = patch(client, f"/api/v1/cases/{rental_case.pk}",
                     {"version": 1, "campaign_id": service.pk, "confirm_campaign_change": True})
    assert response.status_code == 200
    body = response.json()
    assert body["campaign"]["id"] == service.pk and body["status"]["id"] == service.script.initial_status_id


def test_an_agent_cannot_move_a_case_to_a_campaign_they_do_not_see(api, agent, rental_case, service):
    response = patch(api(agent), f"/api/v1/cases/{rental_case.pk}",
                     {"version": 1, "campaign_id": service.pk, "confirm_campaign_change": True})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "campaign_id"


def test_the_status_endpoint_with_a_picked_callback(api, agent, rental_case):
    client = api(agent)
    call_back = status(rental_case.campaign, "Call back (me)")
    response = post(client, f"/api/v1/cases/{rental_case.pk}/status", {"status_id": call_back.pk, "version": 1})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "callback_at"
    due = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    response = post(client, f"/api/v1/cases/{rental_case.pk}/status",
                    {"status_id": call_back.pk, "version": 1, "callback_at": due.isoformat()})
    assert response.status_code == 200
    assert response.json()["status"]["is_callback"] is True
    assert response.json()["callback_at"].startswith(due.astimezone(timezone.UTC).strftime("%Y-%m-%dT%H:%M"))
    stale = post(client, f"/api/v1/cases/{rental_case.pk}/status", {"status_id": call_back.pk, "version": 1})
    assert stale.status_code == 409 and stale.json()["current_version"] == 2


def test_the_owner_endpoint(api, manager, home_agent, rental_case):
    client = api(manager)
    response = post(client, f"/api/v1/cases/{rental_case.pk}/owner", {"owner_id": home_agent.pk, "version": 1})
    assert response.status_code == 200 and response.json()["owner"]["id"] == home_agent.pk
    response = post(client, f"/api/v1/cases/{rental_case.pk}/owner", {"owner_id": None, "version": 2})
    assert response.status_code == 200 and response.json()["owner"] is None
    response = post(client, f"/api/v1/cases/{rental_case.pk}/owner", {"owner_id": manager.pk, "version": 3})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "owner_id"


def test_the_campaign_endpoint(api, manager, rental_case, service):
    client = api(manager)
    response = post(client, f"/api/v1/cases/{rental_case.pk}/campaign", {"campaign_id": service.pk, "version": 1})
    assert response.status_code == 422 and "“confirm”: true" in response.json()["detail"]
    response = post(client, f"/api/v1/cases/{rental_case.pk}/campaign",
                    {"campaign_id": service.pk, "version": 1, "confirm": True})
    assert response.status_code == 200 and response.json()["campaign"]["id"] == service.pk


def test_the_api_is_documented(api, agent):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/cases", "/api/v1/cases/{case_id}", "/api/v1/cases/{case_id}/status",
                 "/api/v1/cases/{case_id}/owner", "/api/v1/cases/{case_id}/campaign",
                 "/api/v1/cases/{case_id}/activities", "/api/v1/cases/{case_id}/notes",
                 "/api/v1/activities/{activity_id}", "/api/v1/activities/{activity_id}/move"):
        assert path in paths, path
    assert "409" in paths["/api/v1/cases/{case_id}"]["patch"]["responses"]


def test_agents_cannot_change_a_non_editable_field_through_the_api(api, agent, manager, rental_case):
    from centrala.campaigns.models import FormField

    FormField.objects.filter(form=rental_case.campaign.script.form, key="pickup_place").update(editable=False)
    response = patch(api(agent), f"/api/v1/cases/{rental_case.pk}",
                     {"version": 1, "form_data": {**RENTAL_FORM, "pickup_place": "Gdańsk"}})
    assert response.status_code == 422, response.json()
    assert "form_data.pickup_place" in [error["field"] for error in response.json()["errors"]]
    rental_case.refresh_from_db()
    assert rental_case.version == 1 and "pickup_place" not in rental_case.form_data
    response = patch(api(manager), f"/api/v1/cases/{rental_case.pk}",
                     {"version": 1, "form_data": {**RENTAL_FORM, "pickup_place": "Gdańsk"}})
    assert response.status_code == 200 and response.json()["form_data"]["pickup_place"] == "Gdańsk"


def test_agents_cannot_fill_a_non_editable_field_when_creating_a_case_through_the_api(api, agent, manager, rental,
                                                                                      contact):
    from centrala.campaigns.models import FormField

    FormField.objects.filter(form=rental.script.form, key="return_place").update(editable=False)
    body = {"campaign_id": rental.pk, "contact_id": contact.pk, "form_data": {**RENTAL_FORM, "return_place": "Gdańsk"}}
    response = post(api(agent), "/api/v1/cases", body)
    assert response.status_code == 422, response.json()
    assert {e["field"]: e["message"] for e in response.json()["errors"]} == {
        "form_data.return_place": "“Return place” cannot be changed by agents."}
    assert not Case.objects.exists()
    response = post(api(agent), "/api/v1/cases", {**body, "form_data": RENTAL_FORM})
    assert response.status_code == 201 and "return_place" not in response.json()["form_data"]
    response = post(api(manager), "/api/v1/cases", body)
    assert response.status_code == 201 and response.json()["form_data"]["return_place"] == "Gdańsk"
