""""+" new case (CASE-03, CASE-07, CMP-01)."""

import re

from centrala.cases.models import Case, Priority, Source


def test_anonymous_user_is_sent_to_login(client, db):
    response = client.get("/cases/new/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_receptionist_may_not_create_cases(client_for, receptionist):
    assert client_for(receptionist).get("/cases/new/").status_code == 403
    assert client_for(receptionist).post("/cases/new/", {}).status_code == 403


def test_the_top_bar_has_plus_and_go_to_for_case_workers_only(client_for, agent, receptionist):
    html = client_for(agent).get("/").content.decode()
    assert 'href="/cases/new/"' in html and 'action="/cases/goto/"' in html
    html = client_for(receptionist).get("/").content.decode()
    assert 'href="/cases/new/"' not in html and 'action="/cases/goto/"' not in html


def test_the_form_offers_only_the_agents_active_campaigns(client_for, agent, rental, service, make_user):
    from centrala.campaigns.models import Campaign

    Campaign.objects.create(name="Old promo", script=rental.script, active=False).agents.add(agent)
    html = client_for(agent).get("/cases/new/").content.decode()
    campaigns = re.search(r'name="campaign".*?</select>', html, re.S).group(0)
    assert "Vehicle rental" in campaigns and "Customer service" not in campaigns and "Old promo" not in campaigns
    assert 'selected>Vehicle rental' in campaigns  # the only one: chosen already


def test_an_agent_creates_an_outbound_case_they_own(client_for, agent, rental, contact):
    response = client_for(agent).post("/cases/new/", {
        "campaign": rental.pk, "contact": contact.pk, "contact_search": "Jan Kowalski", "priority": Priority.HIGH})
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert case.source == Source.OUTBOUND and case.owner == agent and case.priority == Priority.HIGH
    assert case.subject == "Jan Kowalski (Vehicle rental)" and case.status == rental.script.initial_status


def test_add_owner_gives_the_case_to_another_agent_of_the_campaign(client_for, manager, home_agent, rental, contact):
    client_for(manager).post("/cases/new/", {
        "campaign": rental.pk, "contact": contact.pk, "owner": home_agent.pk, "priority": Priority.LOW})
    assert Case.objects.get().owner == home_agent


def test_a_manager_may_create_a_case_without_owner(client_for, manager, rental, contact):
    client_for(manager).post("/cases/new/", {"campaign": rental.pk, "contact": contact.pk, "priority": 0})
    assert Case.objects.get().owner is None


def test_the_owner_must_be_an_agent_of_the_chosen_campaign(client_for, manager, rental, service, contact, make_user):
    other = make_user("other", "agent")
    service.agents.add(other)
    response = client_for(manager).post("/cases/new/", {
        "campaign": rental.pk, "contact": contact.pk, "owner": other.pk, "priority": 0})
    assert response.status_code == 400
    assert "is not assigned to the campaign “Vehicle rental”." in response.content.decode()
    assert not Case.objects.exists()


def test_an_agent_cannot_create_in_a_campaign_not_assigned_to_them(client_for, agent, rental, service, contact):
    response = client_for(agent).post("/cases/new/", {"campaign": service.pk, "contact": contact.pk, "priority": 0})
    assert response.status_code == 400 and "Choose one of your active campaigns." in response.content.decode()
    assert not Case.objects.exists()


def test_a_contact_is_required_and_can_be_found_by_phone_without_a_pick(client_for, agent, rental, contact):
    client = client_for(agent)
    response = client.post("/cases/new/", {"campaign": rental.pk, "priority": 0})
    assert response.status_code == 400
    assert "Choose the contact the case is about, or add a new one." in response.content.decode()
    response = client.post("/cases/new/", {"campaign": rental.pk, "contact_search": "nobody here", "priority": 0})
    assert "Pick the contact from the suggestions, or add a new one." in response.content.decode()
    client.post("/cases/new/", {"campaign": rental.pk, "contact_search": "601234567", "priority": 0})
    assert Case.objects.get().contact == contact


def test_an_unknown_contact_id_is_a_clear_error(client_for, agent, rental):
    response = client_for(agent).post("/cases/new/", {"campaign": rental.pk, "contact": 99999, "priority": 0})
    assert response.status_code == 400 and "That contact does not exist." in response.content.decode()


def test_bad_input_is_refused(client_for, agent, rental, contact):
    response = client_for(agent).post("/cases/new/", {"campaign": "x", "contact": contact.pk, "priority": "9"})
    assert response.status_code == 400
    assert not Case.objects.exists()


def test_a_contact_can_be_preselected(client_for, agent, rental, contact):
    html = client_for(agent).get(f"/cases/new/?contact={contact.pk}").content.decode()
    assert f'name="contact" value="{contact.pk}"' in html and "Jan Kowalski" in html
    assert client_for(agent).get("/cases/new/?contact=999999").status_code == 404


def test_the_owner_list_knows_each_agents_campaigns(client_for, manager, agent, home_agent, rental, service):
    service.agents.add(agent)
    html = client_for(manager).get("/cases/new/").content.decode()
    assert re.search(rf'<option value="{agent.pk}" data-campaigns="{rental.pk} {service.pk}"|'
                     rf'<option value="{agent.pk}" data-campaigns="{service.pk} {rental.pk}"', html)
    assert f'<option value="{home_agent.pk}" data-campaigns="{rental.pk}"' in html


def test_team_members_are_owners_too(client_for, manager, rental, make_user):
    from centrala.accounts.models import Team

    team = Team.objects.create(name="Rental team")
    member = make_user("member", "home_agent")
    member.teams.add(team)
    rental.teams.add(team)
    assert f'<option value="{member.pk}" data-campaigns="{rental.pk}"' in client_for(manager).get("/cases/new/").content.decode()
