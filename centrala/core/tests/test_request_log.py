"""Every request leaves one structured log line that can be matched to the response."""

import json
import logging

import pytest

from centrala.lib.logs import JsonFormatter


@pytest.fixture
def request_log(caplog):
    caplog.set_level(logging.INFO, logger="centrala.request")
    return lambda: [record for record in caplog.records if record.name == "centrala.request"]


def test_a_request_is_logged_with_its_id_path_and_status(client, db, request_log):
    response = client.get("/healthz")
    (record,) = request_log()
    assert record.request_id == response["X-Request-ID"]
    assert (record.method, record.path, record.status, record.user_id) == ("GET", "/healthz", 200, None)
    assert record.duration_ms >= 0
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "GET /healthz 200"
    assert entry["request_id"] == response["X-Request-ID"]
    assert (entry["path"], entry["status"], entry["level"], entry["logger"]) == (
        "/healthz", 200, "INFO", "centrala.request",
    )


def test_the_signed_in_user_and_failures_are_logged(client_for, agent, request_log):
    client_for(agent).get("/no/such/page/")
    (record,) = request_log()
    assert (record.path, record.status, record.user_id) == ("/no/such/page/", 404, agent.pk)


def test_each_request_gets_its_own_id(client, db, request_log):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert [record.request_id for record in request_log()] == [first["X-Request-ID"], second["X-Request-ID"]]
