"""The import pages (CON-06): upload, mapping, preview, run, progress, result, errors CSV, and
"create cases in campaign" for the import group."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from centrala.cases.models import Case
from centrala.contacts import importfile, importing
from centrala.contacts.models import Contact, ContactImport, ImportState
from centrala.worklists.models import BulkJob

from .import_helpers import csv_bytes, upload

pytestmark = pytest.mark.django_db
ROWS = [["Imię", "Nazwisko", "Telefon", "E-mail"],
        ["Jan", "Nowak", "601 000 001", "jan@example.com"],
        ["Zły", "Numer", "12", ""],
        ["Anna", "Kowalska", "602 000 002", ""]]


def post_file(client, data, name="kontakty.csv"):
    return client.post(reverse("contacts:imports"), {"file": SimpleUploadedFile(name, data)})


def test_only_importers_get_in(client, client_for, agent, home_agent, receptionist, manager):
    imp = upload(manager, ROWS)
    urls = [reverse("contacts:imports"), reverse("contacts:import_mapping", args=[imp.pk]),
            reverse("contacts:import_preview", args=[imp.pk]), reverse("contacts:import_detail", args=[imp.pk]),
            reverse("contacts:import_errors", args=[imp.pk])]
    for user in (agent, home_agent, receptionist):
        other = client_for(user)
        for url in urls:
            assert other.get(url).status_code == 403, url
        assert post_file(other, csv_bytes(ROWS)).status_code == 403
        assert other.post(reverse("contacts:import_start", args=[imp.pk])).status_code == 403
    assert client.get(urls[0]).status_code == 302
    assert ContactImport.objects.count() == 1 and imp.state == ImportState.UPLOADED
    assert client_for(manager).get(reverse("contacts:import_mapping", args=[99999])).status_code == 404


def test_upload_then_mapping_shows_the_guess_and_samples(client_for, manager):
    client = client_for(manager)
    answer = post_file(client, csv_bytes(ROWS, delimiter=";", encoding="windows-1250"))
    imp = ContactImport.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse("contacts:import_mapping", args=[imp.pk])
    html = client.get(answer["Location"]).content.decode()
    assert "The file has 3 rows of data." in html and "Zły" in html and "601 000 001" in html
    assert '<option value="windows-1250" selected>' in html and '<option value=";" selected>' in html
    assert '<option value="phone" selected>' in html and '<option value="last_name" selected>' in html


@pytest.mark.parametrize("name,data,message", [
    ("kontakty.csv", b"", "The file is empty."),
    ("zdjecie.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01", "not a CSV or XLSX"),
    ("kontakty.csv", b'Name\r\n"Jan\r\n', "not a well-formed CSV"),
])
def test_bad_uploads_get_a_clear_error(client_for, manager, name, data, message):
    answer = post_file(client_for(manager), data, name)
    assert answer.status_code == 400 and message in answer.content.decode()
    assert not ContactImport.objects.exists()


def test_an_oversized_upload_is_refused_before_reading(client_for, manager, monkeypatch):
    monkeypatch.setattr(importfile, "MAX_BYTES", 50)
    answer = post_file(client_for(manager), csv_bytes(ROWS * 5))
    assert answer.status_code == 400 and "too large" in answer.content.decode()
    answer = client_for(manager).post(reverse("contacts:imports"), {})
    assert answer.status_code == 400 and "Choose a CSV or XLSX file" in answer.content.decode()


def test_mapping_errors_and_reading_again(client_for, manager):
    client = client_for(manager)
    imp = upload(manager, ROWS)
    url = reverse("contacts:import_mapping", args=[imp.pk])
    data = {"mapping": ["first_name", "first_name", "phone", "email"], "duplicates": "skip", "group_name": "Targi",
            "encoding": "utf-8", "delimiter": ",", "has_header": "1"}
    answer = client.post(url, data)
    assert answer.status_code == 400 and "can be chosen for one column only" in answer.content.decode()
    answer = client.post(url, {**data, "has_header": ""})  # the first row is data after all
    assert answer.status_code == 302 and answer["Location"] == url
    imp.refresh_from_db()
    assert not imp.has_header and imp.total_rows == 4
    answer = client.post(url, {**data, "has_header": "1", "mapping": ["first_name", "last_name", "phone", "email"]})
    imp.refresh_from_db()
    assert imp.has_header and imp.total_rows == 3 and answer.status_code == 302  # read again first
    answer = client.post(url, {**data, "mapping": ["first_name", "last_name", "phone", "email"]})
    assert answer.status_code == 302 and answer["Location"] == reverse("contacts:import_preview", args=[imp.pk])
    imp.refresh_from_db()
    assert imp.options["group_name"] == "Targi"


def test_the_whole_flow_with_progress_result_errors_and_cases_for_the_group(
        client_for, manager, agent, rental, django_capture_on_commit_callbacks):
    client = client_for(manager)
    imp = upload(manager, ROWS)
    importing.do_set_mapping(manager, imp, mapping=imp.mapping, duplicates="skip", group_name="Targi 2026")
    html = client.get(reverse("contacts:import_preview", args=[imp.pk])).content.decode()
    assert 'data-outcome="error"' in html and "“12” is not a valid phone number." in html
    assert html.count('data-outcome="create"') == 2 and "Import 3 rows" in html
    assert not Contact.objects.exists()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answer = client.post(reverse("contacts:import_start", args=[imp.pk]))
    detail = reverse("contacts:import_detail", args=[imp.pk])
    assert answer.status_code == 302 and answer["Location"] == detail
    imp.refresh_from_db()
    assert imp.state == ImportState.QUEUED and imp.group.name == "Targi 2026"
    progress = client.get(detail, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in progress and 'value="0"' in progress and "<html" not in progress
    assert client.get(reverse("contacts:import_mapping", args=[imp.pk]))["Location"] == detail  # no going back

    for callback in callbacks:
        callback()
    if settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend":
        from django_tasks_db.models import DBTaskResult

        queued = DBTaskResult.objects.get()
        assert queued.task_path.endswith("run_contact_import") and queued.args_kwargs["args"] == [imp.pk]
    importing.run_contact_import.call(imp.pk)  # as the worker runs it
    progress = client.get(detail, headers={"HX-Request": "true"}).content.decode()
    assert "every 1s" not in progress and 'value="100"' in progress and "3 of 3 rows (100%)" in progress
    assert 'data-testid="import-created">2<' in progress and 'data-testid="import-error-count">1<' in progress
    assert "“12” is not a valid phone number." in progress

    errors = client.get(reverse("contacts:import_errors", args=[imp.pk]))
    text = b"".join(errors.streaming_content).decode("utf-8-sig")
    assert text.splitlines() == ["Row,Problem", "3,“12” is not a valid phone number."]

    page = client.get(detail).content.decode()
    assert f'href="/contacts/?import_group={imp.group_id}"' in page and 'data-testid="import-create-cases"' in page
    listed = client.get(reverse("contacts:list"), {"import_group": imp.group_id}).content.decode()
    assert "Jan Nowak" in listed and "Anna Kowalska" in listed

    data = {"all": "1", "query": f"import_group={imp.group_id}", "back": detail, "campaign": rental.pk,
            "owner": agent.pk, "skip_open": "1"}
    confirm = client.post(reverse("contacts:bulk_create_cases"), data).content.decode()
    assert "for each of 2 contacts" in confirm and "Owner: Agent Test." in confirm
    answer = client.post(reverse("contacts:bulk_create_cases"), {**data, "go": "1"})
    job = BulkJob.objects.get()
    assert answer.status_code == 302 and job.changed == 2 and job.action == "create_cases"
    assert set(Case.objects.values_list("contact__last_name", "owner")) == {("Nowak", agent.pk), ("Kowalska", agent.pk)}


def test_recent_imports_are_listed(client_for, manager):
    upload(manager, ROWS, name="targi.csv")
    html = client_for(manager).get(reverse("contacts:imports")).content.decode()
    assert "targi.csv" in html and "Uploaded: choose the columns" in html
