"""Contacts over the API: search, read, create (422, duplicates), update (409), consents."""

import pytest
from django.test import Client

from centrala.contacts.models import ConsentEvent, Contact


def test_search_in_any_phone_format(api_client, agent, contact, make_contact):
    make_contact("Anna", "Nowak", phones=["602 000 111"])
    client = api_client(agent)
    for q in ["+48 601-234-567", "601234567", "0048601234567", "jan.kowalski@example.com", "Kowalski", f"#{contact.pk}"]:
        body = client.get("/api/v1/contacts", {"q": q}).json()
        assert [c["id"] for c in body["items"]] == [contact.pk], q
        assert body["count"] == 1
    item = client.get("/api/v1/contacts", {"q": "601234567"}).json()["items"][0]
    assert item["phones"] == [{"number": "+48 601-234-567", "e164": "+48601234567", "label": ""}]
    assert item["emails"] == [{"address": "jan.kowalski@example.com", "label": ""}]
    assert client.get("/api/v1/contacts").json()["count"] == 2


def test_list_is_paginated_without_extra_queries(api_client, agent, make_contact, django_assert_max_num_queries):
    for number in range(12):
        make_contact("Jan", f"Nowak{number:02d}", phones=[f"602 000 {number:03d}"])
    client = api_client(agent)
    client.get("/api/v1/contacts")
    with django_assert_max_num_queries(5):  # token, count, contacts, phones, e-mails
        page = client.get("/api/v1/contacts", {"page": 2, "page_size": 5}).json()
    assert page["count"] == 12 and len(page["items"]) == 5


def test_get_one_and_404(api_client, agent, contact):
    client = api_client(agent)
    body = client.get(f"/api/v1/contacts/{contact.pk}").json()
    assert (body["id"], body["kind"], body["display_name"], body["version"]) == (contact.pk, "person", "Jan Kowalski", 1)
    response = client.get("/api/v1/contacts/999999")
    assert response.status_code == 404 and "contact" in response.json()["detail"]


