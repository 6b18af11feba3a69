"""The contacts list: search box and a paginated table."""

from centrala.contacts.views import CONTACTS_PER_PAGE


def test_lists_and_searches(client_for, agent, contact, make_contact):
    make_contact("Anna", "Nowak", phones=["602 000 111"])
    client = client_for(agent)
    html = client.get("/contacts/").content.decode()
    assert "Jan Kowalski" in html and "Anna Nowak" in html and "2 contacts" in html
    html = client.get("/contacts/", {"q": "0048 601 234 567"}).content.decode()
    assert "Jan Kowalski" in html and "Anna Nowak" not in html
    assert 'value="0048 601 234 567"' in html


def test_htmx_gets_only_the_results(client_for, agent, contact):
    html = client_for(agent).get("/contacts/", {"q": "Kowal"}, headers={"HX-Request": "true"}).content.decode()
    assert html.lstrip().startswith('<div id="contact-results">') and "Jan Kowalski" in html


def test_paginated_with_the_search_kept(client_for, agent, make_contact, django_assert_max_num_queries):
    for number in range(CONTACTS_PER_PAGE + 5):
        make_contact("Jan", f"Nowak{number:03d}", phones=[f"602 000 {number:03d}"])
    client = client_for(agent)
    page = client.get("/contacts/", {"q": "Nowak"}).content.decode()
    assert page.count("data-contact-id=") == CONTACTS_PER_PAGE
    assert "?q=Nowak&amp;page=2" in page
    second = client.get("/contacts/", {"q": "Nowak", "page": 2}).content.decode()
    assert second.count("data-contact-id=") == 5
    assert client.get("/contacts/", {"page": "nonsense"}).status_code == 200


def test_no_match(client_for, agent, contact):
    assert "No contacts match." in client_for(agent).get("/contacts/", {"q": "zzz"}).content.decode()
