"""Building web forms (WEB-01): administrators only; what the editor refuses; preview and snippet."""

from centrala.audit.models import AuditEntry
from centrala.webforms.models import WebForm

from .conftest import ORIGIN


def test_only_administrators_manage_web_forms(manager, agent, client_for, webform, client):
    for user in (manager, agent):
        c = client_for(user)
        for url in ("/forms/", "/forms/new/", f"/forms/{webform.pk}/", f"/forms/{webform.pk}/preview/"):
            assert c.get(url).status_code == 403
        assert c.post(f"/forms/{webform.pk}/active/", {"active": "0"}).status_code == 403
    webform.refresh_from_db()
    assert webform.is_active
    assert client.get("/forms/").status_code == 302  # anonymous: to sign-in


def test_the_menu_shows_web_forms_to_administrators(administrator, manager, client_for):
    assert 'href="/forms/"' in client_for(administrator).get("/").content.decode()
    assert 'href="/forms/"' not in client_for(manager).get("/").content.decode()


def test_an_administrator_creates_a_form_then_chooses_fields_and_websites(administrator, client_for, rental):
    client = client_for(administrator)
    assert client.post("/forms/new/", {"name": "", "campaign": ""}).status_code == 400
    answer = client.post("/forms/new/", {"name": "Contact us", "campaign": rental.pk})
    webform = WebForm.objects.get()
    assert answer["Location"] == f"/forms/{webform.pk}/" and not webform.is_active  # off until configured
    page = client.get(f"/forms/{webform.pk}/").content.decode()
    assert 'name="include:form.vehicle_type"' in page and 'name="include:email" value="1" checked' in page
    assert f"/forms/f/{webform.key}/embed.js" in page and 'data-centrala-form' in page  # the snippet
    answer = client.post(f"/forms/{webform.pk}/", {
        "name": "Contact us", "is_active": "1", "allowed_origins": "https://www.example.com/\nhttps://shop.example.com",
        "per_ip_per_hour": "5", "per_form_per_hour": "100",
        "include:email": "1", "required:email": "1", "position:email": "2",
        "include:last_name": "1", "label:last_name": "Surname", "position:last_name": "1",
    })
    assert answer.status_code == 302
    webform.refresh_from_db()
    assert webform.is_active and webform.origins() == ["https://www.example.com", "https://shop.example.com"]
    assert webform.fields == [{"name": "last_name", "label": "Surname", "required": False},
                              {"name": "email", "label": "E-mail", "required": True}]
    assert AuditEntry.objects.filter(action="webform.update", object_id=str(webform.pk)).exists()


def test_the_editor_refuses_bad_settings_and_keeps_what_was_typed(administrator, client_for, webform):
    answer = client_for(administrator).post(f"/forms/{webform.pk}/", {
        "name": "Book a van", "allowed_origins": "www.example.com\nhttps://ok.example/path",
        "per_ip_per_hour": "0", "per_form_per_hour": "x",
        "include:first_name": "1", "include:form.vehicle_type": "1", "required:form.vehicle_type": "1",
        "send_confirmation": "1",
    })
    page = answer.content.decode()
    assert answer.status_code == 400
    assert "Not a website address: www.example.com, https://ok.example/path." in page
    assert "Enter a whole number from 1 to 1000." in page
    assert "Ask for an e-mail address or a phone number" in page
    assert "The campaign&#x27;s form requires “Pick-up time”" in page
    assert "Write the text of the confirmation e-mail." in page
    assert "www.example.com\nhttps://ok.example/path</textarea>" in page  # what was typed is kept
    webform.refresh_from_db()
    assert webform.origins() == [ORIGIN]  # nothing saved


def test_switching_a_form_off_and_previewing_it(administrator, client_for, webform):
    client = client_for(administrator)
    assert client.post(f"/forms/{webform.pk}/active/", {"active": "0"}).status_code == 302
    webform.refresh_from_db()
    assert not webform.is_active
    page = client.get(f"/forms/{webform.pk}/preview/").content.decode()
    assert 'name="form.vehicle_type"' in page and "Your name *" in page and 'name="website"' in page
    assert 'style="' not in page.split('data-testid="webform-preview"')[1]  # our CSP: no inline styles
