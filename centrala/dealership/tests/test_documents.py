"""The document journal (documents.html): search, filters by kind, status, department and creation
date, and pages, over exactly the documents the user may open (access.visible_documents)."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from centrala.dealership.models import Document, DocumentKind, DocumentStatus
from centrala.dealership.views import DOCUMENTS_PAGE_SIZE

from .dlr_setup import dealer  # noqa: F401  (fixture)

ROW = re.compile(r'<tr data-document-id="(\d+)">')


def ids(response):
    assert response.status_code == 200
    return [int(pk) for pk in ROW.findall(response.content.decode())]


@pytest.fixture
def documents(dealer):
    """Sales worksheets and service bookings and arrivals, some closed, created on known days."""
    now = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)

    def make(kind, department, days_ago, status=DocumentStatus.OPEN, **fields):
        return Document.objects.create(kind=kind, department=department, status=status, contact=dealer.ivanov,
                                       created_at=now - timedelta(days=days_ago), **fields)

    return {
        "worksheets": [make(DocumentKind.WORKSHEET, dealer.sales, n % 10, subject=f"Car {n}")
                       for n in range(DOCUMENTS_PAGE_SIZE + 5)],
        "booking": make(DocumentKind.BOOKING, dealer.service, 2, scheduled_at=now + timedelta(days=1),
                        vehicle=dealer.car),
        "closed": make(DocumentKind.BOOKING, dealer.service, 20, status=DocumentStatus.CLOSED),
        "arrival": make(DocumentKind.ARRIVAL, dealer.service, 5, vehicle=dealer.car),
        "now": now,
    }


def test_the_journal_pages_through_every_document_the_user_may_see(dealer, documents, client_for):
    manager = client_for(dealer.manager)
    url = reverse("dealership:documents")
    first = ids(manager.get(url))
    second = ids(manager.get(url, {"page": 2}))
    assert len(first) == DOCUMENTS_PAGE_SIZE and set(first).isdisjoint(second)
    assert set(first + second) == set(Document.objects.values_list("pk", flat=True))
    assert "Page 1 of 2" in manager.get(url).content.decode()
    # Open ones first, newest first, then the closed.
    assert first[0] == documents["arrival"].pk and second[-1] == documents["closed"].pk


def test_filters_by_kind_status_department_and_date(dealer, documents, client_for):
    manager = client_for(dealer.manager)
    url = reverse("dealership:documents")
    service = {documents["booking"].pk, documents["closed"].pk, documents["arrival"].pk}
    assert set(ids(manager.get(url, {"department": dealer.service.pk}))) == service
    assert ids(manager.get(url, {"kind": "arrival"})) == [documents["arrival"].pk]
    assert ids(manager.get(url, {"kind": "booking", "status": "closed"})) == [documents["closed"].pk]
    assert len(ids(manager.get(url, {"status": "open", "department": dealer.sales.pk}))) == DOCUMENTS_PAGE_SIZE
    day = (documents["now"] - timedelta(days=5)).date()
    on_day = ids(manager.get(url, {"from": day.isoformat(), "to": day.isoformat()}))
    expected = {d.pk for d in documents["worksheets"] if timezone.localtime(d.created_at).date() == day}
    assert set(on_day) == expected | {documents["arrival"].pk}
    two_days_ago = (documents["now"] - timedelta(days=2)).date().isoformat()
    since = ids(manager.get(url, {"from": two_days_ago, "kind": "booking"}))
    assert since == [documents["booking"].pk]
    # The filters are kept on the form and in the page links; unknown values are left out.
    page = manager.get(url, {"kind": "worksheet", "status": "open"}).content.decode()
    assert '<option value="worksheet" selected>' in page and "page=2" in page and "kind=worksheet" in page
    assert len(ids(manager.get(url, {"kind": "nonsense", "department": "x", "from": "2026-13-45"}))) == \
        DOCUMENTS_PAGE_SIZE


def test_filters_never_show_what_the_user_may_not_open(dealer, documents, client_for):
    sales = client_for(dealer.petukhov)
    url = reverse("dealership:documents")
    assert ids(sales.get(url, {"department": dealer.service.pk})) == []
    assert ids(sales.get(url, {"kind": "arrival"})) == []
    worksheets = ids(sales.get(url)) + ids(sales.get(url, {"page": 2}))
    assert set(worksheets) == {d.pk for d in documents["worksheets"]}
    service = client_for(dealer.sidorov)
    assert set(ids(service.get(url))) == {documents["booking"].pk, documents["closed"].pk, documents["arrival"].pk}
    assert client_for(dealer.receptionist).get(url).status_code == 403


def test_a_page_costs_the_same_queries_however_many_documents(dealer, documents, client_for):
    manager = client_for(dealer.manager)
    url = reverse("dealership:documents")
    manager.get(url, {"kind": "booking"})
    with CaptureQueriesContext(connection) as few:
        assert len(ids(manager.get(url, {"kind": "booking"}))) == 2
    with CaptureQueriesContext(connection) as many:
        assert len(ids(manager.get(url))) == DOCUMENTS_PAGE_SIZE
    assert len(many) == len(few)
