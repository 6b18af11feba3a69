"""Export of a list to CSV and XLSX (BULK-01): the user's visible columns in their order, every
page, the filter applied, text a spreadsheet would run as a formula made literal; managers only."""

import csv
import io
import json
from datetime import datetime

import pytest
from openpyxl import load_workbook

from centrala.cases.models import Case

EVIL = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(A1:A2)"]


def quick_case(campaign, contact, **fields):
    fields.setdefault("subject", "A case")
    return Case.objects.create(campaign=campaign, contact=contact, status=campaign.script.initial_status, **fields)


def body(response):
    """The whole file (a streamed answer is read once and kept)."""
    if not hasattr(response, "_body"):
        response._body = b"".join(response.streaming_content) if response.streaming else response.content
    return response._body


def csv_rows(response):
    return list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))


def xlsx_rows(response):
    sheet = load_workbook(io.BytesIO(body(response)), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def exported(client_for, manager, rental, service, contact):
    """60 rental cases (more than a page), 3 of another campaign, and a layout: subject first,
    owner and spam hidden."""
    cases = [quick_case(rental, contact, subject=f"Rental {n}") for n in range(56)]
    cases += [quick_case(rental, contact, subject=text) for text in EVIL]
    for _ in range(3):
        quick_case(service, contact, subject="Service")
    client = client_for(manager)
    order = ["subject", "number", "campaign", "status", "owner", "spam", "created"]
    layout = [{"key": key, "width": 100, "visible": key not in ("owner", "spam")} for key in order]
    response = client.post("/lists/cases/layout/", json.dumps({"columns": layout}), content_type="application/json")
    assert response.status_code == 200
    return {"client": client, "cases": cases}


HEADER = ["Subject", "Number", "Campaign", "Status", "Created", "Contact", "Priority", "Callback due", "Updated"]


def test_csv_has_the_visible_columns_every_page_and_the_filter(exported, rental):
    response = exported["client"].get("/lists/cases/export.csv", {"campaign": rental.pk, "sort": "number"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="cases-')
    rows = csv_rows(response)
    assert rows[0] == HEADER
    assert len(rows) == 1 + 60  # all pages, without the other campaign's 3 cases
    assert [int(row[1]) for row in rows[1:]] == [case.pk for case in exported["cases"]]  # sorted as asked
    first = rows[1]
    assert first[0] == "Rental 0" and first[2] == "Vehicle rental" and first[3] == "New" and first[5] == "Jan Kowalski"
    assert datetime.fromisoformat(first[4])  # a plain local time
    # Text that a spreadsheet would run as a formula is made literal.
    assert [row[0] for row in rows[-4:]] == ["'" + text for text in EVIL]


def test_xlsx_has_the_same_rows_and_keeps_formulas_literal(exported, rental):
    response = exported["client"].get("/lists/cases/export.xlsx", {"campaign": rental.pk, "sort": "number"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="cases-' in response["Content-Disposition"] and '.xlsx"' in response["Content-Disposition"]
    rows = xlsx_rows(response)
    assert rows[0] == HEADER
    assert len(rows) == 61
    assert [row[1] for row in rows[1:]] == [case.pk for case in exported["cases"]]
    assert isinstance(rows[1][4], datetime) and rows[1][4].tzinfo is None
    assert [row[0] for row in rows[-4:]] == ["'" + text for text in EVIL]
    sheet = load_workbook(io.BytesIO(body(response))).active
    assert all(cell.data_type == "s" for cell in sheet["A"][1:])  # strings, never formulas


def test_export_follows_the_search_and_a_saved_tab(exported, manager, rental):
    client = exported["client"]
    rows = csv_rows(client.get("/lists/cases/export.csv", {"q": "Rental 1"}))
    assert sorted(row[0] for row in rows[1:]) == sorted(["Rental 1"] + [f"Rental {n}" for n in range(10, 20)])
    client.post("/lists/cases/variants/", {"name": "Service only", "query": "q=Service"})
    from centrala.worklists.models import ViewVariant

    variant = ViewVariant.objects.get()
    rows = csv_rows(client.get("/lists/cases/export.csv", {"variant": variant.pk}))
    assert [row[0] for row in rows[1:]] == ["Service"] * 3


def test_the_page_links_to_exports_of_the_current_filter(exported, rental):
    html = exported["client"].get("/cases/", {"campaign": rental.pk}).content.decode()
    assert f'href="/lists/cases/export.csv?campaign={rental.pk}"' in html
    assert f'href="/lists/cases/export.xlsx?campaign={rental.pk}"' in html
    html = exported["client"].get("/cases/", {"campaign": rental.pk, "sort": "due", "after": "x"}).content.decode()
    assert f'href="/lists/cases/export.csv?campaign={rental.pk}&amp;sort=due"' in html


def test_a_bad_filter_is_not_exported(client_for, manager, db):
    response = client_for(manager).get("/lists/cases/export.csv", {"created_from": "soon"})
    assert response.status_code == 400
    assert response.json() == {"detail": "Created: “soon” is not a date (YYYY-MM-DD)."}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_agents_and_others_cannot_export(client, client_for, agent, home_agent, receptionist, rental, contact, fmt):
    quick_case(rental, contact)
    url = f"/lists/cases/export.{fmt}"
    for user in (agent, home_agent, receptionist):
        assert client_for(user).get(url).status_code == 403
    assert client.get(url).status_code == 302
    assert "data-export" not in client_for(agent).get("/cases/").content.decode()
