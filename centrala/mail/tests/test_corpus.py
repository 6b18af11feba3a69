"""A corpus of tricky real-world messages (tests/corpus/*.eml), delivered to Dovecot and read in
one pass: each becomes what an agent should see, or is kept in quarantine with a clear error,
and no message stops the others (MAIL-01..02, BEY-03)."""

from pathlib import Path

import pytest

from centrala.activities.models import ActivityKind
from centrala.cases.models import Case
from centrala.mail.models import IncomingMailbox, InboundMessage, InboundState
from centrala.mail.worker import read_once

from .inbox import inbox, mail_media  # noqa: F401 - fixtures

pytestmark = pytest.mark.dovecot

CORPUS = Path(__file__).parent / "corpus"
LIMIT = 100_000  # the mailbox's attachment limit in this test


def email(inbound):
    assert inbound.state == InboundState.DONE, (inbound.state, inbound.error)
    return inbound.activity


def files(activity):
    return {a.name: a for a in activity.attachments.all()}


def check_01(m):
    assert email(m).body == "Zażółć gęślą jaźń. Привет."


def check_02(m):
    assert m.subject == "Zgłoszenie szkody"
    assert email(m).body == "Proszę o kontakt w sprawie szkody. Łódź, ul. Źródlana."
    assert m.case.subject == "Zgłoszenie szkody"


def check_03(m):
    assert email(m).body == "Dzień dobry, samochód się zepsuł. Śląsk."


def check_04(m):
    assert m.subject == "Жалоба" and email(m).body == "Здравствуйте, машина не заводится."


def check_05(m):
    assert email(m).body == "Gdańsk – żółw"


def check_06(m):
    assert email(m).body == "Kraków i Poznań"


def check_07(m):
    assert email(m).body == "Café crème, naïve"


def check_08(m):
    contact = m.case.contact
    assert (contact.first_name, contact.last_name) == ("Paweł", "Łukasiewicz")
    assert email(m).data["from"] == "Paweł Łukasiewicz <pawel@example.pl>"


def check_09(m):
    activity = email(m)
    assert activity.body == "Plain version"
    assert activity.data["html"] == "<p><b>HTML</b> version</p>"


def check_10(m):
    activity = email(m)
    html = activity.data["html"]
    for bad in ("<script", "alert", "onclick", "javascript:", "<iframe", "<form", "<style", "tracker.example"):
        assert bad not in html
    assert 'href="https://example.com/help"' in html
    assert activity.body == "Click here or help"  # the text of an HTML-only message


def check_11(m):
    activity = email(m)
    attached = files(activity)
    assert set(attached) == {"photo.png", "invoice.pdf"}
    assert activity.data["inline"] == {"photo1@customer.example": attached["photo.png"].pk}
    assert 'src="cid:photo1@customer.example"' in activity.data["html"]
    assert attached["invoice.pdf"].file.read().startswith(b"%PDF-")
    assert attached["photo.png"].content_type == "image/png"


def check_12(m):
    assert set(files(email(m))) == {"Zażółć.pdf"}


def check_13(m):
    activity = email(m)
    assert set(files(activity)) == {"small.png"}
    assert activity.data["oversize"] == [{"name": "video.mp4", "size": 300_000}]
    assert "Attachment “video.mp4” (293.0\xa0KB) was not kept" in activity.body
    assert activity.body.startswith("A big video attached.")


def check_14(m):
    assert m.case.contact.last_name == "Unknown sender"
    assert email(m).body == "Who am I?"


def check_15(m):
    assert email(m).data["date"] == ""


def check_16(m):
    assert m.message_id.endswith("@centrala.invalid>")
    assert email(m).data["message_id"] == m.message_id


def check_17(m):
    assert email(m).data["date"] == "" and email(m).body == "Broken date"


def check_18(m):
    assert m.subject == "=?utf-8?B?broken!!?= tail"


