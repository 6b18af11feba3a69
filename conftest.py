"""Fixtures shared by every test: users of each role, a live ASGI server, a real browser.

The live server is uvicorn in a thread serving config.asgi (HTTP and websockets, the same
application `make run` serves). Browser tests drive Debian's Chromium through Playwright.
"""

import os
import shutil
import socket
import threading
import time

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM would refuse to run
# beside it. The tests call the ORM synchronously on purpose, so allow it here (tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "test-password-123"

# Real mail servers for the e-mail tests: Dovecot IMAP and an aiosmtpd SMTP server (both with TLS),
# started by the fixtures in these modules (shared by the mail and web-form tests).
pytest_plugins = ["centrala.mail.tests.dovecot", "centrala.mail.tests.smtpd", "centrala.mail.tests.tls"]


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in English: a request in another language leaves it active in the thread."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


# --- users ------------------------------------------------------------------------------------

@pytest.fixture
def make_user(db):
    from centrala.accounts.models import Role, User

    def make(username, role=Role.AGENT, **fields):
        fields.setdefault("first_name", username.capitalize())
        fields.setdefault("last_name", "Test")
        user = User.objects.create_user(username=username, password=PASSWORD, role=role, **fields)
        return user

    return make


@pytest.fixture
def agent(make_user):
    return make_user("agent", "agent")


@pytest.fixture
def home_agent(make_user):
    return make_user("homeagent", "home_agent")


@pytest.fixture
def manager(make_user):
    return make_user("manager", "manager")


@pytest.fixture
def administrator(make_user):
    return make_user("admin", "administrator")


@pytest.fixture
def receptionist(make_user):
    return make_user("reception", "receptionist")


@pytest.fixture
def specialist(make_user):
    return make_user("specialist", "specialist")


@pytest.fixture
def presence_statuses(db):
    from centrala.presence.models import PresenceKind, PresenceStatus

    return {
        "available": PresenceStatus.objects.create(
            name="Available", kind=PresenceKind.WORK, logs_into_queues=True, is_default=True, position=0
        ),
        "back_office": PresenceStatus.objects.create(name="Back office", kind=PresenceKind.WORK, position=1),
        "break": PresenceStatus.objects.create(name="Break", kind=PresenceKind.BREAK, position=2),
    }


@pytest.fixture
def sent_events(monkeypatch):
    """Events that publish() hands to the channel layer once the transaction commits.

    Each is {"type", "payload", "users", "teams", "roles"} with recipients as ids. Views run in
    the test transaction, so wrap them in django_capture_on_commit_callbacks(execute=True).
    """
    events = []

    def send_now(event_type, payload, *, users=(), teams=(), roles=()):
        events.append({
            "type": event_type,
            "payload": payload,
            "users": [getattr(u, "pk", u) for u in users],
            "teams": [getattr(t, "pk", t) for t in teams],
            "roles": list(roles),
        })

    monkeypatch.setattr("centrala.realtime.publish.send_now", send_now)
    return events


@pytest.fixture
def client_for(client):
    """client_for(user) -> a Django test client signed in as user."""
    from django.test import Client

    def make(user):
        c = Client()
        c.force_login(user)
        return c

    return make


# --- case work: campaigns, contacts, cases -------------------------------------------------

@pytest.fixture
def rental(db, agent, home_agent):
    """The "Vehicle rental" campaign (TPL-01) with `agent` and `home_agent` assigned."""
    from centrala.campaigns.models import Campaign
    from centrala.campaigns.processes import install_process, load_builtin

    script = install_process(load_builtin("vehicle_rental"))
    campaign = Campaign.objects.create(name="Vehicle rental", script=script)
    campaign.agents.add(agent, home_agent)
    return campaign


@pytest.fixture
def service(db):
    """The "Customer service" campaign, with nobody assigned (agents cannot see it)."""
    from centrala.campaigns.models import Campaign
    from centrala.campaigns.processes import install_process, load_builtin

    return Campaign.objects.create(name="Customer service", script=install_process(load_builtin("customer_service")))


@pytest.fixture
def make_contact(db):
    from centrala.contacts.models import Contact, ContactEmail, ContactPhone
    from centrala.lib.phones import to_e164

    def make(first="Jan", last="Kowalski", *, phones=(), emails=(), **fields):
        contact = Contact.objects.create(first_name=first, last_name=last, **fields)
        for position, raw in enumerate(phones):
            ContactPhone.objects.create(contact=contact, raw=raw, e164=to_e164(raw) or "", position=position)
        for position, address in enumerate(emails):
            ContactEmail.objects.create(contact=contact, address=address, position=position)
        return contact

    return make


