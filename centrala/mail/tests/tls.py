"""A self-signed certificate for the test mail servers (127.0.0.1 and localhost), made once per
test run with the openssl command line, and the fixture `trust_test_certificate` that makes
Python's default TLS context trust it, as an administrator would install their server's CA."""

import atexit
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import pytest


@cache
def certificate():
    """(certificate, key) paths, shared by the test Dovecot and the test SMTP server."""
    directory = Path(tempfile.mkdtemp(prefix="centrala-test-tls-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    directory.chmod(0o755)
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    key.chmod(0o644)  # read by the servers' own users
    return cert, key


def server_context():
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate())
    return context


@pytest.fixture
def trust_test_certificate(monkeypatch):
    """ssl.create_default_context() trusts the test servers' certificate (OpenSSL reads
    SSL_CERT_FILE whenever a context loads its default certificates)."""
    cert, _key = certificate()
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    return cert
