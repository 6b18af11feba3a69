"""The API's contract for errors and its published schema."""

import re

import pytest
from django.test import Client


def test_openapi_schema_is_served_and_lists_the_endpoints(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Centrala API"
    paths = schema["paths"]
    for path in [
        "/api/v1/me", "/api/v1/users", "/api/v1/users/{user_id}", "/api/v1/teams",
        "/api/v1/presence/statuses", "/api/v1/presence/me", "/api/v1/notifications",
        "/api/v1/notifications/{notification_id}/read", "/api/v1/notifications/read-all",
    ]:
        assert path in paths, path
    assert set(paths["/api/v1/presence/me"]) == {"get", "put"}
    assert schema["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    # Errors are documented with their shape.
    put = paths["/api/v1/presence/me"]["put"]["responses"]
    assert {"400", "401", "403", "422"} <= set(put)
    assert put["422"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorOut"}
    assert "detail" in schema["components"]["schemas"]["ErrorOut"]["properties"]


def test_docs_page_is_for_signed_in_users(agent, client_for):
    anonymous = Client().get("/api/v1/docs")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")

    page = client_for(agent).get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    # Swagger UI comes from Centrala's own static files: the CSP allows no CDN.
    assert "/static/ninja/swagger-ui-bundle.js" in html
    # (Checked on the addresses loaded, not on the text: a random CSRF token may spell "cdn".)
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', html)


def test_malformed_json_is_a_400_json_error(agent, api_client):
    response = api_client(agent).put(
        "/api/v1/presence/me", data="{status_id: 1", content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith("The request body is not valid JSON.")


def test_wrong_types_are_a_422_with_field_details(agent, api_client, presence_statuses):
    response = api_client(agent).put(
        "/api/v1/presence/me", data={"status_id": "abc"}, content_type="application/json"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"].startswith("Invalid input: status_id:")
    assert body["errors"] == [
        {"field": "status_id", "location": "body", "message": body["errors"][0]["message"], "type": "int_parsing"}
    ]


def test_missing_body_is_a_422(agent, api_client, presence_statuses):
    response = api_client(agent).put("/api/v1/presence/me", content_type="application/json")
    assert response.status_code in (400, 422)
    assert response.json()["detail"]


def test_bad_query_parameters_are_a_422(manager, api_client):
    response = api_client(manager).get("/api/v1/users?role=pilot&page=0")
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"role", "page"}


def test_unknown_endpoint_is_a_404_json(agent, api_client):
    response = api_client(agent).get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert "no API endpoint" in response.json()["detail"]
    assert Client().get("/api/v1/").json()["detail"]


def test_wrong_method_is_a_405_json(agent, api_client):
    response = api_client(agent).delete("/api/v1/me")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert "DELETE" in response.json()["detail"]


def test_unexpected_errors_are_a_500_json(agent, monkeypatch):
    from centrala.presence import actions

    def broken(user):
        raise RuntimeError("boom")

    monkeypatch.setattr(actions, "current_presence", broken)
    client = Client(raise_request_exception=False)
    client.force_login(agent)
    response = client.get("/api/v1/presence/me")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error. It has been logged."}


@pytest.mark.parametrize("path", ["/api/v1/ping"])
def test_ping_needs_no_credentials(db, path):
    assert Client().get(path).json() == {"ok": True}
