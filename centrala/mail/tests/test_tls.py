"""Encrypted connections work, and an untrusted certificate is refused with a clear answer: IMAP
over SSL/TLS and STARTTLS against the test Dovecot, SMTP with STARTTLS against the test server."""

import pytest

from centrala.cases.models import Case
from centrala.mail import imap, replies, sending, smtp_check
from centrala.mail.models import IncomingMailbox, OutboundState, OutgoingMailbox, Security
from centrala.mail.worker import read_once

from .inbox import mail_media, make_message  # noqa: F401 - fixture
from .replying import incoming, media_root, outbox, rental_case  # noqa: F401 - fixtures

pytestmark = pytest.mark.dovecot


def mailbox(dovecot, service, security, port):
    return IncomingMailbox.objects.create(name="Service", campaign=service, host=dovecot.host, port=port,
                                          security=security, username=dovecot.user, secret=dovecot.password)


@pytest.mark.parametrize("security", [Security.SSL, Security.STARTTLS])
def test_imap_over_tls_reads_mail(dovecot, service, mail_media, trust_test_certificate, security):
    box = mailbox(dovecot, service, security, dovecot.tls_port if security == Security.SSL else dovecot.port)
    ok, text = imap.test_connection(box)
    assert ok, text
    dovecot.append(make_message("Over TLS"))
    assert read_once(box) == 1
    assert Case.objects.get().subject == "Over TLS"


@pytest.mark.parametrize("security", [Security.SSL, Security.STARTTLS])
def test_an_untrusted_imap_certificate_is_refused_clearly(dovecot, service, mail_media, security, monkeypatch,
                                                          tmp_path):
    empty = tmp_path / "no-ca.pem"
    empty.write_text("")
    monkeypatch.setenv("SSL_CERT_FILE", str(empty))  # nothing trusted: as with a self-signed server
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    box = mailbox(dovecot, service, security, dovecot.tls_port if security == Security.SSL else dovecot.port)
    ok, text = imap.test_connection(box)
    assert not ok
    assert "The server's TLS certificate is not trusted" in text


def test_replies_go_out_over_starttls(agent, rental_case, outbox, smtp_server, trust_test_certificate):
    smtp_server.username, smtp_server.password = "desk", "desk-secret"
    outbox.security, outbox.username, outbox.secret = Security.STARTTLS, "desk", "desk-secret"
    outbox.save()
    assert smtp_check.test_smtp(outbox)[0]
    outbound = replies.do_send_reply(agent, rental_case.pk, to="jan@example.com", subject="Offer", body="Text")
    assert sending.deliver(outbound.pk) == OutboundState.SENT
    (received,) = smtp_server.messages
    assert received.encrypted  # the password and the message went over TLS


def test_an_untrusted_smtp_certificate_fails_for_good_with_a_clear_reason(agent, rental_case, outbox, smtp_server,
                                                                          monkeypatch, tmp_path):
    empty = tmp_path / "no-ca.pem"
    empty.write_text("")
    monkeypatch.setenv("SSL_CERT_FILE", str(empty))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    OutgoingMailbox.objects.filter(pk=outbox.pk).update(security=Security.STARTTLS)
    ok, text = smtp_check.test_smtp(OutgoingMailbox.objects.get(pk=outbox.pk))
    assert not ok and "certificate" in text.lower()
    outbound = replies.do_send_reply(agent, rental_case.pk, to="jan@example.com", subject="Offer", body="Text")
    assert sending.deliver(outbound.pk) == OutboundState.FAILED  # a wrong certificate will not fix itself
    outbound.refresh_from_db()
    assert "certificate" in outbound.error.lower()
    assert not smtp_server.messages
