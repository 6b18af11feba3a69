"""Writing CSV and spreadsheet cells that people open in Excel or LibreOffice."""

from datetime import datetime

from django.utils import timezone
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE


class Echo:
    """A file for csv.writer that hands each written line back (to stream or join them)."""

    def write(self, value):
        return value


def cell(value):
    """A cell as a spreadsheet should get it: local time without zone, no control characters,
    and text that a spreadsheet would run as a formula ("=...", "+...", "@...") made literal."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            value = "'" + value
    return value
