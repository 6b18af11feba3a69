"""Fixtures of the sending-side tests (imported by test_reply*.py and test_sending*.py)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Files go to a fresh folder per test, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def outbox(db, smtp_server, rental):
    """The rental campaign's outgoing mailbox, on the test SMTP server (plain, no sign-in)."""
    from centrala.mail.models import OutgoingMailbox, Security

    mailbox = OutgoingMailbox.objects.create(
        name="Rental desk", from_address="rental@centrala.example", from_name="Rental desk",
        host=smtp_server.host, port=smtp_server.port, security=Security.NONE,
    )
    mailbox.campaigns.add(rental)
    return mailbox


@pytest.fixture
def rental_case(rental, contact, agent, make_case):
    return make_case(rental, contact, agent)


@pytest.fixture
def service_case(service, contact, manager, make_case):
    """A case of a campaign no agent is assigned to: agents must not see it."""
    return make_case(service, contact, manager)


@pytest.fixture
def incoming(rental_case):
    """An e-mail from the customer on the case, as the intake side stores it."""
    from centrala.activities.models import Activity, ActivityKind

    return Activity.objects.create(
        case=rental_case, contact_id=rental_case.contact_id, kind=ActivityKind.EMAIL,
        body="My van has a flat tyre.\nPlease help.",
        data={
            "direction": "in", "subject": "Flat tyre", "from": "Jan Kowalski <jan.kowalski@example.com>",
            "to": ["rental@centrala.example"], "cc": [], "date": "2026-11-20T10:00:00+00:00",
            "from_address": "jan.kowalski@example.com", "message_id": "<first@customer.example>",
            "references": ["<older@customer.example>"],
            "automatic": "",
        },
    )


def compose_url(case, reply_to=None):
    url = f"/mail/case/{case.pk}/write/"
    return f"{url}?reply_to={reply_to.pk}" if reply_to else url
