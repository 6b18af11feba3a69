"""Reading any real e-mail message into what a case needs (MAIL-01): no Django models here.

Real mail is often broken: undeclared or unknown charsets, headers that do not parse, missing
From/Date/Message-ID, 8-bit bytes in headers. Every step falls back to something sensible rather
than failing; parse() raises only MessageUnreadable, for input that is not an e-mail at all.
"""

import codecs
import hashlib
import html as html_lib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.header import decode_header
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

import nh3

MESSAGE_ID_RE = re.compile(r"<[^<>\s]+>")
# Headers a message must have one of to be taken for e-mail at all.
ESSENTIAL_HEADERS = ("from", "to", "subject", "date", "message-id", "received", "sender", "return-path",
                     "content-type", "mime-version", "reply-to", "cc")
TEXT_LIMIT = 1_000_000  # characters of text kept from one message (the rest is cut, and said so)


class MessageUnreadable(ValueError):
    """Not an e-mail message: nothing to make a case from."""


@dataclass
class Part:
    """A file carried by the message: an attachment or an inline image."""

    name: str
    content_type: str
    data: bytes
    content_id: str = ""  # "<...>" for inline parts referenced as cid: from the HTML
    inline: bool = False


@dataclass
class Oversize:
    name: str
    size: int


@dataclass
class Parsed:
    message_id: str
    message_id_synthesised: bool
    subject: str
    from_name: str
    from_address: str
    to: list
    cc: list
    reply_to: str
    date: datetime | None
    in_reply_to: list
    references: list
    text: str
    html: str  # sanitised
    parts: list = field(default_factory=list)
    oversize: list = field(default_factory=list)
    defects: list = field(default_factory=list)
    headers: dict = field(default_factory=dict)  # lower-case name -> [decoded values]
    content_type: str = "text/plain"
    report_type: str = ""  # multipart/report's report-type, e.g. "delivery-status"


# --- charsets -----------------------------------------------------------------------------------

def _codec(charset):
    try:
        return codecs.lookup(charset).name if charset else None
    except (LookupError, TypeError, ValueError):
        return None


def decode_bytes(data, charset=None):
    """Text from bytes in a declared charset that may be wrong, unknown or missing.

    The declared charset first (strictly), then UTF-8 (the most common undeclared one), then
    windows-1252 with replacement, which never fails: no byte is dropped silently without a trace.
    """
    data = data or b""
    declared = _codec(charset)
    if declared and declared != "ascii":
        try:
            return data.decode(declared)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if declared:
        return data.decode(declared, errors="replace")
    return data.decode("cp1252", errors="replace")


