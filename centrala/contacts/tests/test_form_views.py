"""Creating and editing contacts in the pages: kind first, rows of numbers, duplicates, conflicts,
the case card's dialog (htmx) and who may do it."""

import json

import pytest

from centrala.contacts.models import Contact, ContactKind, FieldKind


def person(**data):
    return {"kind": "person", "first_name": "Anna", "last_name": "Nowak", "phone": ["602 000 111"],
            "phone_label": ["mobile"], "email": ["anna@example.com"], "email_label": [""], **data}


# --- create ---------------------------------------------------------------------------------------

def test_create_asks_person_or_company_first(client_for, agent):
    html = client_for(agent).get("/contacts/new/").content.decode()
    assert 'data-kind="person"' in html and 'data-kind="company"' in html
    assert "<form" not in html.split('data-testid="contact-editor"')[1] or 'data-testid="contact-form"' not in html


def test_fields_adapt_to_the_kind(client_for, agent):
    client = client_for(agent)
    person_html = client.get("/contacts/new/?kind=person").content.decode()
    assert 'name="first_name"' in person_html and 'name="company_name"' not in person_html
    company_html = client.get("/contacts/new/?kind=company").content.decode()
    assert 'name="company_name"' in company_html and 'name="tax_id"' in company_html
    assert 'name="first_name"' not in company_html


def test_create_a_person_with_several_numbers(client_for, agent):
    response = client_for(agent).post("/contacts/new/", person(
        phone=["602 000 111", "", "+49 30 9876543"], phone_label=["mobile", "", "Berlin"],
        email=["anna@example.com", "anna.work@example.com"], email_label=["", "work"],
    ))
    contact = Contact.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/contacts/{contact.pk}/"
    assert contact.kind == ContactKind.PERSON and contact.created_by == agent
    assert [(p.e164, p.label) for p in contact.phones.all()] == [("+48602000111", "mobile"), ("+49309876543", "Berlin")]
    assert [e.address for e in contact.emails.all()] == ["anna@example.com", "anna.work@example.com"]


def test_create_a_company(client_for, agent):
    client_for(agent).post("/contacts/new/", {"kind": "company", "company_name": "Hotel Mazury S.A.", "tax_id": "123",
                                              "phone": [""], "email": [""]})
    company = Contact.objects.get()
    assert (company.kind, company.display_name, company.tax_id) == ("company", "Hotel Mazury S.A.", "123")


def test_invalid_number_is_shown_on_its_row_and_nothing_is_lost(client_for, agent):
    response = client_for(agent).post("/contacts/new/", person(phone=["602 000 111", "12345"], phone_label=["", "old"],
                                                               email=["nope"], email_label=[""]))
    assert response.status_code == 400
    html = response.content.decode()
    assert "“12345” is not a valid phone number" in html
    assert "“nope” is not a valid e-mail address" in html
    assert 'value="12345"' in html and 'value="old"' in html and 'value="Nowak"' in html
    assert not Contact.objects.exists()


def test_missing_kind_is_refused(client_for, agent):
    response = client_for(agent).post("/contacts/new/", {"last_name": "X"})
    assert response.status_code == 400
    assert "person or a company" in response.content.decode()
    assert not Contact.objects.exists()


def test_duplicate_warning_on_create_then_save_anyway(client_for, agent, contact):
    client = client_for(agent)
    response = client.post("/contacts/new/", person(phone=["0048601234567"], email=["JAN.KOWALSKI@example.com"]))
    assert response.status_code == 200
    html = response.content.decode()
    warning = html.split('data-testid="duplicate-warning"')[1].split("</div>")[0]
    assert f'href="/contacts/{contact.pk}/"' in warning and "Jan Kowalski" in warning
    assert "601 234 567" in warning and "jan.kowalski@example.com" in warning
    assert 'data-testid="save-anyway"' in html
    assert Contact.objects.count() == 1

    response = client.post("/contacts/new/", person(phone=["0048601234567"], confirm_duplicates="1"))
    assert response.status_code == 302
    assert Contact.objects.count() == 2


def test_live_duplicate_check(client_for, agent, contact):
    client = client_for(agent)
    html = client.get("/contacts/duplicates/?phone=601-234-567&phone=&email=").content.decode()
    assert "Jan Kowalski" in html and 'data-testid="duplicate-warning"' in html
    assert client.get("/contacts/duplicates/?phone=602000111").content.decode().strip() == ""
    # Editing the contact itself: its own number is no duplicate.
    assert client.get(f"/contacts/duplicates/?phone=601234567&contact={contact.pk}").content.decode().strip() == ""
    assert client.get("/contacts/duplicates/?contact=999999").status_code == 404


