"""The contact card: data, action buttons, the cases the user may see, consents, access."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from centrala.contacts.models import ContactPhone, FieldKind
from centrala.lib.phones import to_e164


def card(client, contact):
    return client.get(f"/contacts/{contact.pk}/")


def test_card_shows_the_contact(client_for, agent, contact, contact_field):
    contact.street, contact.postal_code, contact.city = "ul. Marszałkowska 1", "00-001", "Warszawa"
    contact.extra = {"loyalty": "GOLD-123", "newsletter": True}
    contact.save()
    contact_field("loyalty", "Loyalty card")
    contact_field("newsletter", "Newsletter", kind=FieldKind.CHECKBOX)
    contact_field("secret", "Secret", visible=False)
    response = card(client_for(agent), contact)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="contact-name">Jan Kowalski<' in html
    assert f"#{contact.pk}" in html
    assert 'data-copy="+48601234567"' in html and "601 234 567" in html
    assert "jan.kowalski@example.com" in html
    assert "ul. Marszałkowska 1" in html and "00-001 Warszawa" in html
    further = html.split('data-testid="further-fields"')[1].split("</details>")[0]
    assert "Loyalty card" in further and "GOLD-123" in further and "Yes" in further
    assert "Secret" not in html
    assert 'data-card-tab' in html


def test_action_buttons_follow_the_users_channels(client_for, make_user, make_contact):
    contact = make_contact("Jan", "Kowalski", phones=["601 234 567", "22 654 32 10"], emails=["jan@example.com"])
    bare = make_user("bare", "agent")
    html = card(client_for(bare), contact).content.decode()
    actions = html.split('data-testid="contact-actions"')[1].split("</div>\n\n")[0]
    assert 'class="action action-email" disabled' in actions
    assert 'class="action action-call" disabled' in actions
    assert "no outgoing mailbox" in actions and "no phone extension" in actions
    assert 'class="action action-sms" disabled' in actions and "no SMS provider" in actions
    assert f'href="/contacts/{contact.pk}/#consents"' in actions

    equipped = make_user("equipped", "agent", phone_extension="201", outgoing_email="equipped@centrala.example")
    html = card(client_for(equipped), contact).content.decode()
    assert 'href="mailto:jan@example.com"' in html
    # Two numbers: the agent picks one.
    assert 'data-testid="call-menu"' in html
    assert 'href="tel:+48601234567"' in html and 'href="tel:+48226543210"' in html
    assert 'class="action action-sms" disabled' in html


def test_one_number_calls_directly_and_a_contact_without_email_greys_email(client_for, make_user, make_contact):
    contact = make_contact("Ola", "Bez", phones=["601 234 567"])
    equipped = make_user("equipped", "agent", phone_extension="201", outgoing_email="equipped@centrala.example")
    html = card(client_for(equipped), contact).content.decode()
    assert 'class="button action action-call" href="tel:+48601234567"' in html
    assert "The contact has no e-mail address." in html


def test_agent_sees_only_cases_of_their_campaigns(client_for, agent, manager, rental, service, contact, make_case):
    mine = make_case(rental, contact)
    other = [make_case(service, contact) for _ in range(2)]
    html = card(client_for(agent), contact).content.decode()
    cases = html.split('data-testid="contact-cases"')[1].split("</section>")[0]
    assert f'data-case-id="{mine.pk}"' in cases
    assert "Vehicle rental" in cases and f"status-pill status-type-{mine.status.type}" in cases
    assert all(f'data-case-id="{case.pk}"' not in cases for case in other)
    assert "and 2 cases in other campaigns" in cases

    html = card(client_for(manager), contact).content.decode()
    cases = html.split('data-testid="contact-cases"')[1].split("</section>")[0]
    assert all(f'data-case-id="{case.pk}"' in cases for case in [mine, *other])
    assert "other campaigns" not in cases


def test_agent_of_no_campaign_sees_only_the_note(client_for, make_user, rental, contact, make_case):
    make_case(rental, contact)
    loner = make_user("loner", "agent")
    html = card(client_for(loner), contact).content.decode()
    assert "No cases you can see." in html
    assert "and 1 case in other campaigns" in html


def test_consents_section_lists_types_and_history(client_for, agent, contact, consent_types):
    from centrala.contacts.actions import do_set_consent

    do_set_consent(agent, contact, consent_types["marketing"], True, "phone", "on the call")
    html = card(client_for(agent), contact).content.decode()
    section = html.split('<section id="consents"')[1]
    assert "Marketing by e-mail" in section and "Granted" in section and "During a call" in section
    assert "on the call" in section and "Agent Test" in section
    assert 'data-testid="withdraw"' in section and 'data-testid="grant"' in section


def test_activities_are_included(client_for, agent, contact):
    html = card(client_for(agent), contact).content.decode()
    section = html.split('data-testid="contact-activities"')[1].split("</section>")[0]
    assert f"/contacts/{contact.pk}/" not in section
    assert "hx-get=" in section or "Activities of this contact" in section


def _add(contact, rental, make_case, agent, count):
    for number in range(count):
        make_case(rental, contact, actor=agent)
        raw = f"+48 602 000 {number:03d}"
        ContactPhone.objects.create(contact=contact, raw=raw, e164=to_e164(raw), position=number + 1)


@pytest.mark.parametrize("role", ["agent", "manager"])
def test_query_count_does_not_grow_with_cases_and_phones(request, role, client_for, rental, contact, make_case,
                                                           consent_types, agent):
    user = request.getfixturevalue(role)
    client = client_for(user)
    _add(contact, rental, make_case, agent, 1)
    card(client, contact)  # warm up (session, caches)
    with CaptureQueriesContext(connection) as few:
        assert card(client, contact).status_code == 200
    _add(contact, rental, make_case, agent, 19)
    with CaptureQueriesContext(connection) as many:
        response = card(client, contact)
    assert response.content.decode().count("data-case-id=") == 20
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_unknown_contact_is_404(client_for, agent):
    assert client_for(agent).get("/contacts/999999/").status_code == 404


@pytest.mark.parametrize("role", ["receptionist", "specialist"])
def test_roles_without_case_work_get_403(request, role, client_for, contact):
    assert card(client_for(request.getfixturevalue(role)), contact).status_code == 403


def test_anonymous_goes_to_login(client, contact):
    response = card(client, contact)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
