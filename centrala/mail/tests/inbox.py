"""Helpers for the intake tests: an incoming mailbox on the test Dovecot, messages to append."""

from email.utils import format_datetime, make_msgid
from datetime import UTC, datetime

import pytest

from centrala.mail.models import IncomingMailbox, Security


def make_message(subject="Broken car", body="My car does not start.", *, sender="Anna Nowak <anna@example.com>",
                 message_id=None, in_reply_to=None, extra_headers=(), size=None):
    """Raw bytes of a simple UTF-8 message; size pads the body to about that many bytes."""
    message_id = message_id or make_msgid(domain="customer.example")
    headers = [
        f"From: {sender}", "To: service@centrala.test", f"Subject: {subject}",
        f"Date: {format_datetime(datetime(2026, 3, 1, 10, 0, tzinfo=UTC))}", f"Message-ID: {message_id}",
        "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit",
    ]
    if in_reply_to:
        headers += [f"In-Reply-To: {in_reply_to}", f"References: {in_reply_to}"]
    headers += list(extra_headers)
    if size:
        line = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. Zażółć gęślą jaźń.\n"
        body = body + "\n" + line * max(0, (size - len(body)) // len(line.encode()))
    return ("\r\n".join(headers) + "\r\n\r\n" + body.replace("\n", "\r\n") + "\r\n").encode()


@pytest.fixture
def mail_media(settings, tmp_path):
    """Raw copies and attachments go to a temporary directory, not var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def inbox(db, dovecot, service, mail_media):
    """An active incoming mailbox of the "Customer service" campaign reading the Dovecot user's INBOX."""
    return IncomingMailbox.objects.create(
        name="Service", address=dovecot.address, campaign=service, host=dovecot.host, port=dovecot.port,
        security=Security.NONE, username=dovecot.user, secret=dovecot.password, poll_seconds=1,
    )
