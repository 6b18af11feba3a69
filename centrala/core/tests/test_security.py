"""Security guarantees that hold for every page, present and future.

Some tests walk the whole URL configuration, so a new view is covered the day it is added:
no page may run inline code (CSP), and no POST may change anything without a CSRF token.
"""

import os
import re
import subprocess
import sys
import uuid
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve

from centrala.api.api import api
from conftest import PASSWORD

UNSAFE_METHODS = ("post", "put", "patch", "delete")
JAVASCRIPT_TYPES = {"", "text/javascript", "application/javascript", "module"}
# Dummy values for the path converters, so that every route can be requested.
CONVERTER_VALUES = {"int": "1", "str": "x", "slug": "x", "path": "x", "uuid": str(uuid.UUID(int=1))}


def routes(patterns=None, prefix="/"):
    """Every route of the URL configuration as a concrete path: [(path, route, pattern)]."""
    found = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += routes(pattern.url_patterns, prefix + route)
            continue
        if route.startswith("^"):  # a regular expression (Django admin): no simple example path
            continue
        path = prefix + re.sub(
            r"<(?:(\w+):)?\w+>", lambda match: CONVERTER_VALUES[match.group(1) or "str"], route,
        )
        found.append((path, prefix + route, pattern))
    return found


def site_routes():
    """Routes of Centrala's own pages (the API and Django's admin site are checked apart)."""
    return [(path, route) for path, route, _ in routes() if not route.startswith(("/api/", "/django-admin/"))]


def api_operations():
    """(method, path) of every API operation that changes something, from the OpenAPI schema."""
    schema = api.get_openapi_schema()
    return [
        (method, re.sub(r"\{\w+\}", "1", path))
        for path, operations in schema["paths"].items()
        for method in operations
        if method in UNSAFE_METHODS
    ]


class PageScan(HTMLParser):
    """Collects what CSP would block: inline scripts and styles, event handlers, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.script_nonces, self.problems = [], []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        # Data blocks (<script type="application/json">) are not run, so CSP does not concern them.
        if tag == "script" and attributes.get("type", "text/javascript") in JAVASCRIPT_TYPES:
            if not attributes.get("src"):
                self.problems.append("inline <script>")
            self.script_nonces.append(attributes.get("nonce"))
        if tag == "style":
            self.problems.append("<style> block")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"style= on <{tag}>")
            if name.startswith("on") or name.startswith("hx-on"):
                self.problems.append(f"{name}= on <{tag}>")
            if value and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL on <{tag}>")


def csp_directives(response):
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


# --- headers ----------------------------------------------------------------------------------

def test_pages_carry_the_security_headers(client_for, agent):
    response = client_for(agent).get("/")
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = csp_directives(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    nonces = [source for source in policy["script-src"] if source.startswith("'nonce-")]
    assert len(nonces) == 1
    scan = PageScan()
    scan.feed(response.content.decode())
    # Every script carries this response's nonce.
    assert scan.script_nonces and set(scan.script_nonces) == {nonces[0][len("'nonce-"):-1]}


def test_the_nonce_changes_with_every_response(client_for, agent):
    client = client_for(agent)
    first, second = (csp_directives(client.get("/"))["script-src"] for _ in range(2))
    assert first != second


def test_the_sign_in_page_is_protected_too(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "'nonce-" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_no_page_runs_inline_code(client_for, administrator):
    """Every page an administrator can open without parameters obeys the CSP: no inline code."""
    client = client_for(administrator)
    checked = []
    for path, route, pattern in routes():
        if "<" in route or route.startswith("/django-admin/"):
            continue
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        scan = PageScan()
        scan.feed(response.content.decode())
        assert scan.problems == [], f"{path}: {scan.problems}"
        assert "'unsafe-inline'" not in response["Content-Security-Policy"], path
        checked.append(path)
    assert {"/", "/audit/", "/admin/tasks/", "/accounts/users/", "/accounts/profile/"} <= set(checked)


# --- cookies ------------------------------------------------------------------------------------

def test_session_and_csrf_cookies_are_secure(db, agent):
    """The suite runs with DEBUG off, as production does (the settings test below checks both)."""
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    client = Client(enforce_csrf_checks=True)
    login_page = client.get("/accounts/login/")
    csrf = login_page.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["secure"] is True
    assert csrf["samesite"] == "Lax"
    response = client.post(
        "/accounts/login/",
        {"username": agent.username, "password": PASSWORD, "csrfmiddlewaretoken": csrf.value},
    )
    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"


def settings_under(**env):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_cookies_are_secure_unless_debug_is_on():
    assert settings_under(DEBUG="0") == ["False", "True", "True", "True"]
    # `make run` serves plain HTTP on the developer's machine, where secure cookies would not work.
    assert settings_under(DEBUG="1") == ["True", "False", "False", "True"]


# --- CSRF -----------------------------------------------------------------------------------------

@pytest.fixture
def browser_client(administrator):
    """A signed-in browser (the most powerful role) that sends no CSRF token unless told."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(administrator)
    return client


def test_every_post_without_a_csrf_token_is_refused(browser_client):
    refused = []
    for path, route in site_routes():
        assert resolve(path), route
        response = browser_client.post(path, {"name": "x"})
        assert response.status_code == 403, f"POST {route} without a CSRF token: {response.status_code}"
        assert b"CSRF" in response.content, f"POST {route}: refused, but not by the CSRF check"
        refused.append(route)
    assert {"/accounts/logout/", "/accounts/users/new/", "/admin/tasks/check/", "/audit/"} <= set(refused)


def test_every_api_change_by_session_without_a_csrf_token_is_refused(browser_client):
    operations = api_operations()
    assert operations, "the API has no operation that changes data?"
    for method, path in operations:
        response = getattr(browser_client, method)(path, data="{}", content_type="application/json")
        assert response.status_code == 403, f"{method.upper()} {path} without a CSRF token: {response.status_code}"
        assert "CSRF" in response.json()["detail"]


def test_django_admin_refuses_posts_without_a_token(browser_client):
    for path, route, _pattern in routes():
        if route.startswith("/django-admin/"):
            assert browser_client.post(path).status_code == 403, route


def test_the_same_post_with_the_token_goes_through(browser_client):
    """The control for the tests above: they fail for the missing token, nothing else."""
    browser_client.get("/")
    token = browser_client.cookies[settings.CSRF_COOKIE_NAME].value
    response = browser_client.post("/accounts/logout/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
