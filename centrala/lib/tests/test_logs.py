"""JsonFormatter: one JSON object per line, extra fields included."""

import io
import json
import logging

import pytest

from centrala.lib.logs import JsonFormatter


@pytest.fixture
def logger():
    """A logger writing through JsonFormatter into a string; (logger, stream)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("centrala.tests.json")
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    log.propagate = False
    yield log, stream
    log.removeHandler(handler)


def lines(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_one_object_per_line_with_the_standard_fields(logger):
    log, stream = logger
    log.info("user %s signed in", "ann")
    log.warning("second")
    first, second = lines(stream)
    assert first["message"] == "user ann signed in"
    assert (first["level"], first["logger"]) == ("INFO", "centrala.tests.json")
    assert first["time"].endswith("+00:00") and "T" in first["time"]
    assert second["level"] == "WARNING"


def test_extra_fields_are_included(logger):
    log, stream = logger
    log.info("done", extra={"request_id": "abc", "status": 200, "duration_ms": 1.5, "ok": True, "user_id": None})
    (entry,) = lines(stream)
    assert {key: entry[key] for key in ("request_id", "status", "duration_ms", "ok", "user_id")} == {
        "request_id": "abc", "status": 200, "duration_ms": 1.5, "ok": True, "user_id": None,
    }
    # Nothing of the LogRecord's own bookkeeping leaks out.
    assert not {"args", "msg", "levelno", "pathname", "lineno", "process", "thread"} & set(entry)


def test_values_json_cannot_hold_are_written_as_their_repr(logger):
    log, stream = logger
    log.info("odd", extra={"items": [1, 2], "when": object})
    (entry,) = lines(stream)
    assert entry["items"] == "[1, 2]"
    assert entry["when"] == "<class 'object'>"


def test_an_exception_stays_on_one_line(logger):
    log, stream = logger
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        log.exception("it failed")
    assert len(stream.getvalue().splitlines()) == 1
    (entry,) = lines(stream)
    assert entry["level"] == "ERROR"
    assert entry["exception"].startswith("Traceback (most recent call last):")
    assert entry["exception"].endswith("ValueError: bad\nvalue")


def test_text_is_not_escaped_to_ascii(logger):
    log, stream = logger
    log.info("Zażółć gęślą jaźń — Съешь же ещё")
    assert "Zażółć gęślą jaźń — Съешь же ещё" in stream.getvalue()
    assert lines(stream)[0]["message"] == "Zażółć gęślą jaźń — Съешь же ещё"
