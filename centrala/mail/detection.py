"""Which incoming messages are machines talking (never answered automatically) and which look
like spam or advertising (MAIL-02, BEY-03). No Django models here (only translated labels).

automatic_kind() names auto-replies, bounces and mailing-list mail; spam_score() adds up named
reasons so an agent reviewing the Spam list sees why a case landed there.
"""

import re

from django.utils.translation import gettext_lazy as _

AUTO_REPLY = "auto-reply"
BOUNCE = "bounce"
LIST = "list"
BULK = "bulk"
AUTOMATIC_LABELS = {
    AUTO_REPLY: _("auto-reply"), BOUNCE: _("bounce (undelivered mail)"), LIST: _("mailing list"), BULK: _("bulk mail"),
}

# What each spam reason means, as the agent reviewing the Spam list reads it.
REASON_LABELS = {
    "upstream_flag": _("The receiving mail server marked it as spam"),
    "upstream_score": _("High spam score from the receiving mail server"),
    "upstream_level": _("High spam level from the receiving mail server"),
    "many_links": _("Many links"),
    "several_links": _("Several links"),
    "advertising_words": _("Advertising words"),
    "list_unsubscribe": _("Has an unsubscribe link (newsletter)"),
    "bulk_precedence": _("Sent as bulk mail"),
    "reply_to_mismatch": _("Answers go to another domain than the sender's"),
    "all_caps_subject": _("Subject in capital letters"),
    "exclamations": _("Many exclamation marks in the subject"),
    "no_sender": _("No sender address"),
    "html_only_links": _("Only formatted text with links, no plain text"),
}

DAEMON_SENDERS = ("mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon")
NOREPLY_RE = re.compile(r"^(no-?reply|do-?not-?reply|noreply-[\w-]+)@", re.I)
AUTO_SUBJECT_RE = re.compile(
    r"^(auto(matic)?[ -]?(reply|response|antwort)|out of (the )?office|odpowied[źz] automatyczna|"
    r"автоответ|nieobecno[śs][ćc]|abwesenheit)",
    re.I,
)
BOUNCE_SUBJECT_RE = re.compile(
    r"(undeliver(ed|able)|delivery (status notification|has failed|failure)|returned mail|"
    r"mail delivery failed|failure notice|nie dostarczono|недоставлен)",
    re.I,
)

SPAM_THRESHOLD = 5.0

# Words advertising mail uses, in the three languages of the product (matched as whole words).
AD_WORDS = {
    "en": ["unsubscribe", "free", "winner", "viagra", "casino", "bitcoin", "crypto", "discount", "limited offer",
           "act now", "click here", "100% free", "earn money", "buy now", "special offer", "lottery", "seo"],
    "pl": ["promocja", "rabat", "wygrałeś", "wygrana", "darmowy", "kliknij tutaj", "oferta specjalna",
           "wypisz się", "zarabiaj", "pozycjonowanie", "kredyt bez"],
    "ru": ["скидка", "бесплатно", "выиграли", "акция", "отписаться", "заработок", "казино", "кредит",
           "специальное предложение"],
}
LINK_RE = re.compile(r"https?://", re.I)
# One pass over the text for all phrases (longest first, so "100% free" wins over "free").
LANGUAGE_OF = {phrase: language for language, phrases in AD_WORDS.items() for phrase in phrases}
AD_WORDS_RE = re.compile(
    r"(?<!\w)(?:" + "|".join(re.escape(p) for p in sorted(LANGUAGE_OF, key=len, reverse=True)) + r")(?!\w)"
)


def _header(headers, name):
    return " ".join(headers.get(name, [])).strip()