@pytest.fixture
def contact(make_contact):
    return make_contact("Jan", "Kowalski", phones=["+48 601-234-567"], emails=["jan.kowalski@example.com"])


RENTAL_FORM = {
    "vehicle_type": "van", "pickup_at": "2026-12-01T09:00", "pickup_place": "Warszawa, Okęcie",
    "return_at": "2026-12-05T18:00",
}


@pytest.fixture
def make_case(db):
    """make_case(campaign, contact, actor=None, **fields) -> a case created through the actions."""
    from centrala.cases.actions import do_create_case

    def make(campaign, contact, actor=None, **fields):
        return do_create_case(actor, campaign=campaign, contact=contact, check_access=False, **fields)

    return make


# --- live ASGI server ---------------------------------------------------------------------------

class _Tracked:
    """The ASGI app, counting the connections (HTTP requests, websockets) it is still serving."""

    def __init__(self, app):
        self.app = app
        self.active = 0
        self.lock = threading.Lock()

    async def __call__(self, scope, receive, send):
        with self.lock:
            self.active += 1
        try:
            await self.app(scope, receive, send)
        finally:
            with self.lock:
                self.active -= 1


class LiveASGIServer:
    def __init__(self):
        import uvicorn

        from config.asgi import application

        application = self.application = _Tracked(application)

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(application, lifespan="off", log_level="warning", ws="websockets-sansio")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def start(self):
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the live ASGI server did not start")
            time.sleep(0.05)

    def wait_idle(self, timeout=10):
        """Wait until no request or websocket is being served: a browser that was just closed may
        leave a request or a socket's goodbye (which writes) running, and the test's database is
        flushed next (on PostgreSQL the flush and that write could deadlock)."""
        deadline = time.monotonic() + timeout
        while self.application.active and time.monotonic() < deadline:
            time.sleep(0.02)

    def stop(self):
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def _asgi_server(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        server = LiveASGIServer()
        server.start()
        yield server
        server.stop()


@pytest.fixture
def live_asgi(_asgi_server, transactional_db, settings):
    """A running Centrala (HTTP + websockets) whose database is this test's database.

    Cookies are not marked secure here because the test server speaks plain HTTP.
    """
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    yield _asgi_server
    # After browser_for has closed its browsers (it depends on this), before the database flush.
    _asgi_server.wait_idle()


# --- browser ------------------------------------------------------------------------------------

def chromium_path():
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise RuntimeError(
            "Browser tests need Debian's Chromium: apt-get install chromium (.ci/run installs it)."
        )
    return path


@pytest.fixture(scope="session")
def _browser():
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=chromium_path(),
        headless=True,
        args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage",
        ],
    )
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def browser_for(_browser, live_asgi):
    """browser_for(user, locale="en") -> a Playwright page signed in as user at the live server.

    Each call is a separate browser context: two calls are two people at two computers.
    """
    from django.conf import settings as django_settings
    from django.test import Client

    contexts = []

    def make(user=None, locale="en-US"):
        context = _browser.new_context(base_url=live_asgi.url, locale=locale)
        context.set_default_timeout(10_000)
        contexts.append(context)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
            context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_asgi.url}])
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def wait_for_socket(page):
    """Wait until the page's live event socket is connected."""
    # A selector, not wait_for_function: polling a JS expression needs eval, which the page's CSP
    # refuses, so that failed whenever the socket was not open yet at the first check.
    page.locator("body[data-live=on]").wait_for(state="attached")


def pytest_sessionfinish(session):
    """SQLite leaves -wal/-shm files beside a test database it has dropped; remove them."""
    from pathlib import Path

    from django.conf import settings

    if settings.configured:
        name = Path(settings.DATABASES["default"].get("TEST", {}).get("NAME") or "")
        if name.name.startswith("test-centrala-"):
            for suffix in ("-wal", "-shm"):
                Path(str(name) + suffix).unlink(missing_ok=True)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run browser tests last.

    Playwright's sync API leaves an event loop marked as running in the main thread for the rest
    of the session; a later test that publishes events (async_to_sync) would then fail to send.
    The order within each group is kept (pytest-django's own ordering still applies).
    """
    items.sort(key=lambda item: "browser_for" in getattr(item, "fixturenames", ()))
