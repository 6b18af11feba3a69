"""/healthz: what load balancers and monitoring ask. No sign-in; JSON; 503 names what failed."""

import asyncio
import logging

import pytest
from django.db import OperationalError

from centrala.core import views


def test_healthy(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]  # a cached "ok" would hide an outage
    assert response.json() == {"status": "ok", "database": "ok", "channel_layer": "ok"}


def test_needs_no_sign_in_but_only_answers_get(client, db):
    assert client.get("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_database_down(client, db, monkeypatch, caplog):
    def broken():
        raise OperationalError('connection to server at "db" failed: Connection refused')

    monkeypatch.setattr(views, "_check_database", broken)
    with caplog.at_level(logging.WARNING, logger="centrala.core.views"):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error", "channel_layer": "ok"}
    warning = next(r for r in caplog.records if r.getMessage() == "health check failed")
    assert warning.check == "database"
    assert "Connection refused" in warning.error


def test_channel_layer_down(client, db, monkeypatch):
    async def broken():
        raise ConnectionRefusedError("Error 111 connecting to redis:6379")

    monkeypatch.setattr(views, "_check_channel_layer", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "channel_layer": "error"}


def test_both_down(client, db, monkeypatch):
    async def broken_layer():
        raise ConnectionRefusedError("redis")

    def broken_database():
        raise OperationalError("db")

    monkeypatch.setattr(views, "_check_channel_layer", broken_layer)
    monkeypatch.setattr(views, "_check_database", broken_database)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error", "channel_layer": "error"}


class SilentLayer:
    """A channel layer that accepts messages and never delivers them (a stuck Redis)."""

    async def new_channel(self, prefix):
        return prefix + "1"

    async def send(self, channel, message):
        pass

    async def receive(self, channel):
        await asyncio.Event().wait()


class WrongMessageLayer(SilentLayer):
    async def receive(self, channel):
        return {"type": "healthz", "token": "someone else's"}


@pytest.mark.parametrize("layer", [SilentLayer(), WrongMessageLayer()], ids=["hangs", "wrong-message"])
def test_channel_layer_that_does_not_answer_properly_is_unhealthy(client, db, monkeypatch, layer):
    monkeypatch.setattr(views, "get_channel_layer", lambda: layer)
    monkeypatch.setattr(views, "HEALTH_CHECK_TIMEOUT", 0.2)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["channel_layer"] == "error"
