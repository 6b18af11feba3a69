"""Uploading and downloading case files: limits, refused types, access, safe download headers."""

import hashlib
import re
from pathlib import Path

import pytest
from django.test import Client

from centrala.activities import actions
from centrala.activities.files import accepted_labels
from centrala.activities.models import Activity, ActivityKind, Attachment
from centrala.audit.models import AuditEntry

from .conftest import EXE, HTML, HTMX, PDF, PNG, upload


def upload_url(case):
    return f"/activities/case/{case.pk}/files/"


def download_url(attachment):
    return f"/activities/files/{attachment.pk}/"


def test_an_agent_uploads_files_and_each_becomes_an_attachment_entry(rental_case, agent, client_for, media_root):
    response = client_for(agent).post(
        upload_url(rental_case),
        {"files": [upload("offer.pdf", PDF, "text/html"), upload("car.png", PNG)], "description": "From the customer"},
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "offer.pdf" in html and "car.png" in html
    assert f'id="upload-form-{rental_case.pk}"' in html and 'hx-swap-oob="true"' in html
    assert "From the customer" not in html.split(f'id="upload-form-{rental_case.pk}"')[1]  # a fresh form
    offer = Attachment.objects.get(name="offer.pdf")
    assert offer.size == len(PDF)
    assert offer.sha256 == hashlib.sha256(PDF).hexdigest()
    assert offer.content_type == "application/pdf"  # from the content, not from what the browser claimed
    stored = Path(offer.file.path)
    assert stored.is_relative_to(media_root) and stored.read_bytes() == PDF
    activity = offer.activity
    assert activity.kind == ActivityKind.ATTACHMENT and activity.author == agent
    assert activity.body == "From the customer" and activity.case_id == rental_case.pk
    assert Activity.objects.filter(kind=ActivityKind.ATTACHMENT).count() == 2
    audit = AuditEntry.objects.get(action="activity.create", object_id=str(activity.pk))
    assert audit.changes["sha256"] == [None, offer.sha256]


def test_without_htmx_the_upload_redirects_back(rental_case, agent, client_for):
    response = client_for(agent).post(upload_url(rental_case), {"files": [upload("offer.pdf", PDF)]})
    assert response.status_code == 302 and response["Location"] == f"/activities/case/{rental_case.pk}/"
    assert Attachment.objects.count() == 1


def refused(client, case, files, **extra):
    response = client.post(upload_url(case), {"files": files, **extra}, headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#upload-form-{case.pk}"
    assert not Attachment.objects.exists() and not Activity.objects.filter(kind=ActivityKind.ATTACHMENT).exists()
    return response.content.decode()


def test_an_empty_file_is_refused(rental_case, agent, client_for):
    assert "“empty.pdf” is empty." in refused(client_for(agent), rental_case, [upload("empty.pdf", b"")])


def test_no_file_at_all_is_refused(rental_case, agent, client_for):
    assert "Choose a file to upload." in refused(client_for(agent), rental_case, [])


def test_a_file_over_the_limit_is_refused_with_the_limit(rental_case, agent, client_for, settings, media_root):
    settings.ATTACHMENT_MAX_BYTES = 100
    html = refused(client_for(agent), rental_case, [upload("big.pdf", PDF + b"x" * 200)],
                   description="keep this text")
    assert "“big.pdf” is larger than the limit of 100\xa0bytes per file." in html
    assert 'value="keep this text"' in html  # what the user typed survives the refusal
    assert not list(media_root.rglob("*.pdf"))


def test_the_default_limit_comes_from_the_settings():
    from django.conf import settings

    assert settings.ATTACHMENT_MAX_BYTES == 20 * 1024 * 1024


@pytest.mark.parametrize(("name", "content", "message"), [
    ("setup.exe", EXE, "“setup.exe”: this type of file is not accepted."),
    ("invoice.pdf", HTML, "“invoice.pdf” is not a real PDF file"),
    ("page.html", HTML, "“page.html”: this type of file is not accepted."),
])
def test_dangerous_files_are_refused(name, content, message, rental_case, agent, client_for):
    assert message in refused(client_for(agent), rental_case, [upload(name, content)])


def test_one_bad_file_refuses_the_whole_upload_and_names_it(rental_case, agent, client_for, media_root):
    html = refused(client_for(agent), rental_case, [upload("offer.pdf", PDF), upload("virus.exe", EXE)])
    errors = re.findall(r'<p class="field-error" role="alert">(.*?)</p>', html)
    assert errors == ["“virus.exe”: this type of file is not accepted. Accepted types: " + accepted_labels() + "."]
    assert not [path for path in media_root.rglob("*") if path.is_file()]


def test_too_many_files_at_once(rental_case, agent, client_for):
    files = [upload(f"f{number}.pdf", PDF) for number in range(actions.MAX_FILES_PER_UPLOAD + 1)]
    assert "Upload at most 10 files at once." in refused(client_for(agent), rental_case, files)


def test_djangos_request_limits_give_a_clear_message(rental_case, agent, client_for, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50
    html = refused(client_for(agent), rental_case, [upload("offer.pdf", PDF)], description="x" * 500)
    assert "The form sent too much data" in html
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 1
    html = refused(client_for(agent), rental_case, [upload("a.pdf", PDF), upload("b.pdf", PDF)])
    assert "Upload at most 10 files at once." in html


def test_a_body_too_big_for_any_upload_is_refused_before_it_is_parsed(rental_case, agent, client_for, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    html = refused(client_for(agent), rental_case, [upload("huge.pdf", PDF + b"x" * (1024 * 1024 + 100))])
    assert "The upload is too large: at most 10 files of 10\xa0bytes each." in html


def test_the_upload_checks_the_csrf_token(rental_case, agent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    assert client.post(upload_url(rental_case), {"files": [upload("offer.pdf", PDF)]}).status_code == 403
    page = client.get(f"/activities/case/{rental_case.pk}/")
    token = page.cookies["csrftoken"].value
    response = client.post(upload_url(rental_case), {"files": [upload("offer.pdf", PDF)]},
                           headers={**HTMX, "X-CSRFToken": token})
    assert response.status_code == 200 and Attachment.objects.count() == 1


def test_who_may_upload(client, rental_case, service_case, agent, home_agent, receptionist, client_for):
    assert client.post(upload_url(rental_case), {"files": [upload("a.pdf", PDF)]}).status_code == 302
    assert client_for(receptionist).post(upload_url(rental_case), {"files": [upload("a.pdf", PDF)]}).status_code == 403
    assert client_for(agent).post(upload_url(service_case), {"files": [upload("a.pdf", PDF)]}).status_code == 404
    assert not Attachment.objects.exists()
    response = client_for(home_agent).post(upload_url(rental_case), {"files": [upload("a.pdf", PDF)]}, headers=HTMX)
    assert response.status_code == 200 and Attachment.objects.count() == 1


# --- download ---------------------------------------------------------------------------------

@pytest.fixture
def stored(rental_case, agent):
    [activity] = actions.do_add_attachments(agent, rental_case.pk, [upload("Oferta zł.pdf", PDF)])
    return activity.attachments.get()


def test_download_sends_the_file_to_be_saved_never_shown(stored, home_agent, client_for):
    response = client_for(home_agent).get(download_url(stored))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''Oferta%20z%C5%82.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "no-store" in response["Cache-Control"]


def test_another_campaigns_agent_gets_404(stored, make_user, service, client_for, manager):
    outsider = make_user("outsider", "agent")
    service.agents.add(outsider)
    assert client_for(outsider).get(download_url(stored)).status_code == 404
    assert client_for(outsider).get("/activities/files/999999/").status_code == 404
    assert client_for(manager).get(download_url(stored)).status_code == 200


def test_download_access(client, stored, receptionist, client_for):
    assert client.get(download_url(stored)).status_code == 302
    assert client_for(receptionist).get(download_url(stored)).status_code == 403


def test_a_file_missing_from_storage_is_a_clear_404(stored, agent, client_for):
    Path(stored.file.path).unlink()
    response = client_for(agent).get(download_url(stored))
    assert response.status_code == 404


def test_timeline_links_the_download_and_plays_recordings(rental_case, agent, client_for, make_activity):
    call = make_activity(rental_case, ActivityKind.CALL, "", agent, data={"direction": "in", "duration": 61})
    recording = Attachment(activity=call, name="call.mp3", size=5, content_type="audio/mpeg", sha256="0" * 64)
    from django.core.files.base import ContentFile

    recording.file.save("call.mp3", ContentFile(b"ID3\x03\x00"), save=True)
    html = client_for(agent).get(f"/activities/case/{rental_case.pk}/").content.decode()
    assert f'<audio controls preload="none" src="/activities/files/{recording.pk}/"></audio>' in html
    assert f'href="/activities/files/{recording.pk}/" download' in html


def test_a_failure_half_way_keeps_neither_rows_nor_files(rental_case, agent, media_root, monkeypatch):
    from centrala.activities import files

    real, calls = files.sha256_of, []

    def failing_second_time(uploaded):
        calls.append(uploaded.name)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(uploaded)

    monkeypatch.setattr(files, "sha256_of", failing_second_time)
    with pytest.raises(OSError):
        actions.do_add_attachments(agent, rental_case.pk, [upload("a.pdf", PDF), upload("b.pdf", PDF)])
    assert not Attachment.objects.exists()
    assert not Activity.objects.filter(kind=ActivityKind.ATTACHMENT).exists()
    assert not [path for path in media_root.rglob("*") if path.is_file()]
