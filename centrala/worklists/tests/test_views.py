"""Per-user customisation of lists (VIEW-02): the layout endpoint (columns, filter buttons, row
height) and saved tabs (view variants): validation, sharing with a team, who may change them."""

import json

import pytest

from centrala.accounts.models import Team
from centrala.audit.models import AuditEntry
from centrala.worklists.models import ViewPreference, ViewVariant

LAYOUT = "/lists/tickets/layout/"


def post_json(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def columns(*keys, hidden=(), widths=None):
    return [{"key": key, "width": (widths or {}).get(key, 120), "visible": key not in hidden} for key in keys]


ALL = ["number", "subject", "contact", "campaign", "status", "owner", "priority", "source", "due", "created",
       "updated", "spam"]


@pytest.fixture
def team(agent, home_agent):
    team = Team.objects.create(name="Rental desk")
    agent.teams.add(team)
    return team


# --- layout -------------------------------------------------------------------------------------

def test_a_saved_layout_orders_sizes_and_hides_columns_on_the_page(client_for, agent, home_agent, rental, contact,
                                                                   make_case):
    make_case(rental, contact, agent)
    client = client_for(agent)
    order = ["subject", "number", *[key for key in ALL if key not in ("subject", "number")]]
    response = post_json(client, LAYOUT, {"columns": columns(*order, hidden=("owner", "campaign"),
                                                             widths={"subject": 5000, "number": 10})})
    assert response.status_code == 200 and response.json() == {"detail": "Layout saved."}
    stored = ViewPreference.objects.get(user=agent, view="tickets").columns
    assert [item["key"] for item in stored] == order
    assert stored[0]["width"] == 900 and stored[1]["width"] == 50  # kept within sensible bounds

    html = client.get("/cases/tickets/").content.decode()
    assert html.index('data-testid="column-subject"') < html.index('data-testid="column-number"')
    assert 'data-testid="column-owner"' not in html and 'data-testid="column-campaign"' not in html
    assert '<col data-col="subject" data-width="900">' in html
    # Still offered in the Columns menu, unchecked.
    assert 'data-column-toggle="owner" data-testid="column-toggle-owner">' in html
    # Another user's page and another view keep their defaults.
    assert ViewPreference.objects.filter(user=agent).count() == 1
    assert '<col data-col="subject" data-width="280">' in client.get("/cases/").content.decode()
    other = client_for(home_agent).get("/cases/tickets/").content.decode()
    assert 'data-testid="column-owner"' in other and '<col data-col="subject" data-width="280">' in other


def test_a_layout_naming_some_columns_keeps_the_rest_after_them(client_for, agent, db):
    client = client_for(agent)
    assert post_json(client, LAYOUT, {"columns": columns("due", "subject")}).status_code == 200
    page = client.get("/cases/tickets/")
    keys = [item["column"].key for item in page.context["layout"]["columns"]]
    assert keys[:2] == ["due", "subject"] and set(keys) == set(ALL)


@pytest.mark.parametrize("data, detail", [
    ({"columns": columns("number", "colour")}, "Unknown column “colour”."),
    ({"columns": columns("number", "number")}, "Unknown column “number”."),
    ({"columns": ["number"]}, "Unknown column “number”."),
    ({"columns": "number"}, "The column layout is not a list of columns."),
    ({"columns": columns(*ALL, hidden=ALL)}, "Keep at least one column visible."),
    ({"row_height": "huge"}, "Unknown row height."),
    ({"filters": ["campaign", "mood"]}, "Unknown filter."),
    ({"filters": [{"key": "campaign"}]}, "Unknown filter."),
    ({"columns": [{"key": ["number"]}]}, "Unknown column “['number']”."),
])
def test_layout_nonsense_is_refused_with_a_reason(client_for, agent, db, data, detail):
    response = post_json(client_for(agent), LAYOUT, data)
    assert response.status_code == 400
    assert response.json() == {"detail": detail}
    assert not ViewPreference.objects.exists()


def test_an_unreadable_layout_is_refused(client_for, agent, db):
    response = client_for(agent).post(LAYOUT, "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json() == {"detail": "The layout could not be read."}
    response = client_for(agent).post(LAYOUT, "[1, 2]", content_type="application/json")
    assert response.status_code == 400


def test_one_part_of_the_layout_leaves_the_others(client_for, agent, db):
    client = client_for(agent)
    assert post_json(client, LAYOUT, {"columns": columns("due", "subject", hidden=("subject",))}).status_code == 200
    assert post_json(client, LAYOUT, {"row_height": "compact"}).status_code == 200
    assert post_json(client, LAYOUT, {"filters": ["number"]}).status_code == 200
    preference = ViewPreference.objects.get(user=agent, view="tickets")
    assert preference.row_height == "compact" and preference.filters == ["number"]
    assert preference.columns == columns("due", "subject", hidden=("subject",))


def test_row_height_and_filter_buttons(client_for, agent, db):
    client = client_for(agent)
    assert post_json(client, LAYOUT, {"row_height": "tall"}).status_code == 200
    response = client.post(LAYOUT, {"filters_sent": "1", "filters": ["number", "campaign"], "return_query": "q=van"})
    assert response.status_code == 302 and response["Location"] == "/cases/tickets/?q=van"
    html = client.get("/cases/tickets/").content.decode()
    assert "rows-tall" in html
    assert 'data-testid="filter-number"' in html and 'data-testid="filter-campaign"' in html
    assert 'data-testid="filter-status"' not in html and 'data-testid="filter-q"' not in html


def test_layout_wrong_people_and_lists(client, client_for, receptionist, agent, db):
    assert post_json(client_for(receptionist), LAYOUT, {"row_height": "tall"}).status_code == 403
    assert post_json(client_for(agent), "/lists/nonsense/layout/", {"row_height": "tall"}).status_code == 404
    assert post_json(client, LAYOUT, {"row_height": "tall"}).status_code == 302
    assert client_for(agent).get(LAYOUT).status_code == 405
    assert not ViewPreference.objects.exists()


# --- saved tabs -----------------------------------------------------------------------------------

def save_tab(client, name="Rental today", query="campaign=1&sort=due&after=xyz&bogus=1", **extra):
    return client.post("/lists/tickets/variants/", {"name": name, "query": query, **extra})


def test_an_agent_saves_a_tab_for_themselves(client_for, agent, rental, contact, make_case, service):
    mine = make_case(rental, contact, agent)
    make_case(rental, contact, agent, priority=3)
    client = client_for(agent)
    response = save_tab(client, query=f"campaign={rental.pk}&priority=0&sort=due&after=xyz&variant=9&bogus=1")
    variant = ViewVariant.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/tickets/?variant={variant.pk}"
    assert variant.owner == agent and variant.team is None
    assert variant.query == f"campaign={rental.pk}&priority=0&sort=due"  # filters and sort only
    page = client.get(response["Location"])
    assert page.context["variant"] == variant
    assert [item["row"].pk for item in page.context["rows"]] == [mine.pk]
    assert 'data-testid="variant-tab"' in page.content.decode()


@pytest.mark.parametrize("name, detail", [
    ("   ", "Give the tab a name."),
    ("x" * 81, "The name is too long (at most 80 characters)."),
])
def test_a_tab_needs_a_sensible_name(client_for, agent, db, name, detail):
    response = save_tab(client_for(agent), name=name)
    assert response.status_code == 400 and response.json() == {"detail": detail}
    assert not ViewVariant.objects.exists()


def test_sharing_a_tab_is_for_managers(client_for, agent, manager, team):
    response = save_tab(client_for(agent), team=team.pk)
    assert response.status_code == 403
    assert response.json() == {"detail": "Only managers can share a tab with a team."}
    assert not ViewVariant.objects.exists()
    # Nor may an agent share their own tab afterwards.
    assert save_tab(client_for(agent)).status_code == 302
    own = ViewVariant.objects.get()
    response = client_for(agent).post(f"/lists/tickets/variants/{own.pk}/", {"team": team.pk})
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.team is None

    response = save_tab(client_for(manager), name="Team queue", team=team.pk)
    assert response.status_code == 302
    shared = ViewVariant.objects.get(name="Team queue")
    assert shared.team == team and shared.owner == manager
    assert AuditEntry.objects.filter(action="view_variant.share").exists()
    assert save_tab(client_for(manager), team=999999).status_code == 400


def test_team_members_see_a_shared_tab_and_others_do_not(client_for, manager, agent, home_agent, team, rental, contact,
                                                         make_case):
    make_case(rental, contact, priority=3)
    quiet = make_case(rental, contact)  # unowned: on everybody's Tickets
    save_tab(client_for(manager), name="Team queue", query="priority=0", team=team.pk)
    shared = ViewVariant.objects.get()

    member = client_for(agent).get(f"/cases/tickets/?variant={shared.pk}")
    assert "Team queue" in member.content.decode() and member.context["variant"] == shared
    assert [item["row"].pk for item in member.context["rows"]] == [quiet.pk]

    outsider = client_for(home_agent).get(f"/cases/tickets/?variant={shared.pk}")
    assert "Team queue" not in outsider.content.decode() and outsider.context["variant"] is None
    assert len(outsider.context["rows"]) == 2  # the filter of a tab one cannot see is not applied
    # A tab belongs to its list: on another list it does not exist.
    assert client_for(agent).get(f"/cases/?variant={shared.pk}").context["variant"] is None


def test_only_the_owner_changes_or_deletes_a_tab(client_for, manager, agent, home_agent, team):
    save_tab(client_for(manager), name="Team queue", team=team.pk)
    shared = ViewVariant.objects.get()
    url = f"/lists/tickets/variants/{shared.pk}/"

    for data in ({"name": "Mine now"}, {"query": "priority=3"}, {"delete": "1"}, {"team": ""}):
        response = client_for(agent).post(url, data)  # a member of the team it is shared with
        assert response.status_code == 403, data
        assert response.json() == {"detail": "Only the person who made this tab can change it."}
        response = client_for(home_agent).post(url, data)  # cannot even see it
        assert response.status_code == 404, data
        assert response.json() == {"detail": "That tab does not exist."}
    shared.refresh_from_db()
    assert shared.name == "Team queue" and shared.team == team and shared.query == "campaign=1&sort=due"

    owner = client_for(manager)
    response = owner.post(url, {"name": "Renamed", "query": "priority=3&after=x", "team": ""})
    assert response.status_code == 302 and response["Location"] == f"/cases/tickets/?variant={shared.pk}"
    shared.refresh_from_db()
    assert shared.name == "Renamed" and shared.query == "priority=3" and shared.team is None
    assert owner.post(url, {"name": ""}).status_code == 400
    response = owner.post(url, {"delete": "1"})
    assert response.status_code == 302 and response["Location"] == "/cases/tickets/"
    assert not ViewVariant.objects.exists()
    assert owner.post(url, {"delete": "1"}).status_code == 404


def test_tab_endpoints_wrong_people(client, client_for, receptionist, agent, db):
    assert save_tab(client_for(receptionist)).status_code == 403
    assert save_tab(client).status_code == 302 and not ViewVariant.objects.exists()
    assert client_for(agent).get("/lists/tickets/variants/").status_code == 405
    assert client_for(agent).post("/lists/nonsense/variants/", {"name": "x"}).status_code == 404
