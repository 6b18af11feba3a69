"""Reading an uploaded contacts file (CON-06): CSV in any usual encoding and delimiter, or XLSX.

Everything here works on bytes and text only (no database): which format a file is, which
encoding and delimiter a CSV uses, its rows as lists of strings, and which contact field a
column header probably means (in Polish, English or Russian).
"""

import csv
import io
import re
import zipfile
from datetime import date, datetime, time

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from centrala.lib.text import fold

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
MAX_COLUMNS = 100
MAX_CELL = 1000

ENCODINGS = [
    ("utf-8", gettext_lazy("UTF-8")),
    ("windows-1250", gettext_lazy("Windows-1250 (Central European)")),
    ("iso-8859-2", gettext_lazy("ISO-8859-2 (Central European)")),
    ("windows-1251", gettext_lazy("Windows-1251 (Cyrillic)")),
    ("utf-16", gettext_lazy("UTF-16")),
]
DELIMITERS = [
    (",", gettext_lazy("Comma ( , )")),
    (";", gettext_lazy("Semicolon ( ; )")),
    ("\t", gettext_lazy("Tab")),
    ("|", gettext_lazy("Vertical bar ( | )")),
]

csv.field_size_limit(MAX_BYTES)


class FileError(ValueError):
    """The file cannot be read; the message says why, for the user."""


# --- format, encoding, delimiter ------------------------------------------------------------------

def detect_format(name, data):
    """"csv" or "xlsx", or FileError for anything else (old .xls, PDFs, images, empty files)."""
    if not data:
        raise FileError(_("The file is empty."))
    lower = (name or "").lower()
    if data[:4] == b"PK\x03\x04":
        if lower.endswith((".xlsx", ".xlsm")) or _is_xlsx(data):
            return "xlsx"
        raise FileError(_("This is a ZIP archive, not a spreadsheet. Upload a CSV or XLSX file."))
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileError(_("This is an old Excel file (.xls). Save it as XLSX or CSV and upload that."))
    if lower.endswith((".xlsx", ".xls", ".ods", ".pdf", ".doc", ".docx")):
        raise FileError(_("The file is not a CSV or XLSX spreadsheet."))
    head = data[:65536]
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileError(_("The file is not a CSV or XLSX spreadsheet."))
    return "csv"


def _is_xlsx(data):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def detect_encoding(data):
    """The encoding a CSV is most likely written in: UTF-8 (with or without a BOM) when it reads
    as UTF-8, else Windows-1251 when most letters are Cyrillic, else Windows-1250 (Polish Excel)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    sample = data[:65536]
    high = sum(1 for byte in sample if byte >= 0xC0)
    letters = sum(1 for byte in sample if byte >= 0xC0 or 0x41 <= byte <= 0x5A or 0x61 <= byte <= 0x7A)
    return "windows-1251" if letters and high / letters > 0.4 else "windows-1250"


def decode(data, encoding):
    try:
        text = data.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    except (UnicodeDecodeError, LookupError):
        raise FileError(_("The file cannot be read as %(encoding)s. Choose another encoding.") % {"encoding": encoding}) from None
    return text.lstrip("\ufeff")


def sniff_delimiter(text):
    """The delimiter of a CSV text: the sniffer's guess among , ; tab |, else the one the first
    line holds most of."""
    sample = text[:65536]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        counts = {delimiter: first.count(delimiter) for delimiter, _label in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


# --- rows -----------------------------------------------------------------------------------------

def cell_text(value):
    """A spreadsheet cell as the text a user typed: 601234567 not 601234567.0, dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time.min else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return " ".join(str(value).split())[:MAX_CELL]


def iter_rows(data, file_format, encoding="utf-8", delimiter=","):
    """Every row of the file as a list of strings (cells trimmed), header included."""
    if file_format == "xlsx":
        yield from _xlsx_rows(data)
        return
    reader = csv.reader(io.StringIO(decode(data, encoding)), delimiter=delimiter or ",", strict=True)
    try:
        for row in reader:
            yield [" ".join(cell.split())[:MAX_CELL] for cell in row[:MAX_COLUMNS]]
    except csv.Error as error:
        raise FileError(_("The file is not a well-formed CSV (line %(line)s): %(error)s")
                        % {"line": reader.line_num, "error": error}) from None


def _xlsx_rows(data):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise FileError(_("The spreadsheet cannot be read. Save it again as XLSX or CSV.")) from None
    try:
        if not workbook.worksheets:
            raise FileError(_("The spreadsheet has no sheets."))
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            yield [cell_text(value) for value in row[:MAX_COLUMNS]]
    finally:
        workbook.close()


