"""Mailbox administration pages: only administrators, secrets never shown, "Test connection"."""

import pytest
from django.urls import reverse

from centrala.audit.models import AuditEntry
from centrala.mail.models import IncomingMailbox, InboundMessage, InboundState, OutgoingMailbox, Security

from .inbox import inbox, mail_media  # noqa: F401 - fixtures

pytestmark = pytest.mark.dovecot


def incoming_post(dovecot, campaign, **changes):
    data = {
        "name": "Service", "address": "service@example.test", "campaign": campaign.pk, "host": dovecot.host,
        "port": dovecot.port, "security": Security.NONE, "username": dovecot.user, "auth_method": "password",
        "new_secret": dovecot.password, "folder": "INBOX", "use_idle": "on", "poll_seconds": 60,
        "max_attachment_bytes": 1000000, "is_active": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize("url", [
    reverse("mail:mailboxes"), reverse("mail:mailbox_create", args=["in"]), reverse("mail:mailbox_create", args=["out"]),
    reverse("mail:problems"),
])
def test_only_administrators(client_for, agent, manager, administrator, client, url):
    assert client_for(administrator).get(url).status_code == 200
    assert client_for(manager).get(url).status_code == 403
    assert client_for(agent).get(url).status_code == 403
    assert client.get(url).status_code == 302  # to sign-in


def test_non_administrators_cannot_retry_or_test(client_for, manager, inbox):
    message = InboundMessage.objects.create(mailbox=inbox, uidvalidity=1, uid=1, state=InboundState.QUARANTINED)
    c = client_for(manager)
    assert c.post(reverse("mail:retry", args=[message.pk])).status_code == 403
    assert c.post(reverse("mail:mailbox_test", args=["in", inbox.pk])).status_code == 403
    assert c.post(reverse("mail:mailbox_edit", args=["in", inbox.pk]), {"name": "x"}).status_code == 403


def test_create_incoming_mailbox_and_edit_keeps_the_secret(client_for, administrator, dovecot, service):
    c = client_for(administrator)
    response = c.post(reverse("mail:mailbox_create", args=["in"]), incoming_post(dovecot, service))
    assert response.status_code == 302
    box = IncomingMailbox.objects.get()
    assert box.secret == dovecot.password and box.campaign == service

    page = c.get(reverse("mail:mailbox_edit", args=["in", box.pk])).content.decode()
    assert dovecot.password not in page
    assert "Leave empty to keep it" in page
    listing = c.get(reverse("mail:mailboxes")).content.decode()
    assert dovecot.password not in listing and "Service" in listing

    response = c.post(reverse("mail:mailbox_edit", args=["in", box.pk]),
                      incoming_post(dovecot, service, name="Renamed", new_secret=""))
    assert response.status_code == 302
    box.refresh_from_db()
    assert (box.name, box.secret) == ("Renamed", dovecot.password)
    entries = AuditEntry.objects.filter(action__startswith="mail.incomingmailbox")
    assert entries.count() == 2
    assert all(dovecot.password not in str(entry.changes) for entry in entries)


@pytest.mark.parametrize("changes", [{"host": "127.0.0.2"}, {"port": 1}, {"username": "someone.else"},
                                     {"security": Security.SSL}, {"auth_method": "xoauth2"}])
def test_the_stored_secret_never_goes_to_another_server(client_for, administrator, dovecot, service, changes):
    """An edit that points the mailbox elsewhere must carry the password again: otherwise the stored
    one would be sent to (and could be read on) any server typed into the page."""
    c = client_for(administrator)
    c.post(reverse("mail:mailbox_create", args=["in"]), incoming_post(dovecot, service))
    box = IncomingMailbox.objects.get()
    url = reverse("mail:mailbox_edit", args=["in", box.pk])
    for extra in ({"test": "1"}, {}):  # neither tested nor saved
        response = c.post(url, incoming_post(dovecot, service, new_secret="", **changes, **extra))
        page = response.content.decode()
        assert "type the password or access token again" in page
        assert "Connection works." not in page
    box.refresh_from_db()
    assert (box.host, box.port, box.username) == (dovecot.host, dovecot.port, dovecot.user)
    # With the password typed again, the change is taken.
    response = c.post(url, incoming_post(dovecot, service, **changes))
    assert response.status_code == 302


def test_secret_required_for_a_new_mailbox(client_for, administrator, dovecot, service):
    response = client_for(administrator).post(reverse("mail:mailbox_create", args=["in"]),
                                              incoming_post(dovecot, service, new_secret=""))
    assert response.status_code == 400
    assert "Enter the password or access token" in response.content.decode()
    assert not IncomingMailbox.objects.exists()


@pytest.mark.parametrize("changes, expected", [
    ({}, "Connected and signed in; folder “INBOX” holds 0 messages."),
    ({"new_secret": "wrong-password"}, "refused the user name or password"),
    ({"folder": "Missing"}, "The folder “Missing” does not exist"),
    ({"security": Security.SSL}, "The secure (TLS) connection"),
    ({"auth_method": "xoauth2", "new_secret": "not-a-token"}, "refused the OAuth2 access token"),
    ({"host": "no-such-host.invalid"}, "could not be found"),
])
def test_test_connection_answers_clearly(client_for, administrator, dovecot, service, changes, expected):
    data = incoming_post(dovecot, service, test="1", **changes)
    response = client_for(administrator).post(reverse("mail:mailbox_create", args=["in"]), data)
    page = response.content.decode()
    assert expected in page
    assert response.status_code == 200
    assert ("Connection works." in page) == (not changes)
    assert not IncomingMailbox.objects.exists()  # testing does not save
    assert dovecot.password not in page


def test_xoauth2_token_signs_in(client_for, administrator, dovecot, service):
    # The test Dovecot checks an XOAUTH2 token like a password.
    data = incoming_post(dovecot, service, test="1", auth_method="xoauth2")
    response = client_for(administrator).post(reverse("mail:mailbox_create", args=["in"]), data)
    assert "Connection works." in response.content.decode()


def test_unreachable_port_and_saved_mailbox_test_records_the_error(client_for, administrator, inbox):
    from centrala.core.tests.test_serve import free_port

    IncomingMailbox.objects.filter(pk=inbox.pk).update(port=free_port())
    response = client_for(administrator).post(reverse("mail:mailbox_test", args=["in", inbox.pk]), follow=True)
    assert "Nothing answers at" in response.content.decode()
    inbox.refresh_from_db()
    assert "Nothing answers at" in inbox.last_error


def test_outgoing_mailbox_with_users_and_campaigns(client_for, administrator, agent, service):
    c = client_for(administrator)
    data = {"name": "Agent mail", "from_address": "agent@example.test", "from_name": "Agent", "host": "127.0.0.1",
            "port": 2525, "security": Security.NONE, "username": "agent", "auth_method": "password",
            "new_secret": "smtp-secret-123", "users": [agent.pk], "campaigns": [service.pk], "is_active": "on"}
    assert c.post(reverse("mail:mailbox_create", args=["out"]), data).status_code == 302
    box = OutgoingMailbox.objects.get()
    assert list(box.users.all()) == [agent] and list(box.campaigns.all()) == [service]
    assert box.secret == "smtp-secret-123"
    page = c.get(reverse("mail:mailbox_edit", args=["out", box.pk])).content.decode()
    assert "smtp-secret-123" not in page


def test_outgoing_test_connection_against_smtp(client_for, administrator):
    from centrala.core.tests.test_serve import free_port

    data = {"name": "Out", "from_address": "x@example.test", "host": "127.0.0.1", "port": free_port(),
            "security": Security.NONE, "username": "", "auth_method": "password", "new_secret": "", "test": "1"}
    response = client_for(administrator).post(reverse("mail:mailbox_create", args=["out"]), data)
    assert "Connection failed." in response.content.decode()
    assert "Nothing answers at" in response.content.decode()


def test_menu_shows_mail_entries_to_administrators_only(client_for, administrator, manager):
    assert reverse("mail:mailboxes") in client_for(administrator).get("/").content.decode()
    assert reverse("mail:mailboxes") not in client_for(manager).get("/").content.decode()
