"""Parsing, loop and spam detection and the case token, without a server (MAIL-01..02, BEY-03)."""

import pytest

from centrala.mail import detection
from centrala.mail.parsing import MessageUnreadable, decode_bytes, parse, sanitise_html, synthetic_message_id
from centrala.mail.tokens import case_token, find_case_token, with_token


def msg(headers="", body="Hello", subject="Question", sender="Anna <anna@example.com>"):
    head = f"From: {sender}\r\nSubject: {subject}\r\nMessage-ID: <x@example.com>\r\n{headers}"
    return (head + "\r\n" + body + "\r\n").encode()


def test_case_token():
    assert case_token(1234) == "[#1234]"
    assert find_case_token("Re: Broken car [#1234]") == 1234
    assert find_case_token("Fwd: [#12] old, Re: new [#99]") == 99
    assert find_case_token("#5 in line [5] (#6)") is None
    assert find_case_token(None) is None
    assert with_token("Broken car", 7) == "Broken car [#7]"
    assert with_token("Re: Broken car [#7]", 7) == "Re: Broken car [#7]"


@pytest.mark.parametrize("headers, sender, subject, kind", [
    ("Auto-Submitted: auto-replied\r\n", "a@example.com", "Hi", "auto-reply"),
    ("Auto-Submitted: no\r\n", "a@example.com", "Hi", ""),
    ("X-Autoreply: yes\r\n", "a@example.com", "Hi", "auto-reply"),
    ("", "a@example.com", "Out of office: back Monday", "auto-reply"),
    ("", "a@example.com", "Odpowiedź automatyczna", "auto-reply"),
    ("", "MAILER-DAEMON@mx.example.com", "Undelivered Mail", "bounce"),
    ("", "postmaster@example.com", "Delivery failure", "bounce"),
    ("Return-Path: <>\r\n", "a@example.com", "Hi", "bounce"),
    ("X-Failed-Recipients: b@example.com\r\n", "a@example.com", "Hi", "bounce"),
    ("List-Id: <users.example.org>\r\n", "a@example.com", "Hi", "list"),
    ("Precedence: list\r\n", "a@example.com", "Hi", "list"),
    ("Precedence: bulk\r\n", "a@example.com", "Hi", "bulk"),
    ("Precedence: junk\r\n", "a@example.com", "Hi", "bulk"),
    ("", "noreply@shop.example", "Your order", "auto-reply"),
    ("", "anna@example.com", "My car is broken", ""),
])
def test_automatic_kinds(headers, sender, subject, kind):
    assert detection.automatic_kind(parse(msg(headers, subject=subject, sender=sender))) == kind


def test_a_normal_message_is_not_spam():
    score, reasons = detection.spam_score(parse(msg(body="Dzień dobry, mój samochód nie odpala. Proszę o pomoc.")))
    assert score == 0 and reasons == []


def test_spam_reasons_are_explained():
    parsed = parse(msg("Reply-To: x@other.example\r\nX-Spam-Score: 8.5\r\n", subject="WIN A FREE CRUISE NOW!!!",
                       body="Casino bonus! Click here " + " ".join(f"http://x.example/{i}" for i in range(10))))
    score, reasons = detection.spam_score(parsed)
    codes = {r["code"] for r in reasons}
    assert {"upstream_score", "many_links", "advertising_words", "reply_to_mismatch", "all_caps_subject",
            "exclamations"} <= codes
    assert detection.is_spam(score)
    assert all(set(r) == {"code", "points", "detail"} for r in reasons)


def test_sanitise_html_keeps_text_and_safe_links_only():
    html = sanitise_html('<div style="x" onmouseover="a()"><a href="javascript:x()">a</a><a href="http://ok.example">b</a>'
                         '<img src="http://track.example/p.gif"><img src="cid:logo"><script>bad()</script></div>')
    assert "javascript" not in html and "onmouseover" not in html and "style" not in html and "bad()" not in html
    assert 'href="http://ok.example"' in html and 'src="cid:logo"' in html and "track.example" not in html


def test_decode_bytes_falls_back_safely():
    assert decode_bytes("żółw".encode(), "x-unknown") == "żółw"
    assert decode_bytes("żółw".encode("iso-8859-2"), "iso-8859-2") == "żółw"
    assert decode_bytes(b"caf\xe9", None) == "café"
    assert decode_bytes(b"\xff\xfe\xfa", "utf-8")  # never raises


def test_not_mail_is_unreadable_and_synthetic_ids_are_stable():
    with pytest.raises(MessageUnreadable):
        parse(b"")
    with pytest.raises(MessageUnreadable):
        parse(b"just some words\r\n")
    raw = b"From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n"
    assert parse(raw).message_id == synthetic_message_id(raw) == parse(raw).message_id
    assert parse(raw).message_id_synthesised
