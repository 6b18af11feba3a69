"""Pytest fixture `dovecot`: a real Dovecot IMAP server for the e-mail tests.

One Dovecot per test session, with its own configuration, runtime directory, passwd-file and
maildirs in a temporary directory, listening on free ports of 127.0.0.1 (IMAP with STARTTLS, and IMAPS;
PLAIN/LOGIN and XOAUTH2, where the token is checked like a password; a self-signed certificate,
trusted by the `trust_test_certificate` fixture). It needs no system mail store and
no system configuration. As a normal user it runs as that user; as root, its mail and login
processes run as Debian's `dovecot` / `dovenull` users.

Each test gets its own mail user (a fresh, empty INBOX):

    def test_x(dovecot):
        dovecot.host, dovecot.port, dovecot.user, dovecot.password
        dovecot.append(raw_bytes, folder="INBOX") -> UID
        dovecot.create_folder("Archive"); dovecot.uids(); dovecot.flags(uid)

Tests using it fail (never skip) with a clear message when Dovecot is not installed
(Debian: apt-get install dovecot-imapd).
"""

import contextlib
import imaplib
import itertools
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

DOVECOT = os.environ.get("DOVECOT", "/usr/sbin/dovecot")
_counter = itertools.count(1)


def pytest_configure(config):
    config.addinivalue_line("markers", "dovecot: needs the Dovecot IMAP server (the `dovecot` fixture starts it)")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DovecotServer:
    def __init__(self, root):
        self.root = Path(root)
        self.host = "127.0.0.1"
        self.port = _free_port()
        self.tls_port = _free_port()  # implicit TLS (IMAPS); the plain port offers STARTTLS
        self.cert = self.key = None
        self.passwd = self.root / "passwd"
        self.mail = self.root / "mail"
        self.log = self.root / "dovecot.log"
        if os.geteuid() == 0:
            # Dovecot refuses to run login processes as root; use the package's own users.
            login_user, internal = "dovenull", pwd.getpwnam("dovecot")
        else:
            login_user, internal = pwd.getpwuid(os.getuid()).pw_name, pwd.getpwuid(os.getuid())
        self.uid, self.gid = internal.pw_uid, internal.pw_gid
        self.internal_user = internal.pw_name
        self.login_user = login_user

    def config(self):
        root = self.root
        return f"""
base_dir = {root}/run
state_dir = {root}/state
instance_name = centrala-test-{self.port}
log_path = {self.log}
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{self.cert}
ssl_key = <{self.key}
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2
auth_failure_delay = 0 secs
default_internal_user = {self.internal_user}
default_internal_group = {self.internal_user if os.geteuid() == 0 else os.getgid()}
default_login_user = {self.login_user}
first_valid_uid = 0
first_valid_gid = 0
mail_location = maildir:{self.mail}/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.passwd}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {self.passwd}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
protocol imap {{
  imap_idle_notify_interval = 1 secs
  mail_max_userip_connections = 100
}}
"""

    def start(self):
        if not os.path.exists(DOVECOT):
            raise RuntimeError(
                f"The e-mail tests need Dovecot at {DOVECOT} (Debian: apt-get install dovecot-imapd), "
                "or set DOVECOT to its path."
            )
        for sub in ("run", "state", "mail"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        from .tls import certificate

        self.cert, self.key = certificate()
        # Users exist from the start: Dovecot notices a changed passwd-file by its mtime, which
        # may not move between two tests within the same second.
        self.passwd.write_text("".join(
            f"{user}:{{PLAIN}}{password}:{self.uid}:{self.gid}::{self.mail / user}::\n" for user, password in self.accounts()
        ))
        os.chmod(self.root, 0o755)
        os.chmod(self.passwd, 0o644)
        if os.geteuid() == 0:
            os.chown(self.mail, self.uid, self.gid)
        config = self.root / "dovecot.conf"
        config.write_text(self.config())
        # Dovecot forks into the background; its output goes to a file, not a pipe we would wait on.
        with (self.root / "start.log").open("w+") as out:
            code = subprocess.call([DOVECOT, "-c", str(config)], stdout=out, stderr=subprocess.STDOUT, timeout=30)
            if code != 0:
                out.seek(0)
                raise RuntimeError(f"Dovecot did not start: {out.read()}")
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                log = self.log.read_text() if self.log.exists() else ""
                raise RuntimeError(f"Dovecot did not answer on port {self.port}:\n{log[-2000:]}")
            time.sleep(0.1)

    def stop(self):
        pid_file = self.root / "run" / "master.pid"
        with contextlib.suppress(OSError, ValueError):
            pid = int(pid_file.read_text().strip())
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)

    USERS = 500

    def accounts(self):
        return [(f"user{n}", f"pw-user{n}-secret") for n in range(1, self.USERS + 1)]

    def next_account(self):
        n = next(_counter)
        if n > self.USERS:
            raise RuntimeError(f"The test Dovecot has only {self.USERS} users; raise DovecotServer.USERS.")
        return self.accounts()[n - 1]


class DovecotAccount:
    """One mail user on the test server, with helpers that talk IMAP as that user."""

    def __init__(self, server, user, password):
        self.server = server
        self.host, self.port, self.tls_port = server.host, server.port, server.tls_port
        self.user, self.password = user, password
        self.address = f"{user}@example.test"

    def connect(self):
        imap = imaplib.IMAP4(self.host, self.port, timeout=15)
        imap.login(self.user, self.password)
        return imap

    def append(self, raw, folder="INBOX"):
        """Deliver raw bytes into a folder; returns the new message's UID."""
        imap = self.connect()
        try:
            typ, data = imap.append(folder, None, None, raw)
            if typ != "OK":
                raise RuntimeError(f"APPEND failed: {data}")
            found = re.search(rb"APPENDUID \d+ (\d+)", data[0] or b"")
            return int(found.group(1)) if found else None
        finally:
            imap.logout()

    def create_folder(self, name):
        imap = self.connect()
        try:
            imap.create(name)
        finally:
            imap.logout()

    def uids(self, folder="INBOX", criteria="ALL"):
        imap = self.connect()
        try:
            imap.select(folder)
            typ, data = imap.uid("SEARCH", None, criteria)
            return [int(n) for n in (data[0] or b"").split()]
        finally:
            imap.logout()

    def flags(self, uid, folder="INBOX"):
        imap = self.connect()
        try:
            imap.select(folder)
            typ, data = imap.uid("FETCH", str(uid), "(FLAGS)")
            found = re.search(rb"FLAGS \(([^)]*)\)", data[0] or b"")
            return set(found.group(1).decode().split()) if found else set()
        finally:
            imap.logout()


@pytest.fixture(scope="session")
def _dovecot_server():
    root = tempfile.mkdtemp(prefix="centrala-dovecot-")
    server = DovecotServer(root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def dovecot(_dovecot_server):
    """A fresh mail user with an empty INBOX on the session's Dovecot (see the module docstring)."""
    user, password = _dovecot_server.next_account()
    return DovecotAccount(_dovecot_server, user, password)
