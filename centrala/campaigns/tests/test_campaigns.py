"""Campaign pages (CMP-01..02): list, create, edit, agents and teams, the script tab."""

from django.urls import reverse

from centrala.accounts.models import Team
from centrala.audit.models import AuditEntry
from centrala.campaigns import actions
from centrala.campaigns.models import Campaign, Status
from conftest import RENTAL_FORM

LIST = reverse("campaigns:list")
CREATE = reverse("campaigns:create")


def general(campaign):
    return reverse("campaigns:edit", args=[campaign.pk])


def agents_url(campaign):
    return reverse("campaigns:agents", args=[campaign.pk])


def test_list_shows_script_active_agents_teams_and_open_cases(
    client_for, manager, rental, service, contact, make_case, make_user, django_assert_max_num_queries
):
    team = Team.objects.create(name="Rental team")
    rental.teams.add(team)
    make_case(rental, contact)
    make_case(rental, contact)
    closed = make_case(rental, contact)
    closed.status = rental.script.statuses.get(name="Booked")
    closed.save(update_fields=["status"])
    client = client_for(manager)
    client.get(LIST)
    with django_assert_max_num_queries(8):
        response = client.get(LIST)
    body = response.content.decode()
    rows = {c.pk: c for c in response.context["campaigns"]}
    assert rows[rental.pk].agent_count == 2 and rows[rental.pk].team_count == 1
    assert rows[rental.pk].open_cases == 2  # the booked (success) case is closed
    assert rows[service.pk].open_cases == 0 and rows[service.pk].agent_count == 0
    assert "Vehicle rental" in body and "Customer service" in body


def test_list_filters_active_and_inactive_and_searches(client_for, manager, rental, service):
    service.active = False
    service.save()
    client = client_for(manager)
    assert [c.name for c in client.get(LIST).context["campaigns"]] == ["Vehicle rental"]
    assert [c.name for c in client.get(LIST, {"show": "inactive"}).context["campaigns"]] == ["Customer service"]
    assert len(client.get(LIST, {"show": "all"}).context["campaigns"]) == 2
    assert [c.name for c in client.get(LIST, {"show": "all", "q": "servi"}).context["campaigns"]] == [
        "Customer service"
    ]


def test_create_a_campaign_then_go_to_agents(client_for, manager, rental):
    response = client_for(manager).post(CREATE, {
        "name": "  Summer rentals ", "description": "Holiday season", "script": rental.script.pk, "active": "on",
    })
    campaign = Campaign.objects.get(name="Summer rentals")
    assert response.status_code == 302 and response["Location"] == agents_url(campaign)
    assert campaign.active and campaign.script == rental.script and campaign.description == "Holiday season"
    entry = AuditEntry.objects.get(action="campaign.create")
    assert entry.actor == manager and entry.changes["name"] == [None, "Summer rentals"]


def test_create_refuses_bad_input_with_clear_errors(client_for, manager, rental):
    from centrala.campaigns.models import Script

    client = client_for(manager)
    response = client.post(CREATE, {"name": "vehicle RENTAL", "script": rental.script.pk})
    assert response.status_code == 400
    assert "A campaign with this name already exists." in response.content.decode()
    response = client.post(CREATE, {"name": "New", "script": "999999"})
    assert response.status_code == 400 and "script" in response.context["form"].errors
    response = client.post(CREATE, {"name": "", "script": "abc"})
    assert set(response.context["form"].errors) == {"name", "script"}
    empty = Script.objects.create(name="Empty")
    response = client.post(CREATE, {"name": "New", "script": empty.pk})
    assert "has no initial status yet" in response.content.decode()
    assert Campaign.objects.count() == 1


def test_edit_and_deactivate_keeps_cases(client_for, manager, rental, contact, make_case):
    case = make_case(rental, contact, form_data=RENTAL_FORM)
    saved = dict(case.form_data)
    assert saved["vehicle_type"] == "van"
    response = client_for(manager).post(general(rental), {
        "name": "Vehicle rental", "description": "Paused for winter", "script": rental.script.pk,
    })
    assert response.status_code == 302
    rental.refresh_from_db()
    assert not rental.active and rental.description == "Paused for winter"
    case.refresh_from_db()
    assert case.campaign == rental and case.form_data == saved
    entry = AuditEntry.objects.get(action="campaign.update")
    assert entry.changes["active"] == [True, False]