def non_blank(rows):
    """(row number in the file, cells) for each row with any text; numbers count blank rows too."""
    for number, cells in enumerate(rows, start=1):
        if any(cells):
            yield number, cells


def inspect(name, data, encoding=None, delimiter=None):
    """What the upload step needs to know: format, encoding, delimiter, the first row and the
    number of data rows. Raises FileError when the file cannot be used."""
    if len(data) > MAX_BYTES:
        raise FileError(_("The file is too large: at most %(size)s MB.") % {"size": MAX_BYTES // (1024 * 1024)})
    file_format = detect_format(name, data)
    if file_format == "csv":
        encoding = encoding or detect_encoding(data)
        delimiter = delimiter or sniff_delimiter(decode(data, encoding))
    rows = non_blank(iter_rows(data, file_format, encoding or "", delimiter or ""))
    first = next(rows, None)
    if first is None:
        raise FileError(_("The file has no rows."))
    count = 0
    for count, _row in enumerate(rows, start=1):
        if count > MAX_ROWS:
            raise FileError(_("The file has more than %(rows)s rows. Split it into smaller files.") % {"rows": MAX_ROWS})
    return {"format": file_format, "encoding": encoding or "", "delimiter": delimiter or "",
            "first_row": first[1], "data_rows": count}


# --- guessing the mapping -------------------------------------------------------------------------

# Folded header words (see centrala.lib.text.fold) that mean each target, in pl, en and ru.
HEADER_NAMES = {
    "first_name": ["first name", "firstname", "given name", "forename", "name first", "imie", "имя"],
    "last_name": ["last name", "lastname", "surname", "family name", "nazwisko", "фамилия"],
    "company_name": ["company", "company name", "organisation", "organization", "firm", "firma", "nazwa firmy",
                     "nazwa", "przedsiebiorstwo", "компания", "организация", "название компании", "фирма"],
    "kind": ["kind", "type", "contact type", "rodzaj", "typ", "typ kontaktu", "тип", "вид", "тип контакта"],
    "tax_id": ["tax id", "taxid", "vat", "vat id", "vat number", "nip", "инн", "tax number"],
    "phone": ["phone", "telephone", "tel", "mobile", "cell", "phone number", "mobile phone", "telefon", "komorka",
              "nr telefonu", "numer telefonu", "tel kom", "telefon komorkowy", "телефон", "мобильный", "моб",
              "мобильный телефон", "номер телефона"],
    "email": ["email", "e mail", "mail", "email address", "e mail address", "adres email", "adres e mail",
              "почта", "эл почта", "электронная почта", "e почта"],
    "street": ["street", "address", "street address", "ulica", "adres", "ulica i numer", "улица", "адрес"],
    "postal_code": ["postal code", "postcode", "zip", "zip code", "kod pocztowy", "kod", "индекс",
                    "почтовый индекс"],
    "city": ["city", "town", "miasto", "miejscowosc", "город", "населенный пункт"],
    "country": ["country", "kraj", "panstwo", "страна"],
}
MULTI_TARGETS = frozenset({"phone", "email"})


def header_key(text):
    """A header as compared: folded, punctuation and trailing numbers dropped ("E-mail 2" -> "e mail")."""
    words = re.sub(r"[^\w]+", " ", fold(text)).split()
    while words and words[-1].isdigit():
        words.pop()
    return " ".join(words)


_LOOKUP = {header_key(name): target for target, names in HEADER_NAMES.items() for name in names}


def guess_mapping(headers, fields=()):
    """A target for each header: a contact field ("first_name", "phone", ...), "extra:<key>" for
    an administrator's field matched by its key or label, or "ignore". A single-value target is
    given to its first column only; phones and e-mails may take several columns."""
    extra = {}
    for field in fields:
        extra.setdefault(header_key(field.key), f"extra:{field.key}")
        extra.setdefault(header_key(field.label), f"extra:{field.key}")
    mapping, taken = [], set()
    for header in headers:
        key = header_key(header)
        target = extra.get(key) or _LOOKUP.get(key) or "ignore"
        if target == "ignore" and key:
            # "Telefon kom.", "Mobile phone 2", "E-mail prywatny": the first word decides.
            first = key.split()[0]
            if _LOOKUP.get(first) in MULTI_TARGETS:
                target = _LOOKUP[first]
        if target != "ignore" and target not in MULTI_TARGETS and target in taken:
            target = "ignore"
        taken.add(target)
        mapping.append(target)
    return mapping
