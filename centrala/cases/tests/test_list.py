"""The Cases view (see test_lists* for every view and filter) and "go to case number" (CASE-02)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from centrala.worklists import lists


@pytest.fixture
def cases(rental, service, contact, make_contact, make_case, agent):
    anna = make_contact("Anna", "Nowak")
    return {
        "mine": make_case(rental, contact, agent),
        "anna": make_case(rental, anna, agent, subject="Minibus for a school trip"),
        "hidden": make_case(service, contact),
    }


def test_anonymous_and_receptionist(client, client_for, receptionist, db):
    for url in ("/cases/", "/cases/goto/?number=1"):
        assert client.get(url).status_code == 302
        assert client_for(receptionist).get(url).status_code == 403


def test_an_agent_lists_only_cases_of_their_campaigns(client_for, agent, cases):
    html = client_for(agent).get("/cases/").content.decode()
    assert f'data-row-id="{cases["mine"].pk}"' in html and f'data-row-id="{cases["anna"].pk}"' in html
    assert f'data-row-id="{cases["hidden"].pk}"' not in html
    assert 'class="status-pill status-type-unused"' in html and "Agent Test" in html


def test_a_manager_lists_every_case(client_for, manager, cases):
    html = client_for(manager).get("/cases/").content.decode()
    assert f'data-row-id="{cases["hidden"].pk}"' in html


def test_search_by_number_subject_and_contact(client_for, agent, cases):
    client = client_for(agent)
    html = client.get("/cases/", {"q": f"#{cases['mine'].pk}"}).content.decode()
    assert f'data-row-id="{cases["mine"].pk}"' in html and f'data-row-id="{cases["anna"].pk}"' not in html
    html = client.get("/cases/", {"q": "school"}).content.decode()
    assert f'data-row-id="{cases["anna"].pk}"' in html and f'data-row-id="{cases["mine"].pk}"' not in html
    html = client.get("/cases/", {"q": "nowak"}).content.decode()
    assert f'data-row-id="{cases["anna"].pk}"' in html
    html = client.get("/cases/", {"q": "no such thing"}).content.decode()
    assert "Nothing here matches." in html
    assert client.get("/cases/", {"q": str(cases["hidden"].pk)}).content.decode().count("data-row-id=") == 0


def test_paging_by_number(client_for, agent, rental, contact, make_case, monkeypatch):
    monkeypatch.setattr(lists, "PAGE_SIZE", 2)
    made = [make_case(rental, contact, agent) for _ in range(5)]
    client = client_for(agent)
    response = client.get("/cases/")
    html = response.content.decode()
    assert f'data-row-id="{made[4].pk}"' in html and f'data-row-id="{made[2].pk}"' not in html
    response = client.get("/cases/" + response.context["page"].next_url)
    html = response.content.decode()
    assert f'data-row-id="{made[2].pk}"' in html and f'data-row-id="{made[1].pk}"' in html
    assert f'data-row-id="{made[4].pk}"' not in html
    answer = client.get("/cases/", {"after": "x"})
    assert answer.status_code == 400 and "does not exist" in answer.content.decode()


def test_the_list_query_count_does_not_grow(client_for, agent, rental, contact, make_case):
    client = client_for(agent)
    make_case(rental, contact, agent)
    with CaptureQueriesContext(connection) as first:
        client.get("/cases/")
    for _ in range(10):
        make_case(rental, contact, agent)
    with CaptureQueriesContext(connection) as second:
        client.get("/cases/")
    assert len(second) == len(first)


def test_htmx_search_answers_the_results_only(client_for, agent, cases):
    html = client_for(agent).get("/cases/", {"q": "school"}, HTTP_HX_REQUEST="true",
                                 HTTP_HX_TARGET="list-results").content.decode()
    assert html.lstrip().startswith('<div id="list-results"')


def test_go_to_a_visible_case(client_for, agent, cases):
    response = client_for(agent).get("/cases/goto/", {"number": f" #{cases['mine'].pk} "})
    assert response.status_code == 302 and response["Location"] == f"/cases/{cases['mine'].pk}/"


def test_go_to_an_invisible_or_unknown_case_says_not_found(client_for, agent, cases):
    for number in (cases["hidden"].pk, 999999):
        response = client_for(agent).get("/cases/goto/", {"number": number})
        assert response.status_code == 404
        assert f"There is no case #{number}, or it belongs to a campaign you are not assigned to." in response.content.decode()


def test_go_to_something_that_is_not_a_number(client_for, agent, db):
    response = client_for(agent).get("/cases/goto/", {"number": "Kowalski"})
    assert response.status_code == 400 and "is not a case number" in response.content.decode()


def test_the_list_finds_a_contact_name_whatever_the_case_and_diacritics(client_for, agent, rental, make_contact, make_case):
    case = make_case(rental, make_contact("Łukasz", "Żółć"), agent)
    for query in ("łukasz", "ŁUKASZ", "zolc"):
        rows = client_for(agent).get("/cases/", {"q": query}).context["rows"]
        assert [item["row"].pk for item in rows] == [case.pk], query
