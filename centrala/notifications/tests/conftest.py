import pytest


@pytest.fixture
def team_with(db):
    from centrala.accounts.models import Team

    def make(name, *members):
        team = Team.objects.create(name=name)
        team.members.set(members)
        return team

    return make
