"""Scripts (CMP-02, TPL-02): list, create empty / from a ready process / from a file, export, edit, delete."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from centrala.audit.models import AuditEntry
from centrala.campaigns import actions
from centrala.campaigns.models import Form, FormField, Script, Status
from centrala.campaigns.processes import export_process, load_builtin

LIST = reverse("campaigns:scripts")
CREATE = reverse("campaigns:script_create")


def edit_url(script):
    return reverse("campaigns:script_edit", args=[script.pk])


def upload(content, name="process.json"):
    if isinstance(content, dict):
        content = json.dumps(content)
    if isinstance(content, str):
        content = content.encode("utf-8")
    return SimpleUploadedFile(name, content, content_type="application/json")


def test_list_shows_scripts_with_their_forms_and_use(client_for, manager, rental, django_assert_max_num_queries):
    actions.do_create_script(manager, name="Draft")
    client = client_for(manager)
    with django_assert_max_num_queries(6):
        response = client.get(LIST)
    scripts = {s.name: s for s in response.context["scripts"]}
    assert scripts["Vehicle rental"].status_count == 8 and scripts["Vehicle rental"].campaign_count == 1
    assert scripts["Draft"].status_count == 0
    body = response.content.decode()
    assert "None: cases cannot start" in body
    assert reverse("campaigns:script_export", args=[rental.script.pk]) in body


def test_create_an_empty_script(client_for, manager):
    response = client_for(manager).post(CREATE, {"source": "empty", "name": "Lead generation"})
    script = Script.objects.get(name="Lead generation")
    assert response.status_code == 302 and response["Location"] == edit_url(script)
    assert not script.statuses.exists() and script.form is None
    assert AuditEntry.objects.get(action="script.create").actor == manager


def test_an_empty_script_needs_a_name(client_for, manager):
    response = client_for(manager).post(CREATE, {"source": "empty", "name": "  "})
    assert response.status_code == 400
    assert "Enter a name for the new script." in response.content.decode()
    assert not Script.objects.exists()


def test_create_from_ready_processes(client_for, manager):
    client = client_for(manager)
    assert client.post(CREATE, {"source": "vehicle_rental"}).status_code == 302
    assert client.post(CREATE, {"source": "customer_service", "name": "Hotline"}).status_code == 302
    rental = Script.objects.get(name="Vehicle rental")
    assert rental.initial_status.name == "New" and rental.form.fields.count() == 10
    assert Script.objects.get(name="Hotline").statuses.exists()
    assert AuditEntry.objects.filter(action="script.import").count() == 2


def test_a_ready_process_twice_needs_another_name(client_for, manager):
    client = client_for(manager)
    client.post(CREATE, {"source": "vehicle_rental"})
    response = client.post(CREATE, {"source": "vehicle_rental"})
    assert response.status_code == 400
    assert "A script named “Vehicle rental” already exists." in response.content.decode()
    assert Script.objects.count() == 1 and Form.objects.count() == 1
    assert client.post(CREATE, {"source": "vehicle_rental", "name": "Vans"}).status_code == 302


def test_upload_a_process_file(client_for, manager):
    data = load_builtin("customer_service")
    response = client_for(manager).post(CREATE, {"source": "upload", "name": "", "document": upload(data)})
    assert response.status_code == 302
    script = Script.objects.get(name=data["script"]["name"])
    assert export_process(script)["script"]["statuses"] == [
        {"callback_rule": "none", **s} if "callback_rule" not in s else s for s in data["script"]["statuses"]
    ]


def test_upload_refuses_bad_json_and_creates_nothing(client_for, manager):
    client = client_for(manager)
    response = client.post(CREATE, {"source": "upload", "document": upload('{"format": "centrala-process/1", ')})
    assert response.status_code == 400
    assert "The file is not valid JSON (line 1" in response.content.decode()
    response = client.post(CREATE, {"source": "upload", "document": upload(b"\xff\xfe\x00garbage")})
    assert "not UTF-8 text" in response.content.decode()
    response = client.post(CREATE, {"source": "upload"})
    assert "Choose the process file to upload." in response.content.decode()
    assert not Script.objects.exists() and not Status.objects.exists() and not AuditEntry.objects.exists()


def test_upload_refuses_a_bad_document_and_creates_nothing(client_for, manager):
    client = client_for(manager)
    bad_type = load_builtin("vehicle_rental")
    bad_type["script"]["statuses"][2]["type"] = "maybe_later"
    response = client.post(CREATE, {"source": "upload", "document": upload(bad_type)})
    assert response.status_code == 400
    assert "Unknown status type “maybe_later”" in response.content.decode()
    response = client.post(CREATE, {"source": "upload", "document": upload({"hello": "world"})})
    assert "This is not a Centrala process file" in response.content.decode()
    response = client.post(CREATE, {"source": "upload", "document": upload("[1, 2, 3]")})
    assert "This is not a Centrala process file" in response.content.decode()
    # A fault late in the document (the form) must not leave the statuses behind.
    late = load_builtin("vehicle_rental")
    late["script"]["form"]["fields"][-1]["sets_status"] = "Nonexistent"
    response = client.post(CREATE, {"source": "upload", "document": upload(late)})
    assert "sets the unknown status “Nonexistent”" in response.content.decode()
    assert not Script.objects.exists() and not Status.objects.exists() and not FormField.objects.exists()


def test_export_downloads_json_that_imports_again(client_for, manager, rental):
    client = client_for(manager)
    response = client.get(reverse("campaigns:script_export", args=[rental.script.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == 'attachment; filename="vehicle-rental.json"'
    exported = json.loads(response.content)
    response = client.post(CREATE, {"source": "upload", "name": "Copy", "document": upload(exported)})
    assert response.status_code == 302
    copy = Script.objects.get(name="Copy")
    again = export_process(copy)
    again["script"]["name"] = exported["script"]["name"]
    assert again == exported


def test_edit_the_call_script_initial_status_and_form(client_for, manager, rental):
    script = rental.script
    client = client_for(manager)
    waiting = script.statuses.get(name="Waiting for availability")
    response = client.post(edit_url(script), {
        "name": "Vehicle rental", "description": "Say hello.", "initial_status": waiting.pk,
        "form": str(script.form_id),
    })
    assert response.status_code == 302
    script.refresh_from_db()
    assert script.description == "Say hello." and script.initial_status == waiting
    entry = AuditEntry.objects.get(action="script.update")
    assert entry.changes["initial_status"] == ["New", "Waiting for availability"]


def test_a_script_gets_a_new_empty_form_or_none(client_for, manager):
    script = actions.do_create_script(manager, name="Survey")
    start = actions.do_save_status(manager, Status(), script=script, name="Start", type="unused")
    client = client_for(manager)
    data = {"name": "Survey", "description": "", "initial_status": start.pk, "form": "new"}
    assert client.post(edit_url(script), data).status_code == 302
    script.refresh_from_db()
    assert script.form.name == "Survey" and not script.form.fields.exists()
    assert client.post(edit_url(script), {**data, "form": ""}).status_code == 302
    script.refresh_from_db()
    assert script.form is None


def test_script_edit_refuses_bad_choices(client_for, manager, rental, service):
    client = client_for(manager)
    script = rental.script
    other_status = service.script.statuses.first()
    data = {"name": "customer SERVICE", "description": "", "initial_status": other_status.pk,
            "form": str(service.script.form_id)}
    response = client.post(edit_url(script), data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "already exists" in errors["name"][0]
    assert "initial_status" in errors and "form" in errors  # neither is offered for this script
    script.refresh_from_db()
    assert script.name == "Vehicle rental" and script.form.name == "Vehicle rental"
    # The action itself refuses another script's form.
    try:
        actions.do_save_script(manager, script, name="Vehicle rental", description="",
                               initial_status=script.initial_status, form=service.script.form)
    except Exception as error:
        assert "belongs to the script “Customer service”" in str(error)
    else:
        raise AssertionError("another script's form was taken")


def test_delete_an_unused_script_with_its_form(client_for, manager, rental):
    client = client_for(manager)
    client.post(CREATE, {"source": "vehicle_rental", "name": "Spare"})
    spare = Script.objects.get(name="Spare")
    response = client.post(reverse("campaigns:script_delete", args=[spare.pk]))
    assert response.status_code == 302 and response["Location"] == LIST
    assert not Script.objects.filter(name="Spare").exists() and Form.objects.count() == 1
    assert AuditEntry.objects.filter(action="script.delete").exists()


def test_a_script_in_use_cannot_be_deleted(client_for, manager, rental):
    response = client_for(manager).post(reverse("campaigns:script_delete", args=[rental.script.pk]), follow=True)
    assert "Campaigns use this script (Vehicle rental)" in response.content.decode()
    assert Script.objects.filter(pk=rental.script.pk).exists()