def test_return_url_is_followed_only_when_it_is_ours(client_for, agent):
    client = client_for(agent)
    response = client.post("/contacts/new/", person(**{"return": "/cases/"}))
    assert response["Location"] == "/cases/"
    response = client.post("/contacts/new/", person(phone=["603 000 111"], email=[""], **{"return": "https://evil.example/"}))
    assert response["Location"].startswith("/contacts/")


def test_dialog_from_a_case_card(client_for, agent, rental, contact, make_case, contact_field):
    case = make_case(rental, contact)
    contact_field("driving_licence", "Driving licence", required=True, campaign=rental)
    client = client_for(agent)
    headers = {"HX-Request": "true"}
    html = client.get(f"/contacts/new/?for_case={case.pk}&return=/cases/", headers=headers).content.decode()
    assert "<html" not in html and 'data-contact-editor' in html
    assert f"for_case={case.pk}" in html and "hx-get=" in html
    html = client.get(f"/contacts/new/?for_case={case.pk}&kind=person", headers=headers).content.decode()
    assert "hx-post=" in html and f'name="for_case" value="{case.pk}"' in html
    assert "Driving licence" in html  # the campaign's field, required there

    response = client.post("/contacts/new/", person(for_case=case.pk), headers=headers)
    assert response.status_code == 200  # htmx swaps only 2xx answers
    assert "“Driving licence” is required." in response.content.decode()
    assert "HX-Trigger" not in response

    response = client.post("/contacts/new/", person(for_case=case.pk, x_driving_licence="B/123"), headers=headers)
    created = Contact.objects.get(last_name="Nowak")
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"]) == {
        "contactCreated": {"id": created.pk, "name": "Anna Nowak", "for_case": case.pk}
    }
    assert 'data-testid="contact-created"' in response.content.decode()
    assert created.extra == {"driving_licence": "B/123"}


def test_dialog_for_a_case_the_agent_cannot_see_is_404(client_for, agent, service, contact, make_case):
    hidden = make_case(service, contact)
    client = client_for(agent)
    assert client.get(f"/contacts/new/?for_case={hidden.pk}").status_code == 404
    assert client.post("/contacts/new/", person(for_case=hidden.pk)).status_code == 404
    assert client.get("/contacts/new/?for_case=abc").status_code == 404
    assert not Contact.objects.filter(last_name="Nowak").exists()


# --- edit -----------------------------------------------------------------------------------------

def edit_data(contact, **data):
    return {"version": contact.version, "first_name": contact.first_name, "last_name": contact.last_name,
            "phone": [p.raw for p in contact.phones.all()], "phone_label": [p.label for p in contact.phones.all()],
            "email": [e.address for e in contact.emails.all()], "email_label": [e.label for e in contact.emails.all()],
            "street": "", "postal_code": "", "city": "", "country": "", **data}


def test_edit_shows_the_values_and_saves(client_for, agent, contact):
    client = client_for(agent)
    html = client.get(f"/contacts/{contact.pk}/edit/").content.decode()
    assert 'value="Kowalski"' in html and 'value="+48 601-234-567"' in html and 'name="version" value="1"' in html
    response = client.post(f"/contacts/{contact.pk}/edit/", edit_data(contact, city="Kraków", phone=["+48 601-234-567", "602 000 111"],
                                                                        phone_label=["", "home"]))
    assert response.status_code == 302 and response["Location"] == f"/contacts/{contact.pk}/"
    contact.refresh_from_db()
    assert contact.city == "Kraków" and contact.version == 2
    assert [p.label for p in contact.phones.all()] == ["", "home"]


def test_kind_cannot_be_changed_in_the_form(client_for, agent, contact):
    client = client_for(agent)
    html = client.get(f"/contacts/{contact.pk}/edit/").content.decode()
    assert 'name="kind"' not in html and 'name="company_name"' not in html
    client.post(f"/contacts/{contact.pk}/edit/", edit_data(contact, kind="company", company_name="Kowalski SA"))
    contact.refresh_from_db()
    assert contact.kind == "person" and contact.company_name == ""