def automatic_kind(parsed):
    """"" for a person's message, else what sent it: auto-reply, bounce, list or bulk.

    Loops start when a robot answers a robot; anything named here is never answered
    automatically (the mail-out side checks data["automatic"]).
    """
    headers = parsed.headers
    sender = (parsed.from_address or "").lower()
    local = sender.split("@", 1)[0]
    return_path = _header(headers, "return-path")
    if (parsed.content_type == "multipart/report" and parsed.report_type in ("delivery-status", "")) \
            or local in DAEMON_SENDERS or return_path == "<>" and BOUNCE_SUBJECT_RE.search(parsed.subject or "") \
            or "x-failed-recipients" in headers:
        return BOUNCE
    auto_submitted = _header(headers, "auto-submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return AUTO_REPLY
    if any(name in headers for name in ("x-autoreply", "x-autorespond", "x-auto-response-suppress")):
        if "x-auto-response-suppress" not in headers or _header(headers, "x-auto-response-suppress").lower() in (
            "all", "oof", "autoreply"
        ):
            return AUTO_REPLY
    if AUTO_SUBJECT_RE.search(parsed.subject or ""):
        return AUTO_REPLY
    if return_path == "<>":
        return BOUNCE
    precedence = _header(headers, "precedence").lower()
    if precedence == "list" or any(name in headers for name in ("list-id", "list-unsubscribe", "list-post")):
        return LIST
    if precedence in ("bulk", "junk"):
        return BULK
    if NOREPLY_RE.match(sender):
        return AUTO_REPLY
    return ""


def is_robot_address(address):
    """An address that only machines read (MAILER-DAEMON, postmaster, no-reply ...): automatic
    mail is never sent there, so two robots cannot answer each other for ever."""
    address = (address or "").strip().lower()
    return address.split("@", 1)[0] in DAEMON_SENDERS or bool(NOREPLY_RE.match(address))


def _domain(address):
    return (address or "").rsplit("@", 1)[-1].lower()


def spam_score(parsed):
    """(score, reasons): each reason is {"code", "points", "detail"} a reviewer can read."""
    headers = parsed.headers
    reasons = []

    def add(code, points, detail=""):
        reasons.append({"code": code, "points": points, "detail": str(detail)[:200]})

    flag = _header(headers, "x-spam-flag").lower()
    status = _header(headers, "x-spam-status").lower()
    if flag == "yes" or status.startswith("yes"):
        add("upstream_flag", 5, _header(headers, "x-spam-status") or "X-Spam-Flag: YES")
    upstream = re.search(r"score=(-?\d+(?:\.\d+)?)", status) or re.match(
        r"^\s*(-?\d+(?:\.\d+)?)", _header(headers, "x-spam-score"))
    if upstream:
        value = float(upstream.group(1))
        if value >= 5:
            add("upstream_score", min(value / 2, 5), f"{value:g}")
    if _header(headers, "x-spam-level").count("*") >= 5:
        add("upstream_level", 2, _header(headers, "x-spam-level"))

    text = f"{parsed.subject}\n{parsed.text}".lower()
    links = len(LINK_RE.findall(parsed.text or "")) + len(re.findall(r"<a\s", parsed.html or "", re.I))
    if links >= 10:
        add("many_links", 2, links)
    elif links >= 5:
        add("several_links", 1, links)
    found = {match.group(0) for match in AD_WORDS_RE.finditer(text)}
    words = [f"{phrase} ({LANGUAGE_OF[phrase]})" for phrase in sorted(found)]
    if words:
        add("advertising_words", min(len(words), 4), ", ".join(words[:8]))
    if "list-unsubscribe" in headers:
        add("list_unsubscribe", 1.5, "List-Unsubscribe")
    precedence = _header(headers, "precedence").lower()
    if precedence in ("bulk", "junk", "list"):
        add("bulk_precedence", 1.5, precedence)
    if parsed.reply_to and parsed.from_address and _domain(parsed.reply_to) != _domain(parsed.from_address):
        add("reply_to_mismatch", 1.5, f"{parsed.from_address} / {parsed.reply_to}")
    letters = [ch for ch in parsed.subject or "" if ch.isalpha()]
    if len(letters) >= 8 and all(ch.isupper() for ch in letters):
        add("all_caps_subject", 1.5, parsed.subject[:80])
    if (parsed.subject or "").count("!") >= 3:
        add("exclamations", 1, parsed.subject[:80])
    if not parsed.from_address:
        add("no_sender", 1.5)
    if not parsed.text.strip() and parsed.html and links:
        add("html_only_links", 1)
    score = round(sum(reason["points"] for reason in reasons), 2)
    return score, reasons


def is_spam(score):
    return score >= SPAM_THRESHOLD