def check_19(m):
    assert m.subject == "Surowy nagłówek żółć"
    assert m.case.contact.last_name == "Łucja"


def check_20(m):
    assert email(m).body == "Line one\nLine two"


def check_21(m):
    activity = email(m)
    assert activity.body == "Forwarding this."
    assert files(activity)["original.eml"].file.read().startswith(b"From: someone@example.org")


def check_22(m):
    assert m.state == InboundState.IGNORED and m.case is None
    assert m.automatic == "auto-reply"


def check_23(m):
    assert m.state == InboundState.IGNORED and m.case is None and m.automatic == "bounce"


def check_24(m):
    assert email(m).data["automatic"] == "list" and m.automatic == "list"
    assert not m.case.is_spam


def check_25(m):
    assert m.case.is_spam
    assert "upstream_flag" in {r["code"] for r in m.spam_reasons}
    assert email(m).data["spam_reasons"] == m.spam_reasons


def check_26(m):
    assert m.case.is_spam
    codes = {r["code"] for r in m.spam_reasons}
    assert {"many_links", "advertising_words", "reply_to_mismatch", "all_caps_subject"} <= codes


def check_27(m):
    assert m.case.is_spam
    words = next(r for r in m.spam_reasons if r["code"] == "advertising_words")["detail"]
    assert "скидка (ru)" in words


def check_28(m):
    assert email(m).body.startswith("Hello world")


def check_29(m):
    assert email(m).body == ""


def check_30(m):
    assert m.state == InboundState.QUARANTINED and "not an e-mail message" in m.error
    assert b"binary garbage" in m.raw.read()  # kept as received (Dovecot turns NUL bytes into 0x80)


def check_31(m):
    assert m.state == InboundState.QUARANTINED and "not an e-mail message" in m.error


def check_32(m):
    activity = email(m)
    assert len(activity.data["to"]) == 60 and activity.data["cc"] == ["boss@example.com"]
    assert len(m.case.subject) == 250


def check_33(m):
    assert m.case.is_spam
    assert "promocja (pl)" in next(r for r in m.spam_reasons if r["code"] == "advertising_words")["detail"]


def check_34(m):
    assert files(email(m))["invite.ics"].content_type == "text/calendar"


def check_35(m):
    contact = m.case.contact
    assert (contact.first_name, contact.last_name) == ("Jan Bez", "Domeny")
    assert not contact.emails.exists()
    assert email(m).data["from"] == "Jan Bez Domeny <jan@@broken>"


def check_36(m):
    attached = files(email(m))
    # Kept, but never served as something a browser would run.
    assert attached["page.html"].content_type == "application/octet-stream"
    assert attached["x.svg"].content_type == "application/octet-stream"


CHECKS = {name: value for name, value in globals().items() if name.startswith("check_")}


def test_corpus_has_a_check_for_every_message():
    names = sorted(path.name for path in CORPUS.glob("*.eml"))
    assert len(names) >= 30
    assert sorted(f"check_{name[:2]}" for name in names) == sorted(CHECKS)


def test_every_corpus_message_is_ingested_or_quarantined(inbox, dovecot):
    IncomingMailbox.objects.filter(pk=inbox.pk).update(max_attachment_bytes=LIMIT)
    inbox.refresh_from_db()
    uids = {}
    for path in sorted(CORPUS.glob("*.eml")):
        uids[dovecot.append(path.read_bytes())] = path.name

    assert read_once(inbox) == len(uids)  # one pass: no message stopped the mailbox

    failures = []
    for inbound in InboundMessage.objects.select_related("case__contact", "activity"):
        name = uids[inbound.uid]
        try:
            CHECKS[f"check_{name[:2]}"](inbound)
        except AssertionError as error:
            failures.append(f"{name}: {error}")
    assert not failures, "\n".join(failures)
    assert InboundMessage.objects.count() == len(uids)
    assert Case.objects.filter(activities__kind=ActivityKind.EMAIL).distinct().count() == len(uids) - 4
