"""Cells that spreadsheets open safely."""

import csv
from datetime import UTC, datetime

from centrala.lib.export import Echo, cell


def test_formulas_become_text_and_control_characters_go(settings):
    assert [cell(v) for v in ("=HYPERLINK(\"x\")", "+48 601", "-1", "@SUM", "\tx", "plain")] == [
        "'=HYPERLINK(\"x\")", "'+48 601", "'-1", "'@SUM", "'\tx", "plain"]
    assert cell("bell\x07 and null\x00") == "bell and null"
    assert cell(12) == 12 and cell(None) is None


def test_times_are_local_without_a_zone(settings):
    settings.TIME_ZONE = "Europe/Warsaw"
    assert cell(datetime(2026, 7, 1, 10, 0, tzinfo=UTC)) == datetime(2026, 7, 1, 12, 0)


def test_echo_hands_csv_lines_back():
    assert csv.writer(Echo()).writerow(["a", "b c"]) == "a,b c\r\n"
