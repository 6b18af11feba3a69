"""The client's history (DLR-05): the contact card, and the dealership's client page for those who
do not work cases, show the client's cars and every traffic record, document, case and call the
user may see, newest first, each linking to its card."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.dateparse import parse_datetime

from centrala.activities.models import Activity, Attachment
from centrala.dealership.tests.test_journal import world  # noqa: F401  (the shared fixture)

KIND = re.compile(r'<tr data-history-kind="(\w+)">')
WHEN = re.compile(r'<tr data-history-kind="\w+">\s*<td><time datetime="([^"]+)"')


def fragment(client, contact):
    response = client.get(f"/dealership/clients/{contact.pk}/history/fragment/")
    assert response.status_code == 200
    return response.content.decode()


def kinds(html):
    return KIND.findall(html)


@pytest.fixture
def dmitry(world, rental, service, make_case, agent, settings, tmp_path):  # noqa: F811
    """Dmitry's cases (one in the agent's campaign, one in a campaign the agent does not see) and a
    recorded call on the agent's case, besides his service call and pre-booking in the world."""
    settings.MEDIA_ROOT = tmp_path / "media"
    world.rental_case = make_case(rental, world.dmitry, agent, subject="Van for the weekend")
    world.service_case = make_case(service, world.dmitry, None, subject="Complaint")
    world.call = Activity.objects.create(case=world.rental_case, contact=world.dmitry, kind="call", author=agent,
                                         data={"direction": "in", "number": "+48602300400", "duration": 95})
    world.recording = Attachment.objects.create(
        activity=world.call, file=SimpleUploadedFile("call.mp3", b"ID3\x03"), name="call.mp3", size=4,
        content_type="audio/mpeg", sha256="0" * 64)
    return world


def test_the_contact_card_loads_the_history(client_for, dmitry, manager, agent):
    html = client_for(manager).get(f"/contacts/{dmitry.dmitry.pk}/").content.decode()
    section = html.split('data-testid="contact-history"')[1].split("</section>")[0]
    assert f'hx-get="/dealership/clients/{dmitry.dmitry.pk}/history/fragment/"' in section
    # An agent reads the contact's cases and activities on the card itself: no second request.
    html = client_for(agent).get(f"/contacts/{dmitry.dmitry.pk}/").content.decode()
    assert 'data-testid="contact-card"' in html and 'data-testid="contact-history"' not in html


def test_a_manager_sees_traffic_documents_cases_and_calls_newest_first(client_for, dmitry, manager):
    html = fragment(client_for(manager), dmitry.dmitry)
    assert sorted(kinds(html)) == ["call", "case", "case", "document", "traffic"]
    times = [parse_datetime(value) for value in WHEN.findall(html)]
    assert times == sorted(times, reverse=True)
    assert f'href="/dealership/traffic/{dmitry.rows.repair.pk}/"' in html and "Service. Car repair" in html
    assert f'href="/dealership/documents/{dmitry.booking.pk}/"' in html and f"PB-{dmitry.booking.pk}" in html
    assert f'href="/cases/{dmitry.rental_case.pk}/"' in html and "Van for the weekend" in html
    assert f'href="/cases/{dmitry.service_case.pk}/"' in html and "Complaint" in html
    assert f'href="/cases/{dmitry.rental_case.pk}/#activity-{dmitry.call.pk}"' in html
    assert f'href="/activities/files/{dmitry.recording.pk}/"' in html and "1:35" in html
    cars = html.split('data-testid="client-vehicles"')[1].split("</table>")[0]
    assert "Kia" in cars and "Ceed" in cars and "WX 123AB" in cars and "VIN00000000000001" in cars


def test_an_agent_sees_only_the_cases_and_calls_of_their_campaigns(client_for, dmitry, agent):
    html = fragment(client_for(agent), dmitry.dmitry)
    assert kinds(html) == ["call", "case"]
    assert "Complaint" not in html and "Service. Car repair" not in html