def decode_header_value(value):
    """A header as text: RFC 2047 words decoded, unknown charsets and raw 8-bit bytes tolerated."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = decode_bytes(value)
    value = str(value)
    if "=?" in value:
        try:
            chunks = decode_header(value)
            value = "".join(
                decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk for chunk, charset in chunks
            )
        except Exception:  # noqa: BLE001 - a broken encoded word keeps its raw text
            pass
    # Surrogates stand for raw 8-bit bytes the parser could not decode; read them as UTF-8 or 1252.
    if any("\udc80" <= ch <= "\udcff" for ch in value):
        value = decode_bytes(value.encode("utf-8", "surrogateescape"))
    return " ".join(value.replace("\r", " ").replace("\n", " ").split())


# --- headers ------------------------------------------------------------------------------------

def _headers(message):
    """{lower-case name: [decoded values]} read from the raw headers (never raises)."""
    found = {}
    for name, value in message.raw_items():
        try:
            text = decode_header_value(value)
        except Exception:  # noqa: BLE001
            text = str(value)
        found.setdefault(str(name).strip().lower(), []).append(text)
    return found


def _first(headers, name):
    values = headers.get(name) or [""]
    return values[0]


LOOSE_ADDRESS_RE = re.compile(r'^\s*"?([^"<]*?)"?\s*<([^<>]*)>')


def _addresses(values):
    pairs = []
    for value in (v for v in values if v):
        found = [(n, a.strip()) for n, a in getaddresses([value]) if a and "@" in a]
        if not found:
            # Python's strict parser gives up on e.g. "Jan" <jan@@broken>: keep what is there;
            # the contact then gets the name and the address stays visible in the message.
            loose = LOOSE_ADDRESS_RE.match(value)
            if loose and "@" in loose.group(2):
                found = [(loose.group(1).strip(), loose.group(2).strip())]
        pairs.extend((decode_header_value(name), address) for name, address in found)
    return pairs


def _message_ids(value):
    return MESSAGE_ID_RE.findall(value or "")


# --- HTML ---------------------------------------------------------------------------------------

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del", "div",
    "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol",
    "p", "pre", "q", "s", "small", "span", "strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "*": {"title"},
}


def sanitise_html(html):
    """HTML safe to show inside a case: no scripts, styles, event handlers, forms or frames;
    links only http(s)/mailto; images only cid: (the timeline maps them to our attachments)."""
    if not html:
        return ""

    def keep_url(element, attribute, value):
        if element == "img" and attribute == "src":
            return value if value.lower().startswith("cid:") else None
        return value

    return nh3.clean(
        html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow", strip_comments=True, attribute_filter=keep_url,
        clean_content_tags={"script", "style", "title", "head"},
    )


class _TextFromHTML(HTMLParser):
    BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "hr", "pre"}
    SKIP = {"script", "style", "head", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.out.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.out.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.out.append(data)


def html_to_text(html):
    parser = _TextFromHTML()
    try:
        parser.feed(html or "")
        parser.close()
    except Exception:  # noqa: BLE001 - fall back to dropping tags
        return html_lib.unescape(re.sub(r"<[^>]*>", " ", html or ""))
    lines = [" ".join(line.split()) for line in "".join(parser.out).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# --- body and parts -----------------------------------------------------------------------------

def _payload_bytes(part):
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - broken base64/quoted-printable: keep what is there
        data = None
    if data is None:
        payload = part.get_payload()
        if isinstance(payload, str):
            data = payload.encode("utf-8", "surrogateescape")
        else:
            data = b""
    return data


def _part_text(part):
    return decode_bytes(_payload_bytes(part), part.get_content_charset())


def _filename(part):
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001
        name = None
    return decode_header_value(name) if name else ""


def _disposition(part):
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:  # noqa: BLE001
        return ""


_EXTENSIONS = {
    "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp", "application/pdf": "pdf",
    "text/plain": "txt", "text/html": "html", "message/rfc822": "eml", "text/calendar": "ics",
    "message/delivery-status": "txt",
}


class _Walker:
    def __init__(self, max_attachment_bytes):
        self.max_bytes = max_attachment_bytes
        self.plain, self.html = [], []
        self.parts, self.oversize = [], []

    def file(self, part, data=None):
        content_type = part.get_content_type()
        data = _payload_bytes(part) if data is None else data
        name = _filename(part)
        if not name:
            name = f"part-{len(self.parts) + len(self.oversize) + 1}.{_EXTENSIONS.get(content_type, 'bin')}"
        if self.max_bytes is not None and len(data) > self.max_bytes:
            self.oversize.append(Oversize(name=name, size=len(data)))
            return
        content_id = (part.get("Content-ID") or "").strip() if part.get("Content-ID") else ""
        if content_id and not content_id.startswith("<"):
            content_id = f"<{content_id}>"
        self.parts.append(Part(name=name, content_type=content_type, data=data, content_id=content_id,
                               inline=_disposition(part) == "inline" or bool(content_id)))

    def walk(self, part):
        content_type = part.get_content_type()
        if content_type == "message/rfc822":
            # A forwarded message stays one file (.eml), not text mixed into this one.
            payload = part.get_payload()
            try:
                data = payload[0].as_bytes(policy=policy.compat32.clone(linesep="\r\n")) \
                    if isinstance(payload, list) and payload else _payload_bytes(part)
            except Exception:  # noqa: BLE001 - unparseable inner message: keep its bytes
                data = str(payload).encode("utf-8", "surrogateescape")
            self.file(part, data)
            return
        if part.is_multipart():
            children = part.get_payload()
            if not isinstance(children, list):
                return
            if content_type == "multipart/alternative":
                self.alternative(children)
            else:
                for child in children:
                    self.walk(child)
            return
        disposition = _disposition(part)
        is_attachment = disposition == "attachment" or (disposition != "inline" and bool(_filename(part)))
        if content_type == "text/plain" and not is_attachment:
            self.plain.append(_part_text(part))
        elif content_type == "text/html" and not is_attachment:
            self.html.append(_part_text(part))
        else:
            self.file(part)

    def alternative(self, children):
        """multipart/alternative: the same content in several forms; keep one plain and one HTML."""
        plain = html = None
        for child in children:
            child_type = child.get_content_type()
            if child_type == "text/plain" and plain is None:
                plain = _part_text(child)
            elif child_type == "text/html" and html is None:
                html = _part_text(child)
            elif child.is_multipart():
                # e.g. multipart/related holding the HTML and its inline images
                sub = _Walker(self.max_bytes)
                sub.walk(child)
                if html is None and sub.html:
                    html = "\n".join(sub.html)
                if plain is None and sub.plain:
                    plain = "\n".join(sub.plain)
                self.parts.extend(sub.parts)
                self.oversize.extend(sub.oversize)
            else:
                self.file(child)
        if plain is not None:
            self.plain.append(plain)
        if html is not None:
            self.html.append(html)


# --- the whole message --------------------------------------------------------------------------

def synthetic_message_id(raw):
    """A Message-ID for a message without one: stable for the same bytes, so reading it again
    finds the first copy."""
    return f"<{hashlib.sha256(raw).hexdigest()[:40]}@centrala.invalid>"


def parse(raw, *, max_attachment_bytes=None):
    """Parsed from the raw bytes of one message. Raises MessageUnreadable for non-mail input."""
    if not raw or not raw.strip():
        raise MessageUnreadable("The message is empty.")
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as error:  # noqa: BLE001 - the parser itself gave up
        raise MessageUnreadable(f"The message could not be parsed: {error}") from error
    headers = _headers(message)
    if not any(name in headers for name in ESSENTIAL_HEADERS):
        raise MessageUnreadable("This is not an e-mail message: it has none of the usual headers "
                                "(From, To, Subject, Date, Message-ID ...).")
    defects = [type(d).__name__ for d in getattr(message, "defects", [])]

    walker = _Walker(max_attachment_bytes)
    try:
        walker.walk(message)
    except RecursionError:
        raise MessageUnreadable("The message nests its parts too deeply to read.") from None
    raw_html = "\n".join(h for h in walker.html if h)
    html = sanitise_html(raw_html)
    text = "\n\n".join(t.strip("\n") for t in walker.plain if t and t.strip())
    if not text and raw_html:
        text = html_to_text(raw_html)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()
    if len(text) > TEXT_LIMIT:
        text = text[:TEXT_LIMIT] + "\n[…]"

    senders = _addresses(headers.get("from", [])) or _addresses(headers.get("sender", []))
    from_name, from_address = senders[0] if senders else ("", "")
    if not from_name and not from_address:
        from_name = _first(headers, "from")[:200]
    message_id = (_message_ids(_first(headers, "message-id")) or [""])[0]
    synthesised = not message_id
    if synthesised:
        message_id = synthetic_message_id(raw)
    try:
        date = parsedate_to_datetime(_first(headers, "date")) if _first(headers, "date") else None
        if date is not None and date.tzinfo is None:
            from datetime import UTC

            date = date.replace(tzinfo=UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        date = None
    reply_to = _addresses(headers.get("reply-to", []))
    report_type = ""
    if message.get_content_type() == "multipart/report":
        report_type = (message.get_param("report-type") or "").lower() if hasattr(message, "get_param") else ""
    return Parsed(
        message_id=message_id[:998],
        message_id_synthesised=synthesised,
        subject=_first(headers, "subject")[:998],
        from_name=from_name[:200],
        from_address=from_address[:254],
        to=[address for _name, address in _addresses(headers.get("to", []))],
        cc=[address for _name, address in _addresses(headers.get("cc", []))],
        reply_to=reply_to[0][1] if reply_to else "",
        date=date,
        in_reply_to=_message_ids(_first(headers, "in-reply-to")),
        references=_message_ids(" ".join(headers.get("references", []))),
        text=text,
        html=html,
        parts=walker.parts,
        oversize=walker.oversize,
        defects=defects,
        headers=headers,
        content_type=message.get_content_type(),
        report_type=str(report_type),
    )
