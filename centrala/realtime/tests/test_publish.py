"""publish(): checked at once, sent only after commit, only to the groups named."""

import asyncio
import logging

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction

from centrala.realtime import publish as publish_module
from centrala.realtime.events import EVENT_SCHEMAS, UnknownEvent, validate_event
from centrala.realtime.publish import publish, role_group, team_group, user_group
from centrala.realtime.tests.communicator import run_async

TIMEOUT = 5


@pytest.fixture
def sent(monkeypatch):
    calls = []
    monkeypatch.setattr(publish_module, "send_now", lambda *args, **kwargs: calls.append((args, kwargs)))
    return calls


def test_an_unknown_event_type_is_refused_at_once(db, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(UnknownEvent):
        publish("notification.everything", {"unread_count": 1}, users=[1])
    assert callbacks == [] and sent == []


@pytest.mark.parametrize("payload", [{}, {"unread": 1}, {"id": 1, "title": "x"}])
def test_a_payload_missing_documented_keys_is_refused(db, sent, payload, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(UnknownEvent, match="lacks"):
        publish("notification.created", payload, users=[1])
    assert callbacks == [] and sent == []


def test_every_documented_event_validates_with_its_own_keys():
    for event_type, keys in EVENT_SCHEMAS.items():
        validate_event(event_type, dict.fromkeys(keys))


def test_nothing_is_sent_before_the_transaction_commits(transactional_db, sent):
    with transaction.atomic():
        publish("notification.unread", {"unread_count": 1}, users=[7])
        assert sent == []
    assert sent == [(("notification.unread", {"unread_count": 1}), {"users": [7], "teams": [], "roles": []})]


def test_nothing_is_sent_when_the_transaction_rolls_back(transactional_db, sent):
    with pytest.raises(RuntimeError), transaction.atomic():
        publish("notification.unread", {"unread_count": 1}, users=[7])
        raise RuntimeError("the change failed")
    assert sent == []


def test_a_rolled_back_savepoint_drops_only_its_own_events(transactional_db, sent):
    with transaction.atomic():
        publish("notification.unread", {"unread_count": 1}, users=[1])
        with pytest.raises(RuntimeError), transaction.atomic():
            publish("notification.unread", {"unread_count": 2}, users=[2])
            raise RuntimeError
    assert [kwargs["users"] for _args, kwargs in sent] == [[1]]


def test_the_channel_layer_gets_committed_events_and_never_rolled_back_ones(transactional_db, agent):
    """End to end through the real channel layer, seen from a channel in the user's group."""

    def rolled_back():
        with pytest.raises(RuntimeError), transaction.atomic():
            publish("notification.unread", {"unread_count": 1}, users=[agent])
            raise RuntimeError

    def committed():
        with transaction.atomic():
            publish("notification.unread", {"unread_count": 2}, users=[agent])

    async def scenario():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(user_group(agent.pk), channel)
        await sync_to_async(rolled_back)()
        await sync_to_async(committed)()
        message = await asyncio.wait_for(layer.receive(channel), TIMEOUT)
        await layer.group_discard(user_group(agent.pk), channel)
        return message

    message = run_async(scenario)
    # The first message is the committed one: the rolled-back one never reached the layer.
    assert message == {
        "type": "event.push",
        "event": {"type": "notification.unread", "payload": {"unread_count": 2}},
    }


def test_recipients_become_exactly_their_groups(transactional_db, sent, agent):
    from centrala.accounts.models import Role, Team

    team = Team.objects.create(name="Sales")
    other = agent.pk + 1  # a bare id, not agent's (a fixed number would collide once ids grow)
    groups = publish_module._groups([agent, other], [team], [Role.MANAGER])
    assert groups == sorted([user_group(agent.pk), user_group(other), team_group(team.pk), role_group("manager")])
    assert publish_module._groups([], [], []) == []


def test_a_broken_channel_layer_does_not_break_the_saved_change(db, monkeypatch, caplog):
    class BrokenLayer:
        async def group_send(self, group, message):
            raise ConnectionError("redis is down")

    monkeypatch.setattr(publish_module, "get_channel_layer", BrokenLayer)
    with caplog.at_level(logging.ERROR, logger="centrala.realtime.publish"):
        publish_module.send_now("notification.unread", {"unread_count": 1}, users=[1])
    assert "could not publish event" in caplog.text
