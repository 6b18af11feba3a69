import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def docx_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads go to a fresh folder per test, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def rental_case(rental, contact, agent, make_case):
    return make_case(rental, contact, agent)


@pytest.fixture
def service_case(service, contact, manager, make_case):
    """A case of a campaign no agent is assigned to: agents must not see it."""
    return make_case(service, contact, manager)


@pytest.fixture
def make_activity(db):
    """make_activity(case, kind, body="", author=None, **fields) -> an Activity written directly,
    for kinds (e-mail, SMS, calls) whose channels write them elsewhere."""
    from centrala.activities.models import Activity

    def make(case, kind, body="", author=None, **fields):
        return Activity.objects.create(case=case, contact_id=case.contact_id, kind=kind, body=body, author=author,
                                       **fields)

    return make


HTMX = {"HX-Request": "true"}