def test_create_returns_201_with_duplicates(api_client, agent, contact):
    response = api_client(agent).post("/api/v1/contacts", {
        "kind": "person", "first_name": "Janek", "last_name": "Kowalski",
        "phones": ["0048601234567", {"number": "22 654 32 10", "label": "office"}], "emails": ["new@example.com"],
    }, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["display_name"] == "Janek Kowalski" and body["version"] == 1
    assert [p["e164"] for p in body["phones"]] == ["+48601234567", "+48226543210"]
    assert body["duplicates"] == [{"id": contact.pk, "display_name": "Jan Kowalski", "matched": ["601 234 567"]}]
    assert Contact.objects.get(pk=body["id"]).created_by == agent


def test_create_a_company_without_duplicates(api_client, agent):
    response = api_client(agent).post("/api/v1/contacts", {"kind": "company", "company_name": "Hotel Mazury S.A."},
                                      content_type="application/json")
    assert response.status_code == 201 and response.json()["duplicates"] == []


def test_create_refuses_invalid_phone_and_email_with_field_details(api_client, agent):
    response = api_client(agent).post("/api/v1/contacts", {
        "kind": "person", "last_name": "Nowak", "phones": ["601 234 567", "12"], "emails": ["nope"],
    }, content_type="application/json")
    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert set(errors) == {"phones.1", "emails.0"}
    assert "“12” is not a valid phone number" in errors["phones.1"]
    assert not Contact.objects.exists()


def test_create_refuses_bad_types_and_unknown_campaigns(api_client, agent):
    client = api_client(agent)
    response = client.post("/api/v1/contacts", {"kind": "robot"}, content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "kind"
    response = client.post("/api/v1/contacts", {"kind": "person", "last_name": "X", "campaign_id": 999},
                           content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "campaign_id"
    response = client.post("/api/v1/contacts", "{not json", content_type="application/json")
    assert response.status_code == 400


def test_a_campaign_field_is_refused_for_a_contact_not_of_its_campaign(api_client, agent, rental, service,
                                                                        contact_field):
    contact_field("fleet_size", campaign=service)
    client = api_client(agent)
    for campaign_id in (None, rental.pk):
        response = client.post("/api/v1/contacts", {
            "kind": "person", "last_name": "Nowak", "extra": {"fleet_size": "3"}, "campaign_id": campaign_id,
        }, content_type="application/json")
        assert response.status_code == 422, response.content
        assert {e["field"]: e["message"] for e in response.json()["errors"]} == {
            "extra.fleet_size": "There is no contact field “fleet_size”."}
    assert not Contact.objects.exists()
    contact_field("fleet", campaign=rental)  # the campaign the contact is created for: accepted
    response = client.post("/api/v1/contacts", {
        "kind": "person", "last_name": "Nowak", "extra": {"fleet": "3"}, "campaign_id": rental.pk,
    }, content_type="application/json")
    assert response.status_code == 201 and response.json()["extra"] == {"fleet": "3"}


def test_update_with_version(api_client, agent, contact):
    client = api_client(agent)
    response = client.patch(f"/api/v1/contacts/{contact.pk}", {"version": 1, "city": "Kraków", "emails": []},
                            content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["city"], body["emails"], body["version"], body["first_name"]) == ("Kraków", [], 2, "Jan")


def test_update_from_a_stale_version_is_409(api_client, agent, contact):
    client = api_client(agent)
    client.patch(f"/api/v1/contacts/{contact.pk}", {"version": 1, "city": "Kraków"}, content_type="application/json")
    response = client.patch(f"/api/v1/contacts/{contact.pk}", {"version": 1, "city": "Gdańsk"},
                            content_type="application/json")
    assert response.status_code == 409
    assert response.json()["current_version"] == 2 and "version" in response.json()["detail"]
    contact.refresh_from_db()
    assert contact.city == "Kraków"


def test_update_refuses_kind_change_invalid_phone_and_missing_version(api_client, agent, contact):
    client = api_client(agent)
    url = f"/api/v1/contacts/{contact.pk}"
    response = client.patch(url, {"version": 1, "kind": "company"}, content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "kind"
    response = client.patch(url, {"version": 1, "phones": ["601 234 567", "abc"]}, content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "phones.1"
    response = client.patch(url, {"city": "Kraków"}, content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "version"
    assert client.patch("/api/v1/contacts/999999", {"version": 1}, content_type="application/json").status_code == 404
    contact.refresh_from_db()
    assert contact.version == 1


def test_update_reports_new_duplicates(api_client, agent, contact, make_contact):
    twin = make_contact("Ewa", "Nowak", emails=["ewa@example.com"])
    response = api_client(agent).patch(f"/api/v1/contacts/{contact.pk}", {"version": 1, "emails": ["ewa@example.com"]},
                                       content_type="application/json")
    assert response.status_code == 200
    assert [d["id"] for d in response.json()["duplicates"]] == [twin.pk]


def test_consents(api_client, agent, contact, consent_types):
    client = api_client(agent)
    url = f"/api/v1/contacts/{contact.pk}/consents"
    marketing = consent_types["marketing"]
    response = client.post(url, {"consent_type_id": marketing.pk, "granted": True, "channel": "phone", "note": "call"},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["changed"] is True
    assert body["current"][0] | {"at": None} == {
        "consent_type_id": marketing.pk, "name": "Marketing by e-mail", "granted": True, "at": None, "channel": "phone",
        "note": "call", "recorded_by": "Agent Test",
    }
    response = client.post(url, {"consent_type_id": marketing.pk, "granted": True}, content_type="application/json")
    assert response.status_code == 200 and response.json()["changed"] is False
    client.post(url, {"consent_type_id": marketing.pk, "granted": False}, content_type="application/json")
    history = client.get(url).json()["history"]
    assert [(h["granted"], h["channel"], h["recorded_by_id"]) for h in history] == [(False, "api", agent.pk), (True, "phone", agent.pk)]
    assert ConsentEvent.objects.count() == 2


def test_consent_errors(api_client, agent, contact, consent_types):
    client = api_client(agent)
    url = f"/api/v1/contacts/{contact.pk}/consents"
    response = client.post(url, {"consent_type_id": 999, "granted": True}, content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "consent_type_id"
    response = client.post(url, {"consent_type_id": consent_types["phone"].pk, "granted": True, "channel": "pigeon"},
                           content_type="application/json")
    assert response.status_code == 422
    assert client.get("/api/v1/contacts/999999/consents").status_code == 404


@pytest.mark.parametrize("role", ["receptionist", "specialist"])
def test_roles_without_case_work_get_403(request, role, api_client, contact):
    client = api_client(request.getfixturevalue(role))
    assert client.get("/api/v1/contacts").status_code == 403
    assert client.get(f"/api/v1/contacts/{contact.pk}").status_code == 403
    assert client.post("/api/v1/contacts", {"kind": "person", "last_name": "X"}, content_type="application/json").status_code == 403
    assert client.patch(f"/api/v1/contacts/{contact.pk}", {"version": 1}, content_type="application/json").status_code == 403
    assert client.get(f"/api/v1/contacts/{contact.pk}/consents").status_code == 403


def test_anonymous_gets_401(db, contact):
    assert Client().get("/api/v1/contacts").status_code == 401
    assert Client().get(f"/api/v1/contacts/{contact.pk}").status_code == 401
