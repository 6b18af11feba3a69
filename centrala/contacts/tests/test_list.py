"""The contacts list on the working-lists engine: search, filters, sort, paging, bulk bar, export."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from centrala.contacts.models import Contact, ImportGroup
from centrala.worklists import lists as engine

URL = "/contacts/"


def row_ids(html):
    return [int(pk) for pk in re.findall(r'data-row-id="(\d+)"', html)]


@pytest.fixture
def people(make_contact, contact):
    anna = make_contact("Anna", "Nowak", phones=["602 000 111", "+48 603 000 222"],
                        emails=["anna@example.com", "anna.private@example.com"], city="Kraków")
    firm = Contact.objects.create(kind="company", company_name="Auto Serwis Sp. z o.o.", city="Gdańsk")
    return {"jan": contact, "anna": anna, "firm": firm}


def test_who_may_see_it(client, client_for, receptionist, agent, people):
    assert client.get(URL).status_code == 302
    assert client_for(receptionist).get(URL).status_code == 403
    html = client_for(agent).get(URL).content.decode()
    assert set(row_ids(html)) == {c.pk for c in people.values()}


def test_columns_show_the_first_phone_and_e_mail_and_link_the_card(client_for, agent, people):
    html = client_for(agent).get(URL).content.decode()
    anna = people["anna"]
    assert "602 000 111" in html and "603 000 222" not in html
    assert "anna@example.com" in html and "anna.private@example.com" not in html
    assert f'href="/contacts/{anna.pk}/"' in html and "Kraków" in html and "Company" in html
    assert f'name="ids" value="{anna.pk}"' in html  # selectable for bulk actions


@pytest.mark.parametrize("typed", ["+48 601-234-567", "601234567", "0048601234567", "601 234", "Kowalski",
                                   "kowalski jan", "jan.kowalski@example", "JAN.KOWALSKI@EXAMPLE.COM"])
def test_search_finds_a_contact_however_typed(client_for, agent, people, typed):
    html = client_for(agent).get(URL, {"q": typed}).content.decode()
    assert row_ids(html) == [people["jan"].pk], typed


def test_search_by_id_and_no_match(client_for, agent, people):
    client = client_for(agent)
    assert row_ids(client.get(URL, {"q": f"#{people['firm'].pk}"}).content.decode()) == [people["firm"].pk]
    html = client.get(URL, {"q": "zzz nobody"}).content.decode()
    assert row_ids(html) == [] and "Nothing here matches." in html


def test_filter_by_kind_and_created_date(client_for, agent, people):
    client = client_for(agent)
    assert row_ids(client.get(URL, {"kind": "company"}).content.decode()) == [people["firm"].pk]
    Contact.objects.filter(pk=people["anna"].pk).update(created_at="2020-01-15T10:00:00Z")
    html = client.get(URL, {"created_from": "2020-01-01", "created_to": "2020-01-31"}).content.decode()
    assert row_ids(html) == [people["anna"].pk]
    assert client.get(URL, {"created_from": "yesterday-ish"}).status_code == 400


def test_filter_by_campaign_offers_only_the_agents_campaigns(client_for, agent, manager, rental, service, people,
                                                             make_case):
    make_case(rental, people["anna"])
    make_case(service, people["firm"])
    client = client_for(agent)
    assert row_ids(client.get(URL, {"campaign": rental.pk}).content.decode()) == [people["anna"].pk]
    refused = client.get(URL, {"campaign": service.pk})
    assert refused.status_code == 400 and "not yours to see" in refused.content.decode()
    assert row_ids(client_for(manager).get(URL, {"campaign": service.pk}).content.decode()) == [people["firm"].pk]


def test_filter_by_import_group(client_for, agent, people):
    group = ImportGroup.objects.create(name="Leads from the fair")
    people["jan"].import_groups.add(group)
    html = client_for(agent).get(URL, {"import_group": group.pk}).content.decode()
    assert row_ids(html) == [people["jan"].pk] and "Leads from the fair" in html


def test_sorting(client_for, agent, people):
    client = client_for(agent)
    assert row_ids(client.get(URL).content.decode()) == [people["anna"].pk, people["firm"].pk, people["jan"].pk]
    assert row_ids(client.get(URL, {"sort": "-name"}).content.decode())[0] == people["jan"].pk
    by_city = row_ids(client.get(URL, {"sort": "city"}).content.decode())
    assert by_city.index(people["firm"].pk) < by_city.index(people["anna"].pk)  # Gdańsk, Kraków
    assert row_ids(client.get(URL, {"sort": "-id"}).content.decode())[0] == people["firm"].pk
    response = client.get(URL, {"sort": "phone"})  # shown, but not a sort the index allows
    assert response.status_code == 400 and "cannot be sorted" in response.content.decode()


def test_pages_by_keyset(client_for, agent, make_contact, monkeypatch):
    monkeypatch.setattr(engine, "PAGE_SIZE", 3)
    made = [make_contact("Jan", f"Nowak{n:02d}") for n in range(7)]
    client = client_for(agent)
    seen = []
    html = client.get(URL, {"q": "nowak"}).content.decode()
    while True:
        seen += row_ids(html)
        found = re.search(r'href="(/contacts/\?[^"]*after=[^"]+)" data-testid="list-next"', html)
        if not found:
            break
        html = client.get(found.group(1).replace("&amp;", "&")).content.decode()
    assert seen == [contact.pk for contact in made]


def test_htmx_answers_the_results_only(client_for, agent, people):
    html = client_for(agent).get(URL, {"q": "Nowak"}, headers={"HX-Request": "true", "HX-Target": "list-results"})
    text = html.content.decode()
    assert text.lstrip().startswith('<div id="list-results"') and row_ids(text) == [people["anna"].pk]
    assert 'id="bulk-form"' in text  # the bulk bar follows the filter


def test_query_count_does_not_grow_with_contacts_and_their_numbers(client_for, agent, make_contact):
    client = client_for(agent)
    make_contact("Jan", "First", phones=["601 000 000"], emails=["first@example.com"])
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for n in range(30):
        make_contact("Jan", f"Many{n}", phones=[f"601 100 {n:03d}", f"601 200 {n:03d}", f"601 300 {n:03d}"],
                     emails=[f"a{n}@example.com", f"b{n}@example.com"])
    with CaptureQueriesContext(connection) as many:
        html = client.get(URL).content.decode()
    assert len(row_ids(html)) == 31
    assert len(many) == len(few)


def test_the_page_offers_import_to_managers_only(client_for, agent, manager, people):
    assert 'data-testid="import-contacts"' not in client_for(agent).get(URL).content.decode()
    html = client_for(manager).get(URL).content.decode()
    assert 'data-testid="import-contacts"' in html and 'data-testid="new-contact"' in html


def test_bulk_bar_offers_the_agents_campaigns_and_no_owner_choice(client_for, agent, manager, rental, service, people):
    html = client_for(agent).get(URL).content.decode()
    assert 'data-testid="bulk-bar"' in html and "Vehicle rental" in html and "Customer service" not in html
    assert 'data-testid="bulk-owner"' not in html
    html = client_for(manager).get(URL).content.decode()
    assert "Customer service" in html and 'data-testid="bulk-owner"' in html and "Agent Test" in html


def test_export_csv_with_phone_and_e_mail(client_for, manager, agent, people):
    response = client_for(manager).get("/lists/contacts/export.csv", {"q": "Nowak"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("ID,Name,Kind,Phone,E-mail,City")
    assert len(lines) == 2 and "Anna Nowak" in lines[1] and "602 000 111" in lines[1] and "anna@example.com" in lines[1]
    assert client_for(agent).get("/lists/contacts/export.csv").status_code == 403
