"""contacts:suggest: the fragment the case card uses to switch a case's contact (CON-03)."""

import re

import pytest


def suggest(client, q):
    return client.get("/contacts/suggest/", {"q": q})


def buttons(response):
    return re.findall(r'data-contact-id="(\d+)" data-contact-name="([^"]*)"', response.content.decode())


@pytest.mark.parametrize("q", ["Kowal", "601 234 567", "+48601234567", "jan.kowalski@ex"])
def test_suggests_by_name_phone_and_email(client_for, agent, contact, make_contact, q):
    make_contact("Anna", "Nowak", phones=["602 000 111"])
    response = suggest(client_for(agent), q)
    assert response.status_code == 200
    assert buttons(response) == [(str(contact.pk), "Jan Kowalski")]
    html = response.content.decode()
    assert html.lstrip().startswith('<ul class="contact-suggestions"')
    assert '<button type="button" data-contact-id=' in html
    assert "601 234 567" in html and "jan.kowalski@example.com" in html


def test_suggests_by_id(client_for, agent, contact):
    assert buttons(suggest(client_for(agent), f"#{contact.pk}")) == [(str(contact.pk), "Jan Kowalski")]


def test_needs_two_characters(client_for, agent, contact):
    response = suggest(client_for(agent), "K")
    assert buttons(response) == []
    assert "at least two characters" in response.content.decode()


def test_at_most_ten(client_for, agent, make_contact):
    for number in range(12):
        make_contact("Jan", f"Nowak{number:02d}")
    assert len(buttons(suggest(client_for(agent), "Nowak"))) == 10


def test_nothing_found(client_for, agent, contact):
    response = suggest(client_for(agent), "Zzyzx")
    assert buttons(response) == []
    assert "No contact matches “Zzyzx”." in response.content.decode()


def test_names_are_escaped(client_for, agent, make_contact):
    make_contact('Jan "<b>', "Hacker")
    html = suggest(client_for(agent), "Hacker").content.decode()
    assert "<b>" not in html and "&lt;b&gt;" in html


def test_query_count_is_constant(client_for, agent, make_contact, django_assert_max_num_queries):
    for number in range(10):
        make_contact("Jan", f"Nowak{number}", phones=[f"602 000 {number:03d}"], emails=[f"n{number}@example.com"])
    client = client_for(agent)
    suggest(client, "Nowak")
    with django_assert_max_num_queries(5):  # session, user, contacts, phones, e-mails
        assert len(buttons(suggest(client, "Nowak"))) == 10
