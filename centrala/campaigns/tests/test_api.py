"""GET /api/v1/campaigns, /campaigns/{id}, /campaigns/{id}/statuses: only visible campaigns."""

import pytest

from centrala.accounts.models import Team
from centrala.campaigns import actions

BASE = "/api/v1/campaigns"


def test_agents_list_only_their_campaigns(api_client, agent, rental, service):
    response = api_client(agent).get(BASE)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["items"] == [{"id": rental.pk, "name": "Vehicle rental", "description": "", "active": True,
                              "script": {"id": rental.script_id, "name": "Vehicle rental"}}]


def test_agents_see_campaigns_of_their_teams(api_client, make_user, service):
    member = make_user("member", "agent")
    team = Team.objects.create(name="Hotline")
    team.members.add(member)
    service.teams.add(team)
    assert [c["name"] for c in api_client(member).get(BASE).json()["items"]] == ["Customer service"]
    assert api_client(member).get(f"{BASE}/{service.pk}").status_code == 200


def test_supervisors_list_every_campaign_and_filter(api_client, manager, rental, service):
    service.active = False
    service.save()
    client = api_client(manager)
    assert {c["name"] for c in client.get(BASE).json()["items"]} == {"Vehicle rental", "Customer service"}
    assert [c["name"] for c in client.get(BASE, {"active": "false"}).json()["items"]] == ["Customer service"]
    assert [c["name"] for c in client.get(BASE, {"q": "rent"}).json()["items"]] == ["Vehicle rental"]


def test_detail_has_the_script_statuses_and_form(api_client, agent, rental, manager):
    form = rental.script.form
    van = form.fields.get(key="vehicle_type").choices.get(key="van")
    actions.do_update_choice(manager, van, hidden=True)
    actions.do_update_field(manager, form.fields.get(key="notes"), hidden=True)
    response = api_client(agent).get(f"{BASE}/{rental.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["script"]["call_script"].startswith("1. Greet")
    assert body["script"]["initial_status_id"] == rental.script.initial_status_id
    statuses = {s["name"]: s for s in body["statuses"]}
    assert len(statuses) == 8
    relative = statuses["Call back in 30 minutes"]
    assert relative["type"] == "public_callback" and relative["colour"] == "#1f4e9c"
    assert relative["callback_rule"] == "relative" and relative["callback_minutes"] == 30
    assert statuses["Call back (me)"]["callback_rule"] == "picked"
    assert body["form"]["version"] == 3 and body["form"]["name"] == "Vehicle rental"
    fields = {f["key"]: f for f in body["form"]["fields"]}
    assert [f["key"] for f in body["form"]["fields"]][0] == "vehicle_type"
    vehicle = fields["vehicle_type"]
    assert vehicle["title"] == "Vehicle type" and vehicle["required"] and vehicle["in_header"]
    assert [(c["key"], c["hidden"]) for c in vehicle["choices"]][:2] == [("car", False), ("van", True)]
    assert fields["notes"]["hidden"] is True
    assert fields["booked"]["kind"] == "button" and fields["booked"]["sets_status_id"] == statuses["Booked"]["id"]
    assert fields["contact_phone"]["is_phone"] is True


def test_detail_of_a_campaign_without_a_form(api_client, manager, rental):
    rental.script.form = None
    rental.script.save()
    assert api_client(manager).get(f"{BASE}/{rental.pk}").json()["form"] is None


def test_agent_not_assigned_gets_404(api_client, agent, service):
    client = api_client(agent)
    for url in (f"{BASE}/{service.pk}", f"{BASE}/{service.pk}/statuses", f"{BASE}/999999"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["detail"] == "This campaign does not exist or is not visible to you."


def test_statuses_in_order_active_only_unless_asked(api_client, agent, rental, manager):
    actions.do_set_status_active(manager, rental.script.statuses.get(name="No answer"), False)
    client = api_client(agent)
    names = [s["name"] for s in client.get(f"{BASE}/{rental.pk}/statuses").json()]
    assert names[0] == "New" and "No answer" not in names and len(names) == 7
    everything = client.get(f"{BASE}/{rental.pk}/statuses", {"include_inactive": "true"}).json()
    assert len(everything) == 8
    assert [s["active"] for s in everything if s["name"] == "No answer"] == [False]


@pytest.mark.parametrize("role", ["receptionist", "specialist"])
def test_roles_without_case_work_get_403(api_client, make_user, rental, role):
    client = api_client(make_user("someone", role))
    for url in (BASE, f"{BASE}/{rental.pk}", f"{BASE}/{rental.pk}/statuses"):
        assert client.get(url).status_code == 403, url


def test_anonymous_gets_401(client, rental):
    for url in (BASE, f"{BASE}/{rental.pk}", f"{BASE}/{rental.pk}/statuses"):
        assert client.get(url).status_code == 401


def test_bad_ids_are_clear_errors(api_client, manager, rental):
    response = api_client(manager).get(f"{BASE}/abc")
    assert response.status_code == 422
    assert api_client(manager).get(f"{BASE}/{rental.pk}/statuses", {"include_inactive": "maybe"}).status_code == 422


def test_detail_query_count_does_not_grow_with_the_form(api_client, manager, rental, django_assert_max_num_queries):
    client = api_client(manager)
    with django_assert_max_num_queries(10):
        assert client.get(f"{BASE}/{rental.pk}").status_code == 200
