"""search_contacts: names, phones in any format, e-mails, ids; only for users who work cases."""

import pytest

from centrala.contacts.actions import search_contacts
from centrala.contacts.models import ContactKind


@pytest.fixture
def people(contact, make_contact):
    return {
        "kowalski": contact,  # +48 601-234-567, jan.kowalski@example.com
        "nowak": make_contact("Anna", "Nowak", phones=["22 654 32 10"], emails=["a.nowak@firma.example.org"]),
        "firm": make_contact("", "", kind=ContactKind.COMPANY, company_name="Auto-Trans Sp. z o.o.",
                             tax_id="521-345-67-89", phones=["+49 30 9876543"]),
    }


def found(user, q):
    return [c.display_name for c in search_contacts(user, q)]


@pytest.mark.parametrize("q", ["+48 601-234-567", "601234567", "0048601234567", "601 234 567", "(48) 601 234 567",
                               "+48601234567", "234-567", "234567"])
def test_phone_in_any_format_or_part(agent, people, q):
    assert found(agent, q) == ["Jan Kowalski"]


def test_foreign_number(agent, people):
    assert found(agent, "0049 30 9876543") == ["Auto-Trans Sp. z o.o."]


@pytest.mark.parametrize("q", ["jan.kowalski@example.com", "JAN.KOWALSKI@EXAMPLE.COM", "kowalski@exa"])
def test_email_or_part(agent, people, q):
    assert found(agent, q) == ["Jan Kowalski"]


@pytest.mark.parametrize("q", ["Kowalski", "kowal", "Jan Kowalski", "kowalski jan", "  jan   kowalski "])
def test_name_words_in_any_order(agent, people, q):
    assert found(agent, q) == ["Jan Kowalski"]


def test_company_name_and_tax_id(agent, people):
    assert found(agent, "auto-trans") == ["Auto-Trans Sp. z o.o."]
    assert found(agent, "521-345") == ["Auto-Trans Sp. z o.o."]


def test_id_with_and_without_hash(agent, people):
    nowak = people["nowak"]
    assert found(agent, f"#{nowak.pk}") == ["Anna Nowak"]
    assert found(agent, f"# {nowak.pk}") == ["Anna Nowak"]
    # A bare number may also be part of a phone number; the contact with that id comes first.
    assert found(agent, str(nowak.pk))[0] == "Anna Nowak"
    assert found(agent, "#99999") == []


def test_empty_query_lists_everyone_and_nonsense_finds_nobody(agent, people):
    assert len(found(agent, "")) == 3
    assert found(agent, "zzz-nobody") == []
    assert found(agent, "#" + "9" * 40) == []


def test_users_who_do_not_work_cases_find_nothing(receptionist, specialist, people):
    assert found(receptionist, "Kowalski") == []
    assert found(specialist, "") == []


def test_names_are_found_whatever_the_case_and_diacritics(make_contact, agent):
    from centrala.contacts.actions import search_contacts

    lukasz = make_contact("Łukasz", "Żółć")
    petr = make_contact("Пётр", "Ёлкин")
    for query in ("łukasz", "ŁUKASZ", "lukasz zolc", "żółć"):
        assert list(search_contacts(agent, query)) == [lukasz], query
    for query in ("пётр", "ПЁТР", "петр елкин"):
        assert list(search_contacts(agent, query)) == [petr], query
