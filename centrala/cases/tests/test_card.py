"""The case card page (CASE-02..13): who gets in, what the header, contact area and form show."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from centrala.activities.actions import record_info
from centrala.audit.models import AuditEntry
from centrala.campaigns.models import Campaign, FormChoice, FormField
from centrala.cases.models import Case, CaseDraft
from centrala.contacts.models import ContactPhone
from conftest import RENTAL_FORM

from .card_helpers import HTMX


@pytest.fixture
def case(rental, contact, make_case, manager):
    return make_case(rental, contact, manager)  # created by a manager: nobody owns it yet


def card_html(client, case):
    response = client.get(f"/cases/{case.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def case_urls(case):
    return [
        ("get", f"/cases/{case.pk}/"),
        ("get", f"/cases/{case.pk}/form/"),
        ("get", f"/cases/{case.pk}/contact/?contact={case.contact_id}"),
        ("post", f"/cases/{case.pk}/save/"),
        ("post", f"/cases/{case.pk}/draft/"),
        ("post", f"/cases/{case.pk}/spam/"),
    ]


def test_anonymous_user_is_sent_to_login(client, case):
    for method, url in case_urls(case):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/")


def test_a_receptionist_may_not_work_cases(client_for, receptionist, case):
    client = client_for(receptionist)
    for method, url in case_urls(case):
        assert getattr(client, method)(url).status_code == 403, url


@pytest.mark.parametrize("role", ["agent", "home_agent"])
def test_an_agent_not_assigned_to_the_campaign_gets_404_everywhere(client_for, make_user, case, role):
    outsider = make_user("outsider", role)
    client = client_for(outsider)
    for method, url in case_urls(case):
        assert getattr(client, method)(url, {"version": "1", "spam": "1"}).status_code == 404, url
    assert client.get(f"/cases/goto/?number={case.pk}").status_code == 404
    assert not CaseDraft.objects.exists()
    assert Case.objects.get(pk=case.pk).owner is None  # opening did not claim it either


def test_an_unknown_case_number_is_404(client_for, agent, rental):
    assert client_for(agent).get("/cases/999999/").status_code == 404
    assert client_for(agent).get("/cases/999999/form/").status_code == 404


@pytest.mark.parametrize("who", ["agent", "home_agent"])
def test_an_agent_or_home_agent_opening_an_unowned_case_owns_it(request, client_for, case, who):
    user = request.getfixturevalue(who)
    html = card_html(client_for(user), case)
    case.refresh_from_db()
    assert case.owner == user
    assert case.version == 2
    assert 'data-version="2"' in html  # the card is based on the claimed version
    assert re.search(rf'<option value="{user.pk}" selected>', html)
    assert AuditEntry.objects.filter(action="case.update", object_id=str(case.pk), actor=user).exists()


def test_a_manager_opening_a_case_does_not_take_it(client_for, manager, case):
    card_html(client_for(manager), case)
    case.refresh_from_db()
    assert case.owner is None and case.version == 1


def test_the_header_shows_number_source_subject_age_and_the_tab(client_for, agent, case):
    html = card_html(client_for(agent), case)
    assert f'data-copy-number="{case.pk}"' in html and f">#{case.pk}</button>" in html
    assert '<span class="source-icon source-outbound" aria-hidden="true"></span> Outbound campaign' in html
    assert 'value="Jan Kowalski (Vehicle rental)"' in html
    assert "created 0\xa0minutes ago" in html
    assert f'data-tab-title="#{case.pk} Jan Kowalski"' in html
    assert f'<div id="case-presence" data-case-id="{case.pk}" data-version="2"' in html
    assert 'class="status-select status-type-unused"' in html
    assert 'data-callback-rule="picked"' in html


def test_only_the_users_campaigns_and_the_campaigns_agents_are_offered(client_for, agent, case, service, make_user):
    stranger = make_user("stranger", "agent")  # an agent of another campaign
    service.agents.add(stranger)
    inactive = make_user("gone", "agent", is_active=False)
    case.campaign.agents.add(inactive)
    html = card_html(client_for(agent), case)
    campaigns = re.search(r'id="case-campaign".*?</select>', html, re.S).group(0)
    assert "Vehicle rental" in campaigns and "Customer service" not in campaigns
    owners = re.search(r'id="case-owner".*?</select>', html, re.S).group(0)
    assert "Agent Test" in owners and "Homeagent Test" in owners and "No owner" in owners
    assert "Stranger" not in owners and "Gone" not in owners and "Manager" not in owners


def test_a_manager_sees_every_campaign_and_the_audit_history_link(client_for, manager, case, service):
    html = card_html(client_for(manager), case)
    campaigns = re.search(r'id="case-campaign".*?</select>', html, re.S).group(0)
    assert "Customer service" in campaigns
    assert f"/audit/?object_type=cases.case&amp;object_id={case.pk}" in html


def test_agents_do_not_get_the_audit_link(client_for, agent, case):
    assert "object_type=cases.case" not in card_html(client_for(agent), case)


def test_header_fields_offer_only_the_actions_the_user_has(client_for, agent, case):
    case.form_data = {"contact_phone": "601 234 567", "vehicle_type": "van"}
    case.save()
    html = card_html(client_for(agent), case)
    phone = re.search(r'data-header-field="form.contact_phone".*?</div>', html, re.S).group(0)
    # No phone extension and no SMS provider: only "edit" is left, so a click on the value edits.
    assert 'data-header-action="edit"' in phone and "tel:" not in phone and "sms:" not in phone
    assert "extra-actions" not in phone
    vehicle = re.search(r'data-header-field="form.vehicle_type".*?</div>', html, re.S).group(0)
    assert ">Van</button>" in vehicle

    agent.phone_extension = "201"
    agent.save()
    html = card_html(client_for(agent), case)
    phone = re.search(r'data-header-field="form.contact_phone".*?</div>\s*</div>', html, re.S).group(0)
    assert 'href="tel:+48601234567"' in phone and 'data-header-action="edit"' in phone
    assert "extra-actions" in phone  # two actions: icons, not a direct click


def test_a_non_editable_header_field_without_channels_is_plain_text(client_for, agent, case):
    FormField.objects.filter(form=case.campaign.script.form, key="contact_phone").update(editable=False)
    case.form_data = {"contact_phone": "601 234 567"}
    case.save()
    html = card_html(client_for(agent), case)
    phone = re.search(r'data-header-field="form.contact_phone".*?</div>', html, re.S).group(0)
    assert "data-header-action" not in phone and "601 234 567" in phone
    assert re.search(r'<input id="field-contact-phone" name="form.contact_phone"[^>]*disabled', html)


def test_the_contact_area(client_for, agent, case):
    html = card_html(client_for(agent), case)
    assert f'<input type="hidden" name="contact" value="{case.contact_id}" form="case-form">' in html
    assert f'href="/contacts/{case.contact_id}/"' in html
    assert "+48 601-234-567" in html and "jan.kowalski@example.com" in html and "Person" in html
    assert 'data-contact-new' in html and 'data-suggest-url="/contacts/suggest/"' in html
    assert f'data-src="/contacts/new/?for_case={case.pk}"' in html


def test_the_form_tab_renders_each_kind_with_required_marks(client_for, agent, case):
    html = card_html(client_for(agent), case)
    assert re.search(r'<label for="field-vehicle-type">Vehicle type <span class="asterisk"', html)
    assert '<select id="field-vehicle-type" name="form.vehicle_type" form="case-form" aria-required="true">' in html
    assert 'type="datetime-local"' in html and "<textarea" in html
    assert 'name="form.extras" value="" form="case-form" data-marker' in html  # "none ticked" is posted
    assert 'data-sets-status=' in html and ">Booked</button>" in html
    assert "Edit form" not in html  # agents do not edit forms


def test_hidden_choices_are_offered_only_where_already_chosen(client_for, agent, case, make_case, contact, rental):
    chosen = make_case(rental, contact, agent, form_data={**RENTAL_FORM, "vehicle_type": "truck"})
    FormChoice.objects.filter(field__key="vehicle_type", key="truck").update(hidden=True)
    html = card_html(client_for(agent), case)
    assert 'value="truck"' not in html
    html = card_html(client_for(agent), chosen)
    assert '<option value="truck" selected>Truck up to 3.5 t</option>' in html


def test_a_script_without_a_form_says_no_form(client_for, agent, case):
    script = case.campaign.script
    script.form = None
    script.save()
    html = card_html(client_for(agent), case)
    assert 'data-testid="no-form"' in html and "No form" in html


def test_the_form_tab_fragment_and_the_edit_form_button_for_managers(client_for, manager, agent, case):
    response = client_for(manager).get(f"/cases/{case.pk}/form/", **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and response["HX-Retarget"] == "#form-tab"
    assert html.lstrip().startswith("{#") is False and '<div id="form-tab"' in html
    form_id = case.campaign.script.form_id
    assert f'hx-get="/campaigns/forms/{form_id}/editor/?return=/cases/{case.pk}/form/"' in html
    assert "Edit form" not in client_for(agent).get(f"/cases/{case.pk}/form/", **HTMX).content.decode()


def test_the_contact_preview_shows_another_contact_before_saving(client_for, agent, case, make_contact):
    other = make_contact("Anna", "Nowak", phones=["+48 500 100 200"])
    response = client_for(agent).get(f"/cases/{case.pk}/contact/?contact={other.pk}", **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'name="contact" value="{other.pk}"' in html and "Anna Nowak" in html and "+48 500 100 200" in html
    assert "will be moved to this contact when you save" in html
    assert client_for(agent).get(f"/cases/{case.pk}/contact/?contact=abc", **HTMX).status_code == 404
    assert client_for(agent).get(f"/cases/{case.pk}/contact/?contact=99999", **HTMX).status_code == 404


def _card_queries(client, case):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/cases/{case.pk}/").status_code == 200
    return len(captured)


def test_the_card_makes_a_constant_number_of_queries(client_for, agent, case, contact):
    client = client_for(agent)
    _card_queries(client, case)  # the first opening claims the case
    base = _card_queries(client, case)
    assert base <= 17, base  # one query for the case and what the card shows of it

    for i in range(15):
        record_info(case, agent, field="status", label="Status", old="a", new=f"b{i}")
        ContactPhone.objects.create(contact=contact, raw=f"+48 601 000 0{i:02d}", e164=f"+486010000{i:02d}")
    for i in range(3):
        more = Campaign.objects.create(name=f"More {i}", script=case.campaign.script)
        more.agents.add(agent)
    form = case.campaign.script.form
    for i in range(10):
        field = FormField.objects.create(form=form, key=f"extra_{i}", label=f"Extra {i}", kind="single_choice",
                                         position=100 + i, in_header=True)
        FormChoice.objects.create(field=field, key="a", label="A")
        FormChoice.objects.create(field=field, key="b", label="B")
    assert _card_queries(client, case) == base
