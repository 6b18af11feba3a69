"""Mail delivered straight to Centrala over LMTP or SMTP (issue 5 item 2): a real listener on a
port, spoken to as a mail server would."""

import html
import smtplib
import socket

import pytest
from django.db import OperationalError
from django.urls import reverse

from centrala.activities.models import ActivityKind
from centrala.cases.models import Case, Source
from centrala.mail import ingest as ingest_module
from centrala.mail.listener import Listener, delivery_uid
from centrala.mail.models import IncomingMailbox, InboundMessage, InboundState, Intake
from centrala.mail.worker import Supervisor

from .inbox import mail_media, make_message  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def delivered(service, rental, mail_media):
    return {
        "service": IncomingMailbox.objects.create(name="Service", address="help@centrala.test", campaign=service,
                                                  intake=Intake.DELIVERY, port=0),
        "rental": IncomingMailbox.objects.create(name="Rental", address="rent@centrala.test", campaign=rental,
                                                 intake=Intake.DELIVERY, port=0),
    }


@pytest.fixture
def lmtp(delivered):
    running = Listener("127.0.0.1", 0, lmtp=True, max_bytes=200_000).start()
    yield running
    running.stop()


@pytest.fixture
def smtp(delivered):
    running = Listener("127.0.0.1", 0, lmtp=False, max_bytes=200_000).start()
    yield running
    running.stop()


def text(response):
    """A page as text (HTML escapes the apostrophe of "Centrala's")."""
    return html.unescape(response.content.decode())


