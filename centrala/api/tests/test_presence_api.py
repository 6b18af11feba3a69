from centrala.presence.models import CurrentPresence, PresenceChange


def test_statuses_list_the_active_ones(agent, api_client, presence_statuses):
    presence_statuses["break"].active = False
    presence_statuses["break"].save(update_fields=["active"])
    response = api_client(agent).get("/api/v1/presence/statuses")
    assert response.status_code == 200
    assert [s["name"] for s in response.json()] == ["Available", "Back office"]
    assert response.json()[0] == {
        "id": presence_statuses["available"].pk, "name": "Available", "kind": "work",
        "logs_into_queues": True, "is_default": True,
    }


def test_statuses_need_authentication(db):
    from django.test import Client

    assert Client().get("/api/v1/presence/statuses").status_code == 401


def test_set_my_presence(agent, api_client, presence_statuses):
    client = api_client(agent)
    assert client.get("/api/v1/presence/me").json() is None
    pause = presence_statuses["break"]
    response = client.put("/api/v1/presence/me", {"status_id": pause.pk}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["status"] == {"id": pause.pk, "name": "Break", "kind": "break"}
    assert CurrentPresence.objects.get(user=agent).status == pause
    assert PresenceChange.objects.filter(user=agent, status=pause).count() == 1
    assert client.get("/api/v1/presence/me").json()["status"]["id"] == pause.pk


def test_set_presence_publishes_the_change(agent, api_client, presence_statuses):
    from unittest import mock

    with mock.patch("centrala.presence.actions.publish") as publish:
        api_client(agent).put(
            "/api/v1/presence/me", {"status_id": presence_statuses["available"].pk}, content_type="application/json"
        )
    publish.assert_called_once()
    assert publish.call_args.args[0] == "presence.changed"


def test_unknown_or_inactive_status_is_a_clear_422(agent, api_client, presence_statuses):
    presence_statuses["break"].active = False
    presence_statuses["break"].save(update_fields=["active"])
    client = api_client(agent)
    for status_id in (999999, presence_statuses["break"].pk):
        response = client.put("/api/v1/presence/me", {"status_id": status_id}, content_type="application/json")
        assert response.status_code == 422
        assert response.json() == {
            "detail": "That status does not exist or is no longer in use.",
            "errors": [{
                "field": "status_id", "location": "body",
                "message": "That status does not exist or is no longer in use.", "type": "invalid",
            }],
        }
    assert not CurrentPresence.objects.filter(user=agent).exists()


def test_status_id_of_the_wrong_type_is_a_422(agent, api_client, presence_statuses):
    response = api_client(agent).put("/api/v1/presence/me", {"status_id": "abc"}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status_id"
