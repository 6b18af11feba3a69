"""Mail delivered straight to Centrala: an SMTP or LMTP listener (MAIL-01, issue 5 item 2).

For sites whose own mail server hands messages over (Postfix `lmtp:` transport, Exim, a relay)
instead of Centrala reading a mailbox over IMAP. Messages are accepted only for the addresses of
active incoming mailboxes set to "Delivered"; the listener never relays.

Exactly once, as with IMAP: the answer 250 is sent only after the message is committed. A database
or storage failure (at RCPT TO too) answers 451 (try later), never a permanent 5xx, so the sending server keeps the message and delivers it again. A
delivery repeated after a lost 250 is recognised: a delivered message's "UID" is derived from its
bytes, and Message-IDs are deduplicated per campaign, so it never makes a second case. A message
that cannot be processed is still answered 250: it is kept in quarantine, like one read over IMAP.

LMTP (recommended behind a local mail server) answers per recipient; SMTP answers once for all.
"""

import asyncio
import hashlib
import logging
import smtplib
import socket

from django.conf import settings
from django.db import close_old_connections
from django.utils.translation import gettext as _

from .models import IncomingMailbox, Intake

log = logging.getLogger(__name__)

# Delivered messages share this UIDVALIDITY (no IMAP server numbers them).
DELIVERED_UIDVALIDITY = 0
DEFAULT_MAX_BYTES = 50 * 1024 * 1024


def delivery_uid(raw):
    """A stable number for a message's bytes (63 bits): the same delivery twice is one message."""
    return int.from_bytes(hashlib.sha256(raw).digest()[:8], "big") >> 1


def mailbox_for(address):
    """The active delivered mailbox for a recipient address, or None."""
    address = (address or "").strip().strip("<>")
    if not address:
        return None
    return (IncomingMailbox.objects.filter(intake=Intake.DELIVERY, is_active=True, address__iexact=address)
            .select_related("campaign").order_by("pk").first())


def deliver(recipients, raw):
    """Ingest `raw` once for each recipient's mailbox. Returns one SMTP reply line per recipient."""
    from .ingest import ingest

    close_old_connections()
    replies = []
    try:
        for address in recipients:
            mailbox = mailbox_for(address)
            if mailbox is None:  # switched off since RCPT TO
                replies.append("550 5.1.1 No such mailbox here")
                continue
            try:
                ingest(mailbox, DELIVERED_UIDVALIDITY, delivery_uid(raw), raw)
            except Exception:  # the database or the file storage: the sending server keeps it, tries later
                log.exception("delivery not stored", extra={"mailbox_id": mailbox.pk})
                replies.append("451 4.3.0 Could not store the message now; try again later")
            else:
                replies.append("250 2.0.0 Delivered")
    finally:
        close_old_connections()
    return replies


class Handler:
    """aiosmtpd handler: checks recipients at RCPT TO, stores the message at DATA."""

    def __init__(self, *, lmtp):
        self.lmtp = lmtp

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        mailbox = await asyncio.to_thread(_mailbox_exists, address)
        if not mailbox:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_exception(self, error):
        """Anything unexpected (e.g. the database gone at RCPT TO) is a temporary failure, never the
        permanent 500 that would make the sending server bounce the message."""
        log.error("mail listener error", exc_info=error)
        return "451 4.3.0 Temporary failure; try again later"

    async def handle_DATA(self, server, session, envelope):
        replies = await asyncio.to_thread(deliver, list(envelope.rcpt_tos), envelope.original_content or b"")
        if self.lmtp:
            return "\r\n".join(replies)  # one reply per recipient, in RCPT TO order
        if any(reply.startswith("4") for reply in replies):
            return "451 4.3.0 Could not store the message now; try again later"
        if all(reply.startswith("5") for reply in replies):
            return "550 5.1.1 No such mailbox here"
        return "250 2.0.0 Delivered"


def _mailbox_exists(address):
    close_old_connections()
    try:
        return mailbox_for(address) is not None
    finally:
        close_old_connections()


class Listener:
    """The listener in a thread of its own: start(), then stop()."""

    def __init__(self, host="127.0.0.1", port=2424, *, lmtp=True, max_bytes=DEFAULT_MAX_BYTES):
        from aiosmtpd.controller import Controller
        from aiosmtpd.lmtp import LMTP
        from aiosmtpd.smtp import SMTP

        protocol = LMTP if lmtp else SMTP
        handler = Handler(lmtp=lmtp)

        class _Controller(Controller):
            def factory(self):
                return protocol(self.handler, data_size_limit=max_bytes, enable_SMTPUTF8=True,
                                hostname=socket.getfqdn(), ident="Centrala")

        if not port:  # any free port (tests, or a listener found by its printed port)
            with socket.socket() as probe:
                probe.bind((host, 0))
                port = probe.getsockname()[1]
        self.port = port
        self.controller = _Controller(handler, hostname=host, port=port, ready_timeout=10)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()


def check_listener(host, port, *, lmtp, timeout=5):
    """(ok, text) for "Test connection" of a delivered mailbox: does a listener answer there?"""
    try:
        client = (smtplib.LMTP if lmtp else smtplib.SMTP)(host, port, timeout=timeout)
    except (OSError, smtplib.SMTPException) as error:
        return False, _("No listener answers at %(where)s (%(error)s). Start it with “manage.py mail_listener”, "
                        "or set MAIL_LISTENER so that “manage.py serve” starts it.") % {
            "where": f"{host}:{port}", "error": error}
    try:
        code, _greeting = client.ehlo() if not lmtp else client.docmd("LHLO", socket.getfqdn())
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    if code != 250:
        return False, _("The listener at %(where)s answered %(code)s.") % {"where": f"{host}:{port}", "code": code}
    return True, _("Centrala's listener answers at %(where)s; point your mail server's delivery for this address "
                   "there.") % {"where": f"{host}:{port}"}


def configured():
    """(lmtp, host, port) from settings.MAIL_LISTENER ("lmtp://127.0.0.1:2424"), or None when unset."""
    value = getattr(settings, "MAIL_LISTENER", None)
    if not value:
        return None
    return value["scheme"] == "lmtp", value["host"], value["port"]


def check_delivery():
    """"Test connection" for a delivered mailbox: is the configured listener there?"""
    found = configured()
    if found is None:
        return False, _("Mail for this address is delivered to Centrala, but no listener is configured: set "
                        "MAIL_LISTENER (e.g. lmtp://127.0.0.1:2424) so that “manage.py serve” starts it, or run "
                        "“manage.py mail_listener”.")
    lmtp, host, port = found
    return check_listener("127.0.0.1" if host in ("0.0.0.0", "::", "") else host, port, lmtp=lmtp)
