"""Granting and withdrawing consents from the contact card."""

import pytest

from centrala.contacts.models import ConsentEvent


def post(client, contact, htmx=False, **data):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/contacts/{contact.pk}/consents/", data, headers=headers)


def test_grant_and_withdraw_with_htmx(client_for, agent, contact, consent_types):
    client = client_for(agent)
    marketing = consent_types["marketing"]
    response = post(client, contact, htmx=True, consent_type=marketing.pk, granted="1", channel="phone", note="asked")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="consents"')
    assert "Granted" in html and "asked" in html and 'data-testid="withdraw"' in html
    response = post(client, contact, htmx=True, consent_type=marketing.pk, granted="0", channel="email")
    events = list(ConsentEvent.objects.order_by("id"))
    assert [(e.granted, e.channel, e.recorded_by) for e in events] == [(True, "phone", agent), (False, "email", agent)]


def test_without_htmx_it_returns_to_the_card(client_for, agent, contact, consent_types):
    response = post(client_for(agent), contact, consent_type=consent_types["phone"].pk, granted="1", channel="web")
    assert response.status_code == 302
    assert response["Location"] == f"/contacts/{contact.pk}/#consents"
    assert ConsentEvent.objects.get().channel == "web"


def test_bad_input_gets_a_clear_error(client_for, agent, contact, consent_types):
    client = client_for(agent)
    response = post(client, contact, htmx=True, consent_type=999, granted="1", channel="phone")
    assert response.status_code == 200 and "Consent:" in response.content.decode()
    response = post(client, contact, htmx=True, consent_type=consent_types["phone"].pk, granted="1", channel="pigeon")
    assert "How:" in response.content.decode()
    response = post(client, contact, consent_type="x", granted="1", channel="phone")
    assert response.status_code == 302
    assert not ConsentEvent.objects.exists()


def test_unknown_contact_is_404_and_get_is_not_allowed(client_for, agent, contact, consent_types):
    client = client_for(agent)
    assert client.post("/contacts/999999/consents/", {"consent_type": consent_types["phone"].pk, "granted": "1",
                                                     "channel": "phone"}).status_code == 404
    assert client.get(f"/contacts/{contact.pk}/consents/").status_code == 405


@pytest.mark.parametrize("role", ["receptionist", "specialist"])
def test_roles_without_case_work_get_403(request, role, client_for, contact, consent_types):
    client = client_for(request.getfixturevalue(role))
    assert post(client, contact, consent_type=consent_types["phone"].pk, granted="1", channel="phone").status_code == 403
    assert not ConsentEvent.objects.exists()


def test_anonymous_goes_to_login(client, contact, consent_types):
    response = post(client, contact, consent_type=consent_types["phone"].pk, granted="1", channel="phone")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
