"""The list benchmark at a tiny size, so its code cannot rot: generate, measure, write.

Not a performance test: the numbers are not checked, only that every measured request works,
the generated rows are what the models would have written, and the report is complete.
"""

import json

import pytest

from bench import lists
from bench.generate import Generator, Sizes
from centrala.cases.models import Case
from centrala.contacts.models import Contact, ContactEmail, ContactPhone
from centrala.lib.phones import to_e164
from centrala.worklists.models import BulkJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated():
    sizes = Sizes.for_cases(200)
    Generator(sizes, log=lambda *args: None).run()
    return sizes


def test_the_generator_fills_derived_fields_as_the_models_do(generated):
    assert Case.objects.count() == 200
    assert Contact.objects.count() == generated.contacts
    for contact in Contact.objects.all():
        fields = ("kind", "first_name", "last_name", "company_name", "tax_id")
        expected = Contact(**{name: getattr(contact, name) for name in fields})
        expected.display_name = expected.derive_display_name()
        assert (contact.display_name, contact.search_key) == (expected.display_name, expected.derive_search_key())
    for phone in ContactPhone.objects.all():
        assert (to_e164(phone.raw) or "") == phone.e164
    for email in ContactEmail.objects.all():
        assert email.address_key == email.address.lower()
    # New rows after the bulk load get fresh ids (sequences were moved past the loaded ones).
    case = Case.objects.first()
    copy = Case.objects.create(subject="after", campaign=case.campaign, status=case.status, contact=case.contact)
    assert copy.pk > max(Case.objects.exclude(pk=copy.pk).values_list("pk", flat=True))


def test_the_measurements_run_and_are_written(generated, tmp_path):
    report = lists.run(rounds=1, warmup=0, deep_pages=2, bulk_size=40, bulk_repeats=2, log=lambda *args: None)
    rows = report["results"]
    names = {(row["user"], row["name"]) for row in rows}
    for who in ("manager", "agent"):
        for view in ("Tickets", "My tickets", "Tickets to distribute", "Cases", "Reminders", "Spam"):
            assert (who, f"{view}: first page") in names
        assert (who, "Tickets: campaign + status filter") in names
        assert (who, "Case card") in names
        assert (who, "Cases: search by e-mail") in names
    assert ("manager", "Cases: page 3") in names and ("agent", "Cases: sorted by due time, page 3") in names
    pages = [row for row in rows if row["group"] != "bulk"]
    assert all(row["status"] == 200 for row in pages), [(r["name"], r["status"]) for r in pages if r["status"] != 200]
    assert all(row["queries"] and row["median_ms"] > 0 for row in pages)
    (bulk,) = [row for row in rows if row["group"] == "bulk"]
    assert (bulk["status"], bulk["cases"], bulk["changed"], bulk["refused"], bulk["rounds"]) == ("done", 40, 40, 0, 2)
    last = BulkJob.objects.latest("pk")
    assert set(Case.objects.filter(pk__in=last.ids).values_list("owner_id", flat=True)) == {last.params["owner"]}
    assert report["query_counts"]["constant"], report["query_counts"]

    report["sizes"] = generated.as_dict()
    saved = json.loads(lists.write_json(report, tmp_path / "lists.json").read_text())
    assert saved["results"][0]["p95_ms"] == rows[0]["p95_ms"]
    doc = tmp_path / "performance.md"
    lists.write_markdown(report, doc)
    lists.write_markdown(report, doc)  # rewriting replaces the block between the markers
    text = doc.read_text()
    start, end = lists.markers(report["engine"])
    assert text.count(start) == 1 and text.count(end) == 1
    assert "| Pages: Tickets: first page | manager |" in text
    assert "Bulk set owner, 40 cases" in text
