"""Building import files and running imports in tests."""

import csv
import io

from openpyxl import Workbook

from centrala.contacts import importing
from centrala.contacts.models import ContactImport


def csv_bytes(rows, delimiter=",", encoding="utf-8", bom=False):
    handle = io.StringIO()
    csv.writer(handle, delimiter=delimiter).writerows(rows)
    text = handle.getvalue()
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def xlsx_bytes(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    handle = io.BytesIO()
    workbook.save(handle)
    return handle.getvalue()


def upload(actor, rows=None, *, name="contacts.csv", data=None, **csv_options):
    return importing.do_upload(actor, name, data if data is not None else csv_bytes(rows, **csv_options))


def run_import(actor, imp, *, duplicates="skip", group_name="Test group", mapping=None):
    """Map (the guessed mapping unless given), start and run an import; returns it reloaded."""
    imp = importing.do_set_mapping(actor, imp, mapping=mapping or imp.mapping, duplicates=duplicates,
                                   group_name=group_name)
    importing.do_start_import(actor, imp)
    importing.run_import(imp.pk)
    return ContactImport.objects.select_related("group").get(pk=imp.pk)
