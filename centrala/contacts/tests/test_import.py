"""Importing contacts (CON-06): reading files, guessing the mapping, rows, duplicates, groups."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from centrala.audit.models import AuditEntry
from centrala.contacts import importfile, importing
from centrala.contacts.models import Contact, ContactImport, ImportState

from .import_helpers import run_import, upload, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = ["Imię", "Nazwisko", "Telefon", "E-mail", "Miasto"]


def contact_named(last_name):
    return Contact.objects.prefetch_related("phones", "emails").get(last_name=last_name)


# --- reading files and guessing -------------------------------------------------------------------

def test_the_mapping_is_guessed_from_headers_in_polish_english_and_russian(contact_field):
    field = contact_field("customer_number", "Numer klienta")
    fields = [field]
    assert importfile.guess_mapping(
        ["Imię", "Nazwisko", "Nazwa firmy", "NIP", "Telefon", "Tel. kom.", "E-mail", "Ulica", "Kod pocztowy",
         "Miejscowość", "Kraj", "Numer klienta", "Uwagi"], fields,
    ) == ["first_name", "last_name", "company_name", "tax_id", "phone", "phone", "email", "street", "postal_code",
          "city", "country", "extra:customer_number", "ignore"]
    assert importfile.guess_mapping(["First Name", "Surname", "Company", "Type", "Mobile", "Phone 2", "Email",
                                     "Address", "ZIP", "Town", "Country", "customer_number"], fields) == [
        "first_name", "last_name", "company_name", "kind", "phone", "phone", "email", "street", "postal_code",
        "city", "country", "extra:customer_number"]
    assert importfile.guess_mapping(["Имя", "Фамилия", "Мобильный телефон", "Эл. почта", "Город", "Страна",
                                     "Организация", "ИНН"], fields) == [
        "first_name", "last_name", "phone", "email", "city", "country", "company_name", "tax_id"]
    # One column per single-value target; the second "Imię" is left for the user to decide.
    assert importfile.guess_mapping(["Imię", "Imię"], []) == ["first_name", "ignore"]


def test_csv_in_windows_1250_with_polish_letters_and_semicolons(manager):
    rows = [HEADER, ["Łukasz", "Żółć", "601 234 567", "lukasz@example.com", "Łódź"]]
    imp = upload(manager, rows, delimiter=";", encoding="windows-1250")
    assert (imp.encoding, imp.delimiter, imp.file_format, imp.total_rows) == ("windows-1250", ";", "csv", 1)
    assert imp.headers == HEADER
    imp = run_import(manager, imp)
    contact = contact_named("Żółć")
    assert (contact.first_name, contact.city) == ("Łukasz", "Łódź")
    assert contact.search_key == "lukasz zolc"


def test_csv_in_utf8_with_a_bom_and_tabs_and_in_windows_1251(manager):
    imp = upload(manager, [["Имя", "Фамилия", "Телефон"], ["Иван", "Петров", "+7 495 123-45-67"]],
                 delimiter="\t", bom=True)
    assert (imp.encoding, imp.delimiter, imp.headers[0]) == ("utf-8", "\t", "Имя")
    imp = upload(manager, [["Имя", "Фамилия", "Город"], ["Иван", "Петров", "Москва"]], encoding="windows-1251")
    assert imp.encoding == "windows-1251" and imp.mapping == ["first_name", "last_name", "city"]
    run_import(manager, imp)
    assert contact_named("Петров").city == "Москва"


def test_xlsx_with_numbers_as_phones(manager):
    data = xlsx_bytes([["First name", "Last name", "Phone", "Email"], ["Anna", "Nowak", 601234567, "anna@example.com"],
                       [None, None, None, None], ["Ewa", "Kowalska", 48602345678, None]])
    imp = upload(manager, name="leads.xlsx", data=data)
    assert (imp.file_format, imp.total_rows, imp.mapping) == ("xlsx", 2, ["first_name", "last_name", "phone", "email"])
    imp = run_import(manager, imp)
    assert imp.created_count == 2 and imp.error_count == 0
    assert contact_named("Nowak").phones.get().e164 == "+48601234567"
    assert contact_named("Kowalska").phones.get().e164 == "+48602345678"


@pytest.mark.parametrize("name,data,message", [
    ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV or XLSX"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel file"),
    ("broken.xlsx", b"PK\x03\x04 not really a zip", "cannot be read"),
    ("empty.csv", b"", "empty"),
    ("blank.csv", b"\r\n , ,\r\n  \r\n", "no rows"),
    ("quotes.csv", b'Name,Phone\r\n"Jan,601234567\r\n', "not a well-formed CSV"),
])
def test_files_that_cannot_be_imported_are_refused_clearly(manager, name, data, message):
    with pytest.raises(ValidationError, match=message):
        importing.do_upload(manager, name, data)
    assert not ContactImport.objects.exists()


def test_too_large_or_too_long_files_are_refused(manager, monkeypatch):
    monkeypatch.setattr(importfile, "MAX_BYTES", 100)
    with pytest.raises(ValidationError, match="too large"):
        upload(manager, [["Name"]] + [["x" * 20]] * 10)
    monkeypatch.setattr(importfile, "MAX_BYTES", 10_000)
    monkeypatch.setattr(importfile, "MAX_ROWS", 5)
    with pytest.raises(ValidationError, match="more than 5 rows"):
        upload(manager, [["Name"]] + [[f"Jan{n}"] for n in range(6)])


def test_agents_cannot_import(agent):
    with pytest.raises(PermissionDenied):
        upload(agent, [HEADER])


def test_a_file_without_a_header_row(manager):
    imp = upload(manager, [["Jan", "Nowak", "601 234 567"], ["Anna", "Nowak", "602 345 678"]])
    assert not imp.has_header and imp.total_rows == 2 and imp.mapping == ["ignore"] * 3
    imp = run_import(manager, imp, mapping=["first_name", "last_name", "phone"])
    assert imp.created_count == 2


# --- mapping --------------------------------------------------------------------------------------

def test_the_mapping_is_checked(manager):
    imp = upload(manager, [["A", "B"], ["Jan", "601234567"]])
    for mapping, message in ((["first_name"], "each of the 2 columns"), (["first_name", "first_name"], "one column only"),
                             (["ignore", "city"], "at least one column"), (["first_name", "salary"], "Column 2")):
        with pytest.raises(ValidationError, match=message):
            importing.do_set_mapping(manager, imp, mapping=mapping, duplicates="skip", group_name="G")
    with pytest.raises(ValidationError):
        importing.do_set_mapping(manager, imp, mapping=["first_name", "phone"], duplicates="merge", group_name="G")
    with pytest.raises(ValidationError):
        importing.do_set_mapping(manager, imp, mapping=["first_name", "phone"], duplicates="skip", group_name=" ")
    imp = importing.do_set_mapping(manager, imp, mapping=["first_name", "phone"], duplicates="fill", group_name="G")
    assert imp.options == {**imp.options, "duplicates": "fill", "group_name": "G"}


def test_another_delimiter_reads_other_columns(manager):
    data = "Imię;Nazwisko,Telefon\r\nJan;Nowak,601234567\r\n".encode()
    imp = upload(manager, data=data)
    assert imp.delimiter == "," and imp.headers == ["Imię;Nazwisko", "Telefon"] and imp.mapping == ["ignore", "phone"]
    imp, changed = importing.do_set_file_options(manager, imp, encoding="utf-8", delimiter=";")
    assert changed and imp.headers == ["Imię", "Nazwisko,Telefon"] and imp.mapping == ["first_name", "ignore"]
    imp, changed = importing.do_set_file_options(manager, imp, encoding="utf-8", delimiter=";")
    assert not changed


# --- rows, errors, duplicates ---------------------------------------------------------------------

def test_bad_rows_are_reported_and_the_rest_imported(manager, contact_field):
    contact_field("birthday", "Birthday", kind="date")
    rows = [HEADER + ["Rodzaj", "Firma", "Birthday"],
            ["Jan", "Dobry", "601 000 001", "jan@example.com", "Kraków", "", "", "1980-02-03"],
            ["Zły", "Telefon", "12", "", "", "", "", ""],
            ["", "", "", "not-an-address", "", "", "", ""],
            ["", "", "", "", "Gdańsk", "firma", "", ""],
            ["Anna", "Dobra", "602 000 002", "", "", "osoba", "", "3 lutego"],
            ["", "", "", "", "", "", "", ""],
            ["", "", "", "", "", "company", "ACME sp. z o.o.", ""],
            ["Ewa", "Zła", "", "", "", "robot", "", ""]]
    imp = run_import(manager, upload(manager, rows))
    assert (imp.state, imp.created_count, imp.error_count, imp.percent) == (ImportState.DONE, 2, 5, 100)
    assert imp.total_rows == imp.done_rows == 7
    errors = dict(imp.errors)
    assert set(errors) == {3, 4, 5, 6, 9}  # file rows: the header is row 1, the blank row 7 is not counted
    assert "“12” is not a valid phone number." in errors[3]
    assert "not a valid e-mail address" in errors[4]
    assert "Enter the company name." in errors[5]
    assert "“Birthday” must be a date" in errors[6]
    assert "neither a person nor a company" in errors[9]
    jan = contact_named("Dobry")
    assert jan.extra == {"birthday": "1980-02-03"} and jan.city == "Kraków"
    assert jan.phones.get().e164 == "+48601000001" and jan.emails.get().address_key == "jan@example.com"
    acme = Contact.objects.get(company_name="ACME sp. z o.o.")
    assert acme.kind == "company" and acme.display_name == "ACME sp. z o.o."
    assert set(imp.group.contacts.all()) == {jan, acme}
    assert (imp.group.created_count, imp.group.error_count) == (2, 5)


def test_several_phone_and_e_mail_columns_and_lists_in_a_cell(manager):
    rows = [["Name", "Surname", "Phone", "Mobile", "Email"],
            ["Jan", "Wielo", "601 000 001; +48 601-000-001", "0048 602 000 002", "a@example.com, B@example.com"]]
    run_import(manager, upload(manager, rows))
    jan = contact_named("Wielo")
    assert [p.e164 for p in jan.phones.all()] == ["+48601000001", "+48602000002"]
    assert [e.address for e in jan.emails.all()] == ["a@example.com", "B@example.com"]


@pytest.fixture
def existing(make_contact):
    return make_contact("Jan", "Kowalski", phones=["+48 601-234-567"], emails=["jan@example.com"], city="")


DUPLICATE_ROWS = [["Imię", "Nazwisko", "Telefon", "E-mail", "Miasto"],
                  ["Janek", "Kowalski-Nowy", "601234567", "", "Poznań"],
                  ["", "", "", "JAN@EXAMPLE.COM", "Gniezno"],
                  ["Nowa", "Osoba", "605 000 000", "", ""]]


def test_duplicates_by_phone_or_e_mail_are_skipped(manager, existing):
    imp = run_import(manager, upload(manager, DUPLICATE_ROWS), duplicates="skip")
    assert (imp.created_count, imp.skipped_count, imp.updated_count) == (1, 2, 0)
    existing.refresh_from_db()
    assert existing.city == "" and existing.version == 1
    assert list(imp.group.contacts.values_list("last_name", flat=True)) == ["Osoba"]


def test_duplicates_fill_in_what_the_contact_lacks(manager, existing):
    imp = run_import(manager, upload(manager, DUPLICATE_ROWS), duplicates="fill")
    assert (imp.created_count, imp.updated_count, imp.skipped_count) == (1, 1, 0)
    assert imp.unchanged_count == 1  # the second row finds nothing left to fill
    existing.refresh_from_db()
    assert (existing.first_name, existing.last_name, existing.city) == ("Jan", "Kowalski", "Poznań")
    assert existing.version == 2
    assert imp.group.contacts.filter(pk=existing.pk).exists()
    entry = AuditEntry.objects.get(action="contact.update", object_id=str(existing.pk))
    assert entry.changes["city"] == ["", "Poznań"] and entry.changes["import"] == [None, "Test group"]
    assert entry.actor == manager


def test_duplicates_overwrite_with_the_files_values(manager, existing):
    imp = run_import(manager, upload(manager, DUPLICATE_ROWS), duplicates="overwrite")
    assert (imp.created_count, imp.updated_count) == (1, 2)
    existing.refresh_from_db()
    assert (existing.first_name, existing.last_name, existing.city) == ("Janek", "Kowalski-Nowy", "Gniezno")
    assert existing.display_name == "Janek Kowalski-Nowy" and existing.search_key.startswith("janek kowalski-nowy")
    assert [p.e164 for p in existing.phones.all()] == ["+48601234567"]  # no second copy of the number


def test_duplicates_created_anyway(manager, existing):
    imp = run_import(manager, upload(manager, DUPLICATE_ROWS), duplicates="create")
    assert imp.created_count == 3 and Contact.objects.count() == 4


def test_duplicates_within_the_file_and_across_batches(manager, monkeypatch):
    monkeypatch.setattr(importing, "BATCH", 2)
    rows = [["Imię", "Nazwisko", "Telefon", "E-mail"],
            ["Jan", "Raz", "601 111 111", ""],
            ["", "Raz", "601111111", "raz@example.com"],   # same batch as the first: merged into it
            ["", "", "", ""],
            ["Jan", "Raz-Trzeci", "+48601111111", ""]]     # a later batch: updates the contact
    imp = run_import(manager, upload(manager, rows), duplicates="fill")
    contact = Contact.objects.get()
    assert contact.last_name == "Raz" and [e.address for e in contact.emails.all()] == ["raz@example.com"]
    assert (imp.created_count, imp.updated_count, imp.unchanged_count) == (1, 1, 1)
    imp = run_import(manager, upload(manager, rows), duplicates="skip")
    assert (imp.created_count, imp.skipped_count) == (0, 3)


def test_the_import_is_audited_and_runs_once(manager):
    imp = run_import(manager, upload(manager, [HEADER, ["Jan", "Audyt", "601 000 009", "", ""]]))
    actions = list(AuditEntry.objects.filter(object_type="contacts.contactimport").order_by("pk")
                   .values_list("action", flat=True))
    assert actions == ["contact_import.upload", "contact_import.mapping", "contact_import.start",
                       "contact_import.finish"]
    finish = AuditEntry.objects.get(action="contact_import.finish")
    assert finish.changes["created"] == 1 and finish.changes["group"] == "Test group"
    assert importing.run_import(imp.pk).state == ImportState.DONE  # a second worker does nothing
    assert Contact.objects.count() == 1
    with pytest.raises(ValidationError, match="already started"):
        importing.do_start_import(manager, imp)


def test_preview_shows_outcomes_without_saving(manager, existing):
    rows = DUPLICATE_ROWS + [["Zły", "Numer", "12", "", ""]]
    imp = upload(manager, rows)
    preview = importing.preview(imp)
    assert [item["row"].outcome for item in preview] == ["skip", "skip", "create", "error"]
    assert preview[0]["row"].contact_id == existing.pk and preview[0]["cells"][1] == "Kowalski-Nowy"
    assert Contact.objects.count() == 1 and not AuditEntry.objects.filter(action="contact.update").exists()


def test_a_crash_stops_the_import_keeps_finished_batches_and_says_why(manager, monkeypatch):
    monkeypatch.setattr(importing, "BATCH", 2)
    rows = [HEADER] + [["Jan", f"Partia{n}", f"601 000 10{n}", "", ""] for n in range(5)]
    imp = upload(manager, rows)
    importing.do_set_mapping(manager, imp, mapping=imp.mapping, duplicates="skip", group_name="G")
    importing.do_start_import(manager, imp)
    write = importing.Importer.write
    calls = []

    def failing_write(self, batch, group):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return write(self, batch, group)

    monkeypatch.setattr(importing.Importer, "write", failing_write)
    with pytest.raises(RuntimeError):
        importing.run_import(imp.pk)
    imp.refresh_from_db()
    assert imp.state == ImportState.FAILED and "disk full" in imp.failure and imp.finished_at
    assert (imp.done_rows, imp.created_count) == (2, 2) and Contact.objects.count() == 2


class WorkerKilled(BaseException):
    """What a killed worker leaves behind: no handler runs, the import stays "running"."""


def test_an_import_whose_worker_died_is_resumed_after_its_last_batch(manager, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    monkeypatch.setattr(importing, "BATCH", 2)
    rows = [HEADER] + [["Jan", f"Wznowiony{n}", f"601 000 2{n}0", "", ""] for n in range(5)]
    imp = upload(manager, rows)
    importing.do_set_mapping(manager, imp, mapping=imp.mapping, duplicates="skip", group_name="G")
    importing.do_start_import(manager, imp)
    write, calls = importing.Importer.write, []

    def killed_on_the_second_batch(self, batch, group):
        calls.append(1)
        if len(calls) == 2:
            raise WorkerKilled
        return write(self, batch, group)

    monkeypatch.setattr(importing.Importer, "write", killed_on_the_second_batch)
    with pytest.raises(WorkerKilled):
        importing.run_import(imp.pk)
    monkeypatch.setattr(importing.Importer, "write", write)
    imp.refresh_from_db()
    assert (imp.state, imp.done_rows) == (ImportState.RUNNING, 2)
    assert importing.resume_stalled_imports() == 0  # it may still be working
    later = timezone.now() + timedelta(minutes=11)
    assert importing.resume_stalled_imports(now=later) == 1  # queued again for a worker
    assert importing.resume_stalled_imports(now=later) == 0  # once only
    imp.refresh_from_db()
    assert imp.state == ImportState.QUEUED
    stale = ContactImport.objects.get(pk=imp.pk)  # as the killed runner last saw it
    stale.state, stale.done_rows = ImportState.RUNNING, 2
    imp = importing.run_import(imp.pk)
    assert imp.state == ImportState.DONE
    assert (imp.done_rows, imp.created_count) == (5, 5)
    # Should the old runner wake up, it finds its next batch written by another and stops.
    with pytest.raises(importing._Superseded):
        importing._run(stale, manager)
    imp.refresh_from_db()
    assert (imp.state, imp.done_rows, imp.created_count) == (ImportState.DONE, 5, 5)
    assert sorted(Contact.objects.values_list("last_name", flat=True)) == [f"Wznowiony{n}" for n in range(5)]
    assert imp.group.contacts.count() == 5
