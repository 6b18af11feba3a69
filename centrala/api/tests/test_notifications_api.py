import pytest
from django.test import Client

from centrala.notifications.actions import do_notify
from centrala.notifications.models import Notification


@pytest.fixture
def notes(agent):
    return do_notify([agent], kind="notice", title="First") + do_notify([agent], kind="notice", title="Second")


def test_lists_own_notifications_newest_first(agent, manager, api_client, notes):
    do_notify([manager], kind="notice", title="Not for the agent")
    body = api_client(agent).get("/api/v1/notifications").json()
    assert body["count"] == 2
    assert [n["title"] for n in body["items"]] == ["Second", "First"]
    assert body["items"][0]["read_at"] is None


def test_unread_filter(agent, api_client, notes):
    notes[0].read_at = notes[0].created_at
    notes[0].save(update_fields=["read_at"])
    client = api_client(agent)
    assert [n["title"] for n in client.get("/api/v1/notifications?unread=true").json()["items"]] == ["Second"]
    assert client.get("/api/v1/notifications?unread=false").json()["count"] == 2
    assert client.get("/api/v1/notifications?unread=maybe").status_code == 422


def test_mark_one_read(agent, api_client, notes):
    response = api_client(agent).post(f"/api/v1/notifications/{notes[0].pk}/read")
    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    assert Notification.objects.get(pk=notes[0].pk).read_at is not None
    assert Notification.objects.get(pk=notes[1].pk).read_at is None


def test_another_users_notification_is_not_found(agent, manager, api_client):
    (other,) = do_notify([manager], kind="notice", title="Private")
    response = api_client(agent).post(f"/api/v1/notifications/{other.pk}/read")
    assert response.status_code == 404
    assert response.json() == {"detail": f"You have no notification with id {other.pk}."}
    assert Notification.objects.get(pk=other.pk).read_at is None


def test_mark_all_read(agent, manager, api_client, notes):
    (other,) = do_notify([manager], kind="notice", title="Private")
    response = api_client(agent).post("/api/v1/notifications/read-all")
    assert response.json() == {"marked": 2, "unread_count": 0}
    assert Notification.objects.get(pk=other.pk).read_at is None


def test_anonymous_gets_401(db):
    assert Client().get("/api/v1/notifications").status_code == 401
