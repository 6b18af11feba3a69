"""The activity views Calls, Mail and SMS (ACT-04). Channels that write these activities come
later, so the rows are written directly (make_activity)."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from centrala.activities.models import Activity

ROW = re.compile(r'<tr data-row-id="(\d+)"')


def row_ids(response):
    return [int(pk) for pk in ROW.findall(response.content.decode())]


def row_of(response, activity):
    """The cells of one row, as HTML."""
    html = response.content.decode()
    start = html.index(f'<tr data-row-id="{activity.pk}"')
    return html[start:html.index("</tr>", start)]


@pytest.fixture
def calls(rental_case, service_case, make_activity, agent, manager):
    return {
        "mine": make_activity(rental_case, "call", "Customer asked about a van", agent,
                              data={"direction": "out", "number": "+48601234567", "duration": 125}),
        "incoming": make_activity(rental_case, "call", "", None, data={"direction": "in", "number": "+48222333444"}),
        "hidden": make_activity(service_case, "call", "Service call", manager,
                                data={"direction": "in", "number": "+48500600700", "duration": 30}),
    }


@pytest.mark.parametrize("address", ["/activities/calls/", "/activities/mail/", "/activities/sms/"])
def test_who_may_open_the_activity_views(client, client_for, receptionist, specialist, agent, address):
    assert client.get(address).status_code == 302
    assert client_for(receptionist).get(address).status_code == 403
    assert client_for(specialist).get(address).status_code == 403
    assert client_for(agent).get(address).status_code == 200


def test_the_layout_of_an_activity_view_is_refused_to_a_receptionist(client_for, receptionist):
    response = client_for(receptionist).post("/lists/calls/layout/", {"row_height": "compact"})
    assert response.status_code == 403


def test_the_menu_offers_calls_mail_and_sms_to_who_works_cases(client_for, agent, receptionist):
    html = client_for(agent).get("/").content.decode()
    for name in ("activities:view_calls", "activities:view_mail", "activities:view_sms"):
        assert f'data-menu="{name}"' in html
    assert 'data-menu="activities:view_calls"' not in client_for(receptionist).get("/").content.decode()


def test_an_agent_sees_calls_of_their_campaigns_only_a_manager_all(client_for, agent, manager, calls):
    assert row_ids(client_for(agent).get("/activities/calls/")) == [calls["incoming"].pk, calls["mine"].pk]
    assert row_ids(client_for(manager).get("/activities/calls/")) == [
        calls["hidden"].pk, calls["incoming"].pk, calls["mine"].pk]


def test_each_view_lists_its_own_kind(client_for, agent, rental_case, make_activity, calls):
    mail = make_activity(rental_case, "email", "Please confirm", agent,
                         data={"direction": "out", "subject": "Your booking", "from": "desk@rental.example",
                               "to": "jan.kowalski@example.com"})
    sms = make_activity(rental_case, "sms", "See you at 9", agent, data={"direction": "out", "number": "+48601234567"})
    make_activity(rental_case, "note", "just a note", agent)
    client = client_for(agent)
    assert row_ids(client.get("/activities/mail/")) == [mail.pk]
    assert row_ids(client.get("/activities/sms/")) == [sms.pk]
    assert mail.pk not in row_ids(client.get("/activities/calls/"))


def test_a_call_row_shows_direction_number_duration_text_case_contact_campaign_author(
        client_for, agent, rental_case, calls):
    response = client_for(agent).get("/activities/calls/")
    row = row_of(response, calls["mine"])
    for text in ("Outgoing", "+48601234567", "2:05", "Customer asked about a van", "Jan Kowalski", "Vehicle rental",
                 "Agent Test", f'href="/cases/{rental_case.pk}/"', f">#{rental_case.pk}</a>"):
        assert text in row, text
    assert 'data-testid="view-mail"' in response.content.decode()  # the other activity views as tabs
    row = row_of(response, calls["incoming"])
    assert "Incoming" in row and "System" in row


def test_a_mail_row_shows_sender_recipient_and_subject(client_for, agent, rental_case, make_activity):
    body = "Dear Sir, " + "we confirm the booking of the van. " * 10
    mail = make_activity(rental_case, "email", body, None,
                         data={"direction": "in", "subject": "Booking <confirmed>", "from": "jan.kowalski@example.com",
                               "to": "desk@rental.example"})
    row = row_of(client_for(agent).get("/activities/mail/"), mail)
    for text in ("Received", "jan.kowalski@example.com", "desk@rental.example", "Booking &lt;confirmed&gt;",
                 "Dear Sir, we confirm"):
        assert text in row, text
    assert body not in row  # an excerpt only


def test_filters_campaign_author_date_contact_case_text_and_direction(
        client_for, manager, agent, rental_case, service_case, make_activity, make_contact, rental, make_case, calls):
    client = client_for(manager)
    assert row_ids(client.get("/activities/calls/", {"campaign": rental_case.campaign_id})) == [
        calls["incoming"].pk, calls["mine"].pk]
    assert row_ids(client.get("/activities/calls/", {"author": "me"})) == [calls["hidden"].pk]
    assert row_ids(client.get("/activities/calls/", {"author": str(agent.pk)})) == [calls["mine"].pk]
    assert row_ids(client.get("/activities/calls/", {"author": "none"})) == [calls["incoming"].pk]
    assert row_ids(client.get("/activities/calls/", {"direction": "in"})) == [calls["hidden"].pk, calls["incoming"].pk]
    assert row_ids(client.get("/activities/calls/", {"case": f"#{service_case.pk}"})) == [calls["hidden"].pk]
    assert row_ids(client.get("/activities/calls/", {"q": "VAN"})) == [calls["mine"].pk]

    anna_case = make_case(rental, make_contact("Anna", "Nowak", phones=["+48 700 800 900"]), agent)
    annas = make_activity(anna_case, "call", "", agent, data={"direction": "out", "number": "+48700800900"})
    assert row_ids(client.get("/activities/calls/", {"contact": "nowak"})) == [annas.pk]
    assert row_ids(client.get("/activities/calls/", {"contact": "700-800-900"})) == [annas.pk]

    Activity.objects.filter(pk=calls["mine"].pk).update(created_at=timezone.now() - timedelta(days=1))
    assert calls["mine"].pk not in row_ids(client.get("/activities/calls/", {"when": "today"}))
    assert row_ids(client.get("/activities/calls/", {"when": "yesterday"})) == [calls["mine"].pk]


def test_an_agent_cannot_filter_their_way_into_another_campaign(client_for, agent, service_case, calls):
    client = client_for(agent)
    response = client.get("/activities/calls/", {"campaign": service_case.campaign_id})
    assert response.status_code == 400 and calls["hidden"].pk not in row_ids(response)
    assert row_ids(client.get("/activities/calls/", {"case": str(service_case.pk)})) == []
    assert row_ids(client.get("/activities/calls/", {"q": "Service call"})) == []


def test_sorting_by_contact_and_paging_by_keyset(client_for, manager, rental_case, make_activity):
    made = [make_activity(rental_case, "sms", f"message {i}", None, data={"direction": "in"}) for i in range(55)]
    client = client_for(manager)
    first = client.get("/activities/sms/")
    assert row_ids(first) == [a.pk for a in reversed(made)][:50]
    after = re.search(r'href="(/activities/sms/\?after=[^"]+)"', first.content.decode()).group(1)
    assert row_ids(client.get(after.replace("&amp;", "&"))) == [a.pk for a in reversed(made)][50:]
    assert client.get("/activities/sms/", {"sort": "contact"}).status_code == 200
    assert client.get("/activities/sms/", {"sort": "text"}).status_code == 400  # not a sortable column


def test_the_query_count_does_not_grow_with_the_rows(client_for, agent, rental, contact, make_case, make_activity,
                                                      make_user):
    client = client_for(agent)
    make_activity(make_case(rental, contact, agent), "call", "one", agent, data={"direction": "out"})
    client.get("/activities/calls/")
    with CaptureQueriesContext(connection) as few:
        client.get("/activities/calls/")
    for i in range(20):
        author = make_user(f"caller{i}")
        make_activity(make_case(rental, contact, agent), "call", f"call {i}", author, data={"direction": "in"})
    with CaptureQueriesContext(connection) as many:
        assert len(row_ids(client.get("/activities/calls/"))) == 21
    assert len(many) == len(few)


def test_the_view_follows_timeline_events_live(client_for, agent):
    html = client_for(agent).get("/activities/calls/").content.decode()
    assert 'data-live-events="activity.changed"' in html


def test_a_manager_exports_calls(client_for, manager, calls):
    response = client_for(manager).get("/lists/calls/export.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *lines = text.strip().splitlines()
    assert header.split(",")[:4] == ["When", "Direction", "Phone number", "Duration"]
    assert len(lines) == 3 and any("Customer asked about a van" in line and "2:05" in line for line in lines)
