"""Teams list, create, edit and delete pages, and the actions behind them."""

import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from centrala.accounts import actions
from centrala.accounts.models import Team
from centrala.audit.models import AuditEntry


@pytest.fixture
def admin_client(client_for, administrator):
    return client_for(administrator)


@pytest.fixture
def sales(db, make_user):
    team = Team.objects.create(name="Sales", description="Outbound calls")
    team.members.set([make_user("seller1"), make_user("seller2"), make_user("gone", is_active=False)])
    return team


def test_list_shows_teams_with_active_member_counts(admin_client, sales):
    Team.objects.create(name="Empty")
    response = admin_client.get(reverse("accounts:teams"))
    content = html.unescape(response.content.decode())
    teams = {team.name: team for team in response.context["teams"]}
    assert (teams["Sales"].active_members, teams["Sales"].inactive_members) == (2, 1)
    assert (teams["Empty"].active_members, teams["Empty"].inactive_members) == (0, 0)
    assert "Outbound calls" in content and "(+1 inactive)" in content


def test_create_team(admin_client, administrator, make_user):
    anna, piotr = make_user("anna"), make_user("piotr")
    response = admin_client.post(
        reverse("accounts:team_create"),
        {"name": "  Service ", "description": "Inbound", "members": [anna.pk, piotr.pk]},
    )
    assert response.status_code == 302
    team = Team.objects.get(name="Service")
    assert set(team.members.all()) == {anna, piotr}
    entry = AuditEntry.objects.get(action="team.create")
    assert entry.actor == administrator and entry.object_id == str(team.pk)
    assert entry.changes["members"] == [[], ["Anna Test", "Piotr Test"]]


def test_create_page_offers_only_active_users(admin_client, make_user):
    make_user("present")
    make_user("absent", is_active=False)
    content = admin_client.get(reverse("accounts:team_create")).content.decode()
    assert "Present Test (present)" in content
    assert "absent" not in content


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "sales"}, "name", "A team with this name already exists."),
        ({"name": ""}, "name", "This field is required."),
        ({"name": "x" * 101}, "name", "Ensure this value has at most 100 characters"),
        ({"name": "New", "members": ["99999"]}, "members", "Select a valid choice."),
        ({"name": "New", "members": ["abc"]}, "members", "is not a valid value"),
    ],
)
def test_create_team_refuses_bad_input(admin_client, sales, data, field, message):
    response = admin_client.post(reverse("accounts:team_create"), data)
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert message in html.unescape(response.content.decode())
    assert Team.objects.count() == 1
    assert not AuditEntry.objects.exists()


def test_inactive_user_cannot_be_added(admin_client, sales, make_user):
    absent = make_user("absent", is_active=False)
    response = admin_client.post(reverse("accounts:team_create"), {"name": "New", "members": [absent.pk]})
    assert response.status_code == 200
    assert "members" in response.context["form"].errors


def test_action_refuses_inactive_new_member(administrator, make_user):
    absent = make_user("absent", is_active=False)
    with pytest.raises(ValidationError) as caught:
        actions.do_save_team(administrator, Team(), name="New", description="", members=[absent])
    assert "Absent Test" in str(caught.value.error_dict["members"])


def test_edit_team(admin_client, administrator, sales, make_user):
    newcomer = make_user("newcomer")
    seller1 = sales.members.get(username="seller1")
    response = admin_client.get(reverse("accounts:team_edit", args=[sales.pk]))
    assert "Gone Test (gone), inactive" in response.content.decode()
    response = admin_client.post(
        reverse("accounts:team_edit", args=[sales.pk]),
        {"name": "Sales North", "description": "Outbound calls", "members": [seller1.pk, newcomer.pk]},
    )
    assert response.status_code == 302
    sales.refresh_from_db()
    assert sales.name == "Sales North"
    assert set(sales.members.values_list("username", flat=True)) == {"seller1", "newcomer"}
    entry = AuditEntry.objects.get(action="team.update")
    assert entry.actor == administrator
    assert entry.changes == {
        "name": ["Sales", "Sales North"],
        "members": [["Gone Test", "Seller1 Test", "Seller2 Test"], ["Newcomer Test", "Seller1 Test"]],
    }


def test_edit_keeps_an_inactive_member_who_is_left_ticked(admin_client, sales):
    member_ids = list(sales.members.values_list("pk", flat=True))
    response = admin_client.post(
        reverse("accounts:team_edit", args=[sales.pk]),
        {"name": "Sales", "description": "Outbound calls", "members": member_ids},
    )
    assert response.status_code == 302
    assert sales.members.count() == 3
    assert not AuditEntry.objects.exists()


def test_edit_refuses_another_teams_name(admin_client, sales):
    other = Team.objects.create(name="Other")
    response = admin_client.post(reverse("accounts:team_edit", args=[other.pk]), {"name": "SALES"})
    assert response.context["form"].errors["name"] == ["A team with this name already exists."]


def test_delete_team_asks_for_confirmation_first(admin_client, administrator, sales):
    url = reverse("accounts:team_delete", args=[sales.pk])
    content = admin_client.get(url).content.decode()
    assert "Delete team Sales?" in content and "The team has 3 members." in content
    assert Team.objects.filter(pk=sales.pk).exists()
    response = admin_client.post(url)
    assert response.status_code == 302
    assert not Team.objects.filter(pk=sales.pk).exists()
    entry = AuditEntry.objects.get(action="team.delete")
    assert entry.actor == administrator
    assert entry.changes["name"] == ["Sales", None]
    assert entry.changes["members"][0] == ["Gone Test", "Seller1 Test", "Seller2 Test"]
    # Users stay; they only leave the team.
    assert sorted(actions.User.objects.filter(username__startswith="seller").values_list("username", flat=True)) == [
        "seller1", "seller2",
    ]
