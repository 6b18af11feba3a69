"""The attachment allowlist: extension and content must agree, and nothing that can run gets in."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from centrala.activities.files import check_file, extension_of, safe_display_name

from .conftest import EXE, HTML, PDF, PNG, SVG, docx_bytes

LIMIT = 1024 * 1024


def check(name, content):
    return check_file(SimpleUploadedFile(name, content), max_bytes=LIMIT)


@pytest.mark.parametrize(("name", "content", "content_type"), [
    ("offer.pdf", PDF, "application/pdf"),
    ("photo.PNG", PNG, "image/png"),
    ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 20, "image/jpeg"),
    ("anim.gif", b"GIF89a" + b"\x00" * 20, "image/gif"),
    ("pic.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 20, "image/webp"),
    ("contract.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40, "application/msword"),
    ("notes.txt", "Zażółć gęślą jaźń\n".encode(), "text/plain"),
    ("list.csv", b"\xef\xbb\xbfname;phone\nJan;601234567\n", "text/csv"),
    ("mail.eml", b"From: jan@example.com\r\nSubject: Hi\r\n\r\n<p>hello</p>", "message/rfc822"),
    ("bundle.zip", b"PK\x03\x04" + b"\x00" * 40, "application/zip"),
    ("call.wav", b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 20, "audio/wav"),
    ("call.mp3", b"ID3\x03\x00" + b"\x00" * 20, "audio/mpeg"),
])
def test_allowed_files(name, content, content_type):
    file_type, error = check(name, content)
    assert error is None
    assert file_type.content_type == content_type


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("setup.exe", EXE, "not accepted"),
    ("run.sh", b"#!/bin/sh\nrm -rf /\n", "not accepted"),
    ("page.html", HTML, "not accepted"),
    ("image.svg", SVG, "not accepted"),
    ("macro.docm", docx_bytes(), "not accepted"),
    ("noextension", PDF, "not accepted"),
    ("invoice.pdf.exe", EXE, "not accepted"),
    ("invoice.pdf", HTML, "not a real PDF"),
    ("invoice.pdf", EXE, "not a real PDF"),
    ("photo.png", SVG, "not a real PNG"),
    ("notes.txt", HTML, "not a real TXT"),
    ("notes.txt", b"  \n<svg onload=alert(1)>", "not a real TXT"),
    ("notes.txt", EXE, "not a real TXT"),
    ("data.csv", b"a,b\x00c", "not a real CSV"),
    ("script.txt", b"#!/usr/bin/env python\nprint(1)\n", "not a real TXT"),
    ("contract.docx", b"PK\x03\x04" + b"\x00" * 40, "not a real DOCX"),  # a zip, but not a document
    ("sheet.xlsx", docx_bytes(), "not a real XLSX"),  # a Word file renamed
    ("sheet.ods", docx_bytes(), "not a real ODS"),
])
def test_refused_files(name, content, reason):
    file_type, error = check(name, content)
    assert file_type is None
    assert reason in error and name in error


def test_empty_and_too_big_files_are_refused_with_the_limit_named():
    assert check("empty.pdf", b"") == (None, "“empty.pdf” is empty.")
    file_type, error = check_file(SimpleUploadedFile("big.pdf", PDF * 100), max_bytes=1000)
    assert file_type is None and "the limit is 1000\xa0bytes per file" in error


def test_names():
    assert extension_of("a.b.PDF") == "pdf"
    assert extension_of(".bashrc") == ""
    assert extension_of("C:\\x\\file.Txt") == "txt"
    assert safe_display_name("../../etc/passwd") == "passwd"
    assert safe_display_name("a\x00b\n.pdf") == "ab.pdf"
    long_name = safe_display_name("x" * 300 + ".pdf")
    assert len(long_name) == 200 and long_name.endswith(".pdf")