class LMTPClient:
    """Just enough LMTP to read the one reply per recipient that smtplib cannot."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.file = self.sock.makefile("rb")
        assert self.reply().startswith("220")
        self.command("LHLO mx.test")

    def reply(self):
        lines = []
        while True:
            line = self.file.readline().decode()
            lines.append(line.strip())
            if line[3:4] != "-":
                return "\n".join(lines)

    def command(self, line):
        self.sock.sendall(line.encode() + b"\r\n")
        return self.reply()

    def send(self, sender, recipients, raw):
        assert self.command(f"MAIL FROM:<{sender}>").startswith("250")
        accepted = [r for r in recipients if self.command(f"RCPT TO:<{r}>").startswith("250")]
        assert self.command("DATA").startswith("354")
        self.sock.sendall(raw.replace(b"\r\n.", b"\r\n..") + b"\r\n.\r\n")
        return accepted, [self.reply() for _ in accepted]

    def close(self):
        self.command("QUIT")
        self.sock.close()


def test_lmtp_delivery_makes_a_case_per_mailbox_and_answers_per_recipient(lmtp, delivered, service, rental):
    client = LMTPClient(lmtp.port)
    raw = make_message("Broken car", "It does not start.")
    accepted, replies = client.send("anna@example.com", ["HELP@centrala.test", "rent@centrala.test",
                                                         "nobody@centrala.test"], raw)
    client.close()
    assert accepted == ["HELP@centrala.test", "rent@centrala.test"]  # an unknown address is refused at RCPT
    assert [reply[:3] for reply in replies] == ["250", "250"]
    cases = {case.campaign: case for case in Case.objects.all()}
    assert set(cases) == {service, rental}
    case = cases[service]
    assert case.source == Source.EMAIL and case.subject == "Broken car"
    assert case.activities.get(kind=ActivityKind.EMAIL).body == "It does not start."
    assert set(InboundMessage.objects.values_list("state", flat=True)) == {InboundState.DONE}


def test_a_repeated_delivery_is_one_message(lmtp, delivered):
    raw = make_message("Broken car")
    for _attempt in range(2):  # e.g. the 250 was lost and the mail server delivers again
        with smtplib.LMTP("127.0.0.1", lmtp.port) as client:
            client.sendmail("anna@example.com", ["help@centrala.test"], raw)
    assert Case.objects.count() == 1
    assert InboundMessage.objects.get().uid == delivery_uid(raw)


@pytest.mark.parametrize("failure", [OperationalError("the database is gone"), OSError(28, "No space left")])
def test_a_storage_failure_answers_try_later_and_keeps_nothing(lmtp, delivered, monkeypatch, failure):
    def broken(*args, **kwargs):
        raise failure

    monkeypatch.setattr(ingest_module, "ingest", broken)
    raw = make_message("Broken car")
    client = LMTPClient(lmtp.port)
    accepted, replies = client.send("anna@example.com", ["help@centrala.test"], raw)
    client.close()
    assert replies[0].startswith("451")  # the mail server keeps the message and tries again
    assert not Case.objects.exists() and not InboundMessage.objects.exists()
    monkeypatch.undo()
    with smtplib.LMTP("127.0.0.1", lmtp.port) as retry:
        retry.sendmail("anna@example.com", ["help@centrala.test"], raw)
    assert Case.objects.count() == 1


def test_smtp_delivery_refuses_strangers_and_oversized_mail_and_keeps_unreadable_mail(smtp, delivered):
    with smtplib.SMTP("127.0.0.1", smtp.port) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.sendmail("anna@example.com", ["someone@elsewhere.example"], make_message())  # no relaying
        with pytest.raises(smtplib.SMTPResponseException) as too_big:
            client.sendmail("anna@example.com", ["help@centrala.test"], make_message(size=300_000))
        assert too_big.value.smtp_code == 552
    with smtplib.SMTP("127.0.0.1", smtp.port) as client:
        client.sendmail("anna@example.com", ["help@centrala.test"], make_message("Fine"))
        client.sendmail("anna@example.com", ["help@centrala.test"], b"\x00\x01 not an e-mail at all \xff")
    assert list(Case.objects.values_list("subject", flat=True)) == ["Fine"]
    assert InboundMessage.objects.filter(state=InboundState.QUARANTINED).count() == 1  # kept, with its error


def test_a_database_gone_at_rcpt_is_a_temporary_failure_not_a_bounce(lmtp, delivered, monkeypatch):
    from centrala.mail import listener

    def gone(address):
        raise OperationalError("the database is gone")

    monkeypatch.setattr(listener, "mailbox_for", gone)
    client = LMTPClient(lmtp.port)
    assert client.command("MAIL FROM:<anna@example.com>").startswith("250")
    assert client.command("RCPT TO:<help@centrala.test>").startswith("451")
    client.close()


def test_a_switched_off_mailbox_takes_nothing(smtp, delivered):
    IncomingMailbox.objects.filter(pk=delivered["service"].pk).update(is_active=False)
    with smtplib.SMTP("127.0.0.1", smtp.port) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.sendmail("anna@example.com", ["help@centrala.test"], make_message())
    assert not Case.objects.exists()


def test_the_imap_worker_leaves_delivered_mailboxes_alone(delivered, dovecot, service):
    imap_box = IncomingMailbox.objects.create(name="IMAP", campaign=service, host=dovecot.host, port=dovecot.port,
                                              username=dovecot.user, secret=dovecot.password)
    assert set(Supervisor().wanted()) == {imap_box.pk}


def test_an_administrator_sets_up_a_delivered_mailbox_and_tests_the_listener(client_for, administrator, service,
                                                                              settings, smtp):
    c = client_for(administrator)
    url = reverse("mail:mailbox_create", args=["in"])
    base = {"name": "Web desk", "campaign": service.pk, "intake": Intake.DELIVERY, "port": 993, "security": "ssl",
            "auth_method": "password", "folder": "INBOX", "poll_seconds": 60, "max_attachment_bytes": 1000000,
            "is_active": "on"}
    page = text(c.post(url, base))
    assert "Delivered mail is matched by its address: enter it." in page
    page = text(c.post(url, {**base, "address": "help@centrala.test"}))
    assert "Another incoming mailbox already has this address." in page
    settings.MAIL_LISTENER = None
    page = text(c.post(url, {**base, "address": "desk@centrala.test", "test": "1"}))
    assert "no listener is configured: set MAIL_LISTENER" in page
    settings.MAIL_LISTENER = {"scheme": "smtp", "host": "127.0.0.1", "port": smtp.port}
    page = text(c.post(url, {**base, "address": "desk@centrala.test", "test": "1"}))
    assert f"Centrala's listener answers at 127.0.0.1:{smtp.port}" in page
    assert c.post(url, {**base, "address": "desk@centrala.test"}).status_code == 302  # no server, no password
    box = IncomingMailbox.objects.get(address="desk@centrala.test")
    assert box.intake == Intake.DELIVERY and box.host == "" and box.secret == ""
    assert "Delivered to Centrala's listener" in text(c.get(reverse("mail:mailboxes")))
    # An IMAP mailbox still needs its server.
    page = text(c.post(url, {**base, "intake": Intake.IMAP, "address": "imap@centrala.test"}))
    assert "Enter the IMAP server." in page


def test_the_command_serves_until_it_is_told_to_stop(delivered, mail_media):
    """`manage.py mail_listener` as `serve` starts it: from MAIL_LISTENER, stopped by SIGTERM."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from django.conf import settings

    from centrala.core.tests.test_serve import database_url

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": database_url(), "SECRET_KEY": settings.SECRET_KEY,
           "CENTRALA_VAR_DIR": str(Path(settings.MEDIA_ROOT).parent), "MAIL_LISTENER": f"lmtp://127.0.0.1:{port}"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    process = subprocess.Popen([sys.executable, "manage.py", "mail_listener"], cwd=settings.BASE_DIR, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                client = smtplib.LMTP("127.0.0.1", port)
                break
            except OSError:
                assert process.poll() is None, process.stderr.read()
                assert time.monotonic() < deadline, "the listener did not start within 30 s"
                time.sleep(0.1)
        with client:
            client.sendmail("anna@example.com", ["help@centrala.test"], make_message("Via the command"))
        assert Case.objects.get().subject == "Via the command"
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert f"Mail listener (LMTP) on 127.0.0.1:{port}." in out and "Mail listener stopped." in out