def test_edit_after_someone_else_saved_shows_the_conflict(client_for, agent, home_agent, contact):
    from centrala.contacts.actions import do_update_contact

    do_update_contact(home_agent, contact, 1, city="Gdańsk")
    client = client_for(agent)
    response = client.post(f"/contacts/{contact.pk}/edit/", edit_data(contact, version=1, city="Kraków"))
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="conflict"' in html and "Homeagent Test" in html
    assert 'value="Kraków"' in html  # the user's typing is kept
    assert 'name="version" value="2"' in html
    contact.refresh_from_db()
    assert contact.city == "Gdańsk"
    # Saving again, knowingly, replaces it.
    response = client.post(f"/contacts/{contact.pk}/edit/", edit_data(contact, version=2, city="Kraków"))
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.city == "Kraków"


def test_edit_warns_only_about_new_duplicates(client_for, agent, contact, make_contact):
    make_contact("Jan", "Kowalski", phones=["601234567"])  # already known, accepted
    twin = make_contact("Ewa", "Bliźniak", emails=["ewa@example.com"])
    client = client_for(agent)
    response = client.post(f"/contacts/{contact.pk}/edit/", edit_data(contact, city="Opole"))
    assert response.status_code == 302
    contact.refresh_from_db()
    response = client.post(f"/contacts/{contact.pk}/edit/", edit_data(contact, email=["jan.kowalski@example.com", "ewa@example.com"],
                                                                        email_label=["", ""]))
    assert response.status_code == 200 and "Ewa Bliźniak" in response.content.decode()
    assert f"/contacts/{twin.pk}/" in response.content.decode()


def test_fields_agents_may_not_edit_are_shown_disabled(client_for, agent, manager, contact, contact_field):
    contact_field("credit_limit", "Credit limit", kind=FieldKind.NUMBER, editable_by_agents=False)
    contact.extra = {"credit_limit": "5000"}
    contact.save()
    html = client_for(agent).get(f"/contacts/{contact.pk}/edit/").content.decode()
    assert 'name="x_credit_limit" value="5000"' in html and "disabled" in html.split('name="x_credit_limit"')[1].split(">")[0]
    # A forged value is ignored: disabled fields keep their value.
    client_for(agent).post(f"/contacts/{contact.pk}/edit/", edit_data(contact, x_credit_limit="99999"))
    contact.refresh_from_db()
    assert contact.extra == {"credit_limit": "5000"}
    client_for(manager).post(f"/contacts/{contact.pk}/edit/", edit_data(contact, x_credit_limit="7000"))
    contact.refresh_from_db()
    assert contact.extra == {"credit_limit": "7000"}


def test_edit_unknown_contact_is_404(client_for, agent):
    assert client_for(agent).get("/contacts/999999/edit/").status_code == 404


# --- who may ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["receptionist", "specialist"])
def test_roles_without_case_work_get_403(request, role, client_for, contact):
    client = client_for(request.getfixturevalue(role))
    for path in ["/contacts/", "/contacts/new/", f"/contacts/{contact.pk}/edit/", "/contacts/suggest/?q=Jan",
                 "/contacts/duplicates/?phone=601234567"]:
        assert client.get(path).status_code == 403, path
    assert client.post("/contacts/new/", person()).status_code == 403
    assert not Contact.objects.filter(last_name="Nowak").exists()


def test_anonymous_goes_to_login(client, contact):
    for path in ["/contacts/", "/contacts/new/", f"/contacts/{contact.pk}/edit/", "/contacts/suggest/?q=Jan",
                 "/contacts/duplicates/"]:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), path


def test_edit_in_a_dialog_announces_the_change(client_for, agent, contact):
    client = client_for(agent)
    headers = {"HX-Request": "true"}
    html = client.get(f"/contacts/{contact.pk}/edit/", headers=headers).content.decode()
    assert "<html" not in html and "hx-post=" in html
    response = client.post(f"/contacts/{contact.pk}/edit/", edit_data(contact, email=["jan@example.com"], email_label=[""]),
                           headers=headers)
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"]) == {"contactUpdated": {"id": contact.pk, "name": "Jan Kowalski", "version": 2}}
    assert 'data-testid="contact-saved"' in response.content.decode()


def test_all_errors_are_shown_at_once(client_for, agent, contact, contact_field):
    contact_field("pesel", "PESEL", required=True)
    client = client_for(agent)
    html = client.post("/contacts/new/", person(phone=["12"], email=["nope"])).content.decode()
    assert "“PESEL” is required." in html and "“12” is not a valid phone number" in html and "“nope”" in html
    response = client.post(f"/contacts/{contact.pk}/edit/", edit_data(contact, phone=["12", "0048601234567"],
                                                                        phone_label=["", ""], x_pesel=""))
    html = response.content.decode()
    assert response.status_code == 400
    assert "“PESEL” is required." in html and "“12” is not a valid phone number" in html
    assert 'data-testid="duplicate-warning"' not in html
