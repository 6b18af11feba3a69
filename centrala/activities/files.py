"""Which uploaded files Centrala keeps, and a size guard that stops reading an oversized upload.

A file is accepted only when its extension is on the allowlist AND its first bytes look like that
type. The extension alone is what the uploader chose; the bytes alone would let a PDF named
.exe through. Both together keep out executables, scripts and markup a browser might run (HTML,
SVG), whatever they are named. The stored content type comes from this table, never from the
browser.
"""

import hashlib
import zipfile
from dataclasses import dataclass

from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# Markup a browser may render as a page, looked for at the start of text files (the WHATWG MIME
# sniffing list, plus SVG and XML, which can carry scripts).
_MARKUP_STARTS = (
    b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe", b"<h1", b"<div",
    b"<font", b"<table", b"<a ", b"<a>", b"<style", b"<title", b"<b ", b"<b>", b"<br", b"<p ", b"<p>",
    b"<!--", b"<?xml", b"<svg", b"<object", b"<embed", b"<img", b"<meta", b"<link", b"<form",
)
# Programs, whatever their name: Windows PE, ELF, Mach-O, Java classes / fat binaries, scripts.
_EXECUTABLE_STARTS = (
    b"MZ", b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe", b"#!",
)
SNIFF_BYTES = 4096


def _is_pdf(head):
    # Some generators put a few bytes before the header; readers accept it within 1 KB.
    return b"%PDF-" in head[:1024]


def _is_png(head):
    return head.startswith(b"\x89PNG\r\n\x1a\n")


def _is_jpeg(head):
    return head.startswith(b"\xff\xd8\xff")


def _is_gif(head):
    return head[:6] in (b"GIF87a", b"GIF89a")


def _is_webp(head):
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def _is_wav(head):
    return head[:4] == b"RIFF" and head[8:12] == b"WAVE"


def _is_mp3(head):
    return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)


def _is_ole2(head):
    return head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


def _is_zip(head):
    return head[:4] in (b"PK\x03\x04", b"PK\x05\x06")


def _is_text(head):
    if b"\x00" in head:
        return False
    start = head.lstrip(b"\xef\xbb\xbf").lstrip(b" \t\r\n\x0c").lower()
    return not start.startswith(_MARKUP_STARTS)


@dataclass(frozen=True)
class FileType:
    label: str
    content_type: str
    sniff: object  # head bytes -> bool
    # Office Open XML / OpenDocument files are zip archives; these name the part that proves which.
    zip_member: str = ""
    zip_mimetype: str = ""


_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ODT = "application/vnd.oasis.opendocument.text"
_ODS = "application/vnd.oasis.opendocument.spreadsheet"

ALLOWED = {
    "pdf": FileType("PDF", "application/pdf", _is_pdf),
    "png": FileType("PNG", "image/png", _is_png),
    "jpg": FileType("JPEG", "image/jpeg", _is_jpeg),
    "jpeg": FileType("JPEG", "image/jpeg", _is_jpeg),
    "gif": FileType("GIF", "image/gif", _is_gif),
    "webp": FileType("WebP", "image/webp", _is_webp),
    "docx": FileType("DOCX", _DOCX, _is_zip, zip_member="word/document.xml"),
    "xlsx": FileType("XLSX", _XLSX, _is_zip, zip_member="xl/workbook.xml"),
    "odt": FileType("ODT", _ODT, _is_zip, zip_mimetype=_ODT),
    "ods": FileType("ODS", _ODS, _is_zip, zip_mimetype=_ODS),
    "doc": FileType("DOC", "application/msword", _is_ole2),
    "xls": FileType("XLS", "application/vnd.ms-excel", _is_ole2),
    "txt": FileType("TXT", "text/plain", _is_text),
    "csv": FileType("CSV", "text/csv", _is_text),
    "eml": FileType("EML", "message/rfc822", _is_text),
    "zip": FileType("ZIP", "application/zip", _is_zip),
    "wav": FileType("WAV", "audio/wav", _is_wav),
    "mp3": FileType("MP3", "audio/mpeg", _is_mp3),
}
AUDIO_TYPES = frozenset({"audio/wav", "audio/mpeg"})
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def accepted_labels():
    return ", ".join(sorted({file_type.label for file_type in ALLOWED.values()}))


def accept_attribute():
    """The <input type=file accept=...> value: a hint for the picker, not a check."""
    return ",".join(f".{extension}" for extension in ALLOWED)


def extension_of(name):
    base = (name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base.strip(".") else ""


def _zip_matches(uploaded, file_type):
    """The archive opens and holds the part its extension promises (not a renamed other zip)."""
    try:
        uploaded.seek(0)
        with zipfile.ZipFile(uploaded) as archive:
            if file_type.zip_mimetype:
                return archive.read("mimetype").strip() == file_type.zip_mimetype.encode()
            archive.getinfo(file_type.zip_member)
            return True
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError):
        return False
    finally:
        uploaded.seek(0)


def check_file(uploaded, *, max_bytes):
    """(FileType, None) for an acceptable upload, else (None, the message saying why not)."""
    name = uploaded.name or _("(no name)")
    if not uploaded.size:
        return None, _("“%(name)s” is empty.") % {"name": name}
    if uploaded.size > max_bytes:
        return None, _("“%(name)s” is %(size)s; the limit is %(limit)s per file.") % {
            "name": name, "size": filesizeformat(uploaded.size), "limit": filesizeformat(max_bytes),
        }
    extension = extension_of(name)
    file_type = ALLOWED.get(extension)
    if file_type is None:
        return None, _("“%(name)s”: this type of file is not accepted. Accepted types: %(types)s.") % {
            "name": name, "types": accepted_labels(),
        }
    uploaded.seek(0)
    head = uploaded.read(SNIFF_BYTES)
    uploaded.seek(0)
    looks_right = not head.startswith(_EXECUTABLE_STARTS) and file_type.sniff(head)
    if looks_right and (file_type.zip_member or file_type.zip_mimetype):
        looks_right = _zip_matches(uploaded, file_type)
    if not looks_right:
        return None, _("“%(name)s” is not a real %(type)s file: its content is of another type.") % {
            "name": name, "type": file_type.label,
        }
    return file_type, None


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops storing an uploaded file as soon as it passes the limit, and remembers its name.

    Django would otherwise write the whole file to a temporary file first; the view then tells
    the user which file was too big. Installed first, it passes every chunk on unchanged.
    """

    def __init__(self, request=None, *, max_bytes):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.too_big = []
        self._received = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self._received = 0

    def receive_data_chunk(self, raw_data, start):
        self._received += len(raw_data)
        if self._received > self.max_bytes:
            self.too_big.append(self.file_name or "")
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (memory or temporary file) provides the file


def sha256_of(uploaded):
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return digest.hexdigest()


def safe_display_name(name, limit=200):
    """The name as users see it: no path, no control characters, at most `limit` characters
    with the extension kept."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip() or "file"
    if len(base) <= limit:
        return base
    stem, dot, extension = base.rpartition(".")
    if not dot or len(extension) > 10:
        return base[:limit]
    return stem[: limit - len(extension) - 1] + "." + extension