def test_a_specialist_sees_their_departments_traffic_and_documents_on_the_client_page(client_for, dmitry):
    page = client_for(dmitry.mechanic).get(f"/dealership/clients/{dmitry.dmitry.pk}/history/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="client-name">Dmitry Ivanov<' in html and "602 300 400" in html
    assert sorted(kinds(html)) == ["document", "traffic"]  # specialists do not work cases
    assert "Kia" in html


def test_another_departments_specialist_sees_the_client_but_none_of_that_history(client_for, dmitry):
    html = fragment(client_for(dmitry.seller), dmitry.dmitry)
    assert kinds(html) == []
    assert 'data-testid="history-empty"' in html
    assert "Kia" in html  # the client directory and its cars are shared by the dealership
    # Viktor's purchase is the seller's department.
    assert sorted(kinds(fragment(client_for(dmitry.seller), dmitry.viktor))) == ["document", "traffic", "traffic"]


def test_the_desk_sees_the_traffic_but_no_documents(client_for, dmitry, receptionist):
    html = fragment(client_for(receptionist), dmitry.dmitry)
    assert kinds(html) == ["traffic"]


def test_an_unknown_client_is_not_found(client, client_for, world, receptionist, manager):  # noqa: F811
    assert client_for(manager).get("/dealership/clients/999999/history/fragment/").status_code == 404
    assert client_for(receptionist).get("/dealership/clients/999999/history/").status_code == 404
    assert client.get(f"/dealership/clients/{world.viktor.pk}/history/").status_code == 302


def test_the_history_costs_the_same_queries_however_long_it_is(client_for, dmitry, manager):
    viewer = client_for(manager)
    fragment(viewer, dmitry.dmitry)
    with CaptureQueriesContext(connection) as few:
        fragment(viewer, dmitry.dmitry)
    for hours in range(10):
        dmitry.traffic(dmitry.goals.repair_call, dmitry.now - timedelta(hours=hours + 1), contact=dmitry.dmitry,
                       vehicle=dmitry.car, taken_by=dmitry.mechanic, wait=timedelta(minutes=1))
    with CaptureQueriesContext(connection) as many:
        html = fragment(viewer, dmitry.dmitry)
    assert kinds(html).count("traffic") == 11
    assert len(many) == len(few)


def _older_link(html):
    match = re.search(r'href="([^"]+)"[^>]*data-testid="history-older"', html)
    return match and match.group(1).replace("&amp;", "&")


def test_older_pages_reach_every_item_once_at_the_same_query_cost(client_for, dmitry, manager, make_case, rental):
    """More than a page of history (HISTORY_SHOWN): "older entries" pages through all of it, items
    registered at the same moment included, each page costing the same queries."""
    from centrala.activities.models import Activity
    from centrala.dealership.journal import HISTORY_SHOWN
    from centrala.dealership.models import Document, DocumentKind

    moment = dmitry.now - timedelta(days=3)  # many at one moment: the cursor must not skip or repeat
    expected = {("traffic", dmitry.rows.repair.pk), ("document", dmitry.booking.pk),
                ("case", dmitry.rental_case.pk), ("case", dmitry.service_case.pk), ("call", dmitry.call.pk)}
    for n in range(HISTORY_SHOWN + 40):
        when = moment if n % 3 == 0 else dmitry.now - timedelta(days=4, minutes=n)
        expected.add(("traffic", dmitry.traffic(dmitry.goals.repair_call, when, contact=dmitry.dmitry).pk))
    for n in range(12):
        document = Document.objects.create(kind=DocumentKind.ARRIVAL, department=dmitry.service, contact=dmitry.dmitry,
                                           created_at=moment if n % 2 else dmitry.now - timedelta(days=5, hours=n))
        expected.add(("document", document.pk))
    for n in range(8):  # calls spread over the pages, the last one the oldest item of all
        case = make_case(rental, dmitry.dmitry, None, subject=f"Old case {n}")
        call = Activity.objects.create(case=case, contact=dmitry.dmitry, kind="call", data={"direction": "out"})
        Activity.objects.filter(pk=call.pk).update(
            created_at=dmitry.now - (timedelta(days=6) if n == 7 else timedelta(days=4, minutes=n * 13)))
        expected |= {("case", case.pk), ("call", call.pk)}
    viewer = client_for(manager)
    url, seen, costs, pages = f"/dealership/clients/{dmitry.dmitry.pk}/history/fragment/", [], [], []
    while url:
        with CaptureQueriesContext(connection) as queries:
            response = viewer.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        pages.append(html)
        costs.append(len(queries))
        seen += [(kind, int(activity or pk)) for kind, pk, activity in re.findall(
            r'<tr data-history-kind="(\w+)">.*?href="/(?:dealership/traffic|dealership/documents|cases)/(\d+)/'
            r'(?:#activity-(\d+))?', html, re.S)]
        older = _older_link(html)
        # The link opens the client page; the same cursor on the fragment, as the contact card asks.
        url = older and older.replace("/history/?", "/history/fragment/?")
        assert len(pages) < 10
    assert len(pages) >= 3 and all('data-history-kind="call"' in page for page in pages)
    assert len(set(costs)) == 1, costs
    assert 'data-testid="history-newest"' in pages[1] and 'data-testid="history-newest"' not in pages[0]
    times = [parse_datetime(value) for page in pages for value in WHEN.findall(page)]
    assert times == sorted(times, reverse=True)
    assert len(times) == len(expected) and len(seen) == len(set(seen)) and set(seen) == expected


def test_history_items_are_each_listed_once_across_pages(client_for, dmitry, manager):
    from centrala.dealership.journal import client_history, parse_history_cursor

    for n in range(7):
        dmitry.traffic(dmitry.goals.repair_call, dmitry.now - timedelta(days=9), contact=dmitry.dmitry)
    items, before, pages = [], None, 0
    while True:
        page, more = client_history(manager, dmitry.dmitry, limit=3, before=before)
        items += [(item.kind, item.pk) for item in page]
        pages += 1
        if not more:
            break
        before = parse_history_cursor(page[-1].cursor)
    assert pages == 4 and len(items) == len(set(items)) == 12  # 5 of the fixture, 7 at one moment
    assert parse_history_cursor("junk") is None and parse_history_cursor("2026-01-01T00:00:00~case~x") is None
    # A cursor that is not understood shows the newest page.
    html = client_for(manager).get(f"/dealership/clients/{dmitry.dmitry.pk}/history/?before=nonsense").content.decode()
    assert 'data-testid="history-newest"' not in html and len(kinds(html)) == 12