def test_the_script_of_a_campaign_with_cases_cannot_change(client_for, manager, rental, service, contact, make_case):
    client = client_for(manager)
    other = actions.do_create_script(manager, name="Other")
    actions.do_save_status(manager, Status(), script=other, name="Start", type="unused")
    make_case(rental, contact)
    response = client.post(general(rental), {"name": "Vehicle rental", "script": other.pk, "active": "on"})
    assert response.status_code == 400
    assert "already has cases" in response.content.decode()
    rental.refresh_from_db()
    assert rental.script.name == "Vehicle rental"
    # Without cases, it may.
    response = client.post(general(service), {"name": "Customer service", "script": other.pk, "active": "on"})
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.script == other


def test_assign_agents_and_teams_and_see_access_through_a_team(client_for, manager, rental, agent, make_user):
    remote = make_user("remote", "home_agent")
    member = make_user("member", "agent")
    team = Team.objects.create(name="Night shift")
    team.members.add(member, agent)
    client = client_for(manager)
    response = client.post(agents_url(rental), {"agents": [agent.pk, remote.pk], "teams": [team.pk],
                                                 "success_goal": "12"})
    assert response.status_code == 302
    rental.refresh_from_db()
    assert set(rental.agents.all()) == {agent, remote} and list(rental.teams.all()) == [team]
    assert rental.success_goal == 12
    access = {e["user"].username: e for e in client.get(agents_url(rental)).context["access"]}
    assert access["agent"]["direct"] and access["agent"]["teams"] == ["Night shift"]
    assert not access["member"]["direct"] and access["member"]["teams"] == ["Night shift"]
    assert access["remote"]["direct"] and access["remote"]["teams"] == []
    assert "homeagent" not in access  # removed above
    body = client.get(agents_url(rental)).content.decode()
    assert "through team Night shift" in body and "assigned directly" in body
    entry = AuditEntry.objects.filter(action="campaign.update").latest("pk")
    assert entry.changes["teams"] == [[], ["Night shift"]]
    assert entry.changes["success_goal"] == [None, 12]


def test_team_member_gets_access_to_the_campaign(manager, rental, make_user):
    from centrala.accounts.permissions import visible_campaigns

    member = make_user("member", "agent")
    assert not visible_campaigns(member).exists()
    team = Team.objects.create(name="Rental team")
    team.members.add(member)
    actions.do_set_campaign_agents(manager, rental, agents=rental.agents.all(), teams=[team])
    assert list(visible_campaigns(member)) == [rental]


def test_only_active_agents_can_be_assigned(client_for, manager, rental, make_user, administrator):
    client = client_for(manager)
    response = client.post(agents_url(rental), {"agents": [manager.pk]})
    assert response.status_code == 400  # not among the choices: agents and home agents only
    gone = make_user("gone", "agent", is_active=False)
    response = client.post(agents_url(rental), {"agents": [gone.pk]})
    assert response.status_code == 400
    response = client.post(agents_url(rental), {"agents": ["x"], "success_goal": "-1"})
    assert set(response.context["form"].errors) == {"agents", "success_goal"}
    try:
        actions.do_set_campaign_agents(manager, rental, agents=[administrator], teams=[])
    except Exception as error:  # the action holds the rule too, whoever calls it
        assert "Only agents and home agents" in str(error)
    else:
        raise AssertionError("an administrator was assigned")
    assert rental.agents.count() == 2


def test_script_tab_summarises_the_script(client_for, manager, rental):
    response = client_for(manager).get(reverse("campaigns:script", args=[rental.pk]))
    body = response.content.decode()
    assert "Greet" in body  # the call script
    assert 'class="status-pill status-type-private_callback"' in body
    assert reverse("campaigns:script_edit", args=[rental.script.pk]) in body
    assert reverse("campaigns:form_edit_page", args=[rental.script.form.pk]) in body


def test_script_tab_says_no_form(client_for, manager, rental):
    rental.script.form = None
    rental.script.save()
    body = client_for(manager).get(reverse("campaigns:script", args=[rental.pk])).content.decode()
    assert "No form" in body
