"""The record of who has which case open (CASE-11), shared by every server process."""

from datetime import timedelta

import pytest
from django.utils import timezone

from centrala.cases import viewers
from centrala.cases.models import CaseViewer


@pytest.fixture
def case(rental, contact, make_case, agent):
    return make_case(rental, contact, agent)


def names(case_id, **kwargs):
    return [v["name"] for v in viewers.viewers_of(case_id, **kwargs)]


def test_each_user_is_listed_once_first_opener_first(case, agent, home_agent):
    start = timezone.now()
    assert viewers.watch(home_agent, case.pk, "socket-b", now=start) is True
    assert viewers.watch(agent, case.pk, "socket-a1", now=start + timedelta(seconds=1)) is True
    assert viewers.watch(agent, case.pk, "socket-a2", now=start + timedelta(seconds=2)) is True
    assert viewers.viewers_of(case.pk) == [
        {"user_id": home_agent.pk, "name": "Homeagent Test"},
        {"user_id": agent.pk, "name": "Agent Test"},
    ]


def test_watching_again_confirms_without_adding_a_row(case, agent):
    assert viewers.watch(agent, case.pk, "socket-a") is True
    assert viewers.watch(agent, case.pk, "socket-a") is False
    assert CaseViewer.objects.count() == 1


def test_unwatch_removes_only_that_socket(case, agent):
    viewers.watch(agent, case.pk, "socket-a1")
    viewers.watch(agent, case.pk, "socket-a2")
    assert viewers.unwatch(case.pk, "socket-a1") is True
    assert viewers.unwatch(case.pk, "socket-a1") is False
    assert names(case.pk) == ["Agent Test"]
    assert list(CaseViewer.objects.values_list("channel_name", flat=True)) == ["socket-a2"]


def test_a_closed_socket_leaves_every_case_it_watched(rental, contact, make_case, agent, home_agent):
    first, second = make_case(rental, contact, agent), make_case(rental, contact, agent)
    viewers.watch(agent, first.pk, "socket-a")
    viewers.watch(agent, second.pk, "socket-a")
    viewers.watch(home_agent, second.pk, "socket-b")
    assert viewers.unwatch_all("socket-a") == sorted([first.pk, second.pk])
    assert viewers.unwatch_all("socket-a") == []
    assert names(second.pk) == ["Homeagent Test"]


def test_a_row_not_confirmed_in_time_no_longer_counts_and_is_purged(rental, contact, make_case, agent, home_agent):
    """A process that died cannot remove its rows; they lapse once the heartbeats stop."""
    case, other = make_case(rental, contact, agent), make_case(rental, contact, agent)
    now = timezone.now()
    viewers.watch(agent, case.pk, "crashed-process", now=now - viewers.STALE_AFTER - timedelta(seconds=1))
    viewers.watch(home_agent, case.pk, "socket-b", now=now - viewers.STALE_AFTER + timedelta(seconds=5))
    assert names(case.pk, now=now) == ["Homeagent Test"]
    assert CaseViewer.objects.count() == 2
    viewers.watch(home_agent, other.pk, "socket-b", now=now)  # any watch clears lapsed rows
    assert not CaseViewer.objects.filter(channel_name="crashed-process").exists()
    # A heartbeat keeps a long-open card listed.
    viewers.watch(home_agent, case.pk, "socket-b", now=now + viewers.STALE_AFTER)
    assert names(case.pk, now=now + viewers.STALE_AFTER + timedelta(seconds=30)) == ["Homeagent Test"]


def test_a_deactivated_user_is_not_listed(case, agent, home_agent):
    viewers.watch(agent, case.pk, "socket-a")
    viewers.watch(home_agent, case.pk, "socket-b")
    home_agent.is_active = False
    home_agent.save(update_fields=["is_active"])
    assert names(case.pk) == ["Agent Test"]


def test_rows_go_with_their_case(case, agent):
    viewers.watch(agent, case.pk, "socket-a")
    case.activities.all().delete()
    case.delete()
    assert not CaseViewer.objects.exists()
