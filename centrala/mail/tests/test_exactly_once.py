"""Exactly once (MAIL-01): crashes, restarts and two readers never lose or double a message.

The message is flagged on the server only after the case committed; these tests break the
reader at each point in between and read again.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings

from centrala.activities.models import Activity, ActivityKind
from centrala.cases.models import Case
from centrala.core.tests.test_serve import database_url
from centrala.mail import imap as imap_lib
from centrala.mail import ingest as ingest_module
from centrala.mail.models import InboundMessage, InboundState
from centrala.mail.worker import Supervisor, read_once

from .inbox import inbox, mail_media, make_message  # noqa: F401 - fixtures

pytestmark = pytest.mark.dovecot


def counts():
    return (Case.objects.count(), InboundMessage.objects.count(),
            Activity.objects.filter(kind=ActivityKind.EMAIL).count())


def append_many(dovecot, n, prefix="Message"):
    for i in range(n):
        dovecot.append(make_message(f"{prefix} {i}", f"Body {i}", sender=f"Sender {i} <s{i}@example.com>"))


class Crash(Exception):
    pass


def test_crash_after_commit_before_flagging_adds_nothing_twice(inbox, dovecot, monkeypatch):
    append_many(dovecot, 5)

    def crash(*args, **kwargs):
        raise Crash

    monkeypatch.setattr(imap_lib, "mark_handled", crash)
    with pytest.raises(Crash):
        read_once(inbox)
    assert counts() == (5, 5, 5)
    assert dovecot.uids(criteria=f"KEYWORD {imap_lib.KEYWORD}") == []  # nothing flagged yet

    monkeypatch.undo()
    assert read_once(inbox) == 5  # read again: only flagged this time
    assert counts() == (5, 5, 5)
    assert len(dovecot.uids(criteria=f"KEYWORD {imap_lib.KEYWORD}")) == 5


def test_crash_in_the_middle_of_a_batch_loses_nothing(inbox, dovecot, monkeypatch):
    append_many(dovecot, 6)
    real = ingest_module.ingest
    seen = []

    def crash_on_fourth(mailbox, uidvalidity, uid, raw, **options):
        if len(seen) == 3:
            raise Crash  # e.g. the process dies inside the fourth message's transaction
        seen.append(uid)
        return real(mailbox, uidvalidity, uid, raw, **options)

    with pytest.raises(Crash):
        imap_lib.read_new(*_open(inbox), ingest=crash_on_fourth)
    # Messages are committed in short groups: the group in flight is gone as a whole, nothing
    # of it is half-stored, and none of it was flagged on the server.
    cases, inbound, activities = counts()
    assert cases == inbound == activities < 6
    assert len(dovecot.uids(criteria=f"KEYWORD {imap_lib.KEYWORD}")) == inbound
    assert raw_files() == stored_raw_files()  # the rolled-back messages' raw copies went with them
    read_once(inbox)
    assert counts() == (6, 6, 6)
    assert raw_files() == stored_raw_files()
    assert sorted(Case.objects.values_list("subject", flat=True)) == [f"Message {i}" for i in range(6)]


def raw_files():
    """The raw copies on disk."""
    return sorted(path.name for path in Path(settings.MEDIA_ROOT).rglob("*.eml"))


def stored_raw_files():
    return sorted(Path(name).name for name in InboundMessage.objects.values_list("raw", flat=True))


def _open(mailbox):
    imap = imap_lib.connect(mailbox)
    uidvalidity, keywords = imap_lib.select(imap, mailbox.folder)
    return imap, mailbox, uidvalidity, keywords


@pytest.mark.django_db(transaction=True)
def test_two_readers_at_once_take_each_message_once(inbox, dovecot):
    append_many(dovecot, 12)
    errors = []

    def reader():
        from django.db import connection

        try:
            read_once(inbox)
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    read_once(inbox)  # whatever a failed reader left is taken now
    assert counts() == (12, 12, 12)
    assert set(InboundMessage.objects.values_list("state", flat=True)) == {InboundState.DONE}


def _worker_env():
    env = os.environ.copy()
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env["DATABASE_URL"] = database_url()
    # The worker's files (raw copies) land in this test's media directory.
    env["CENTRALA_VAR_DIR"] = str(Path(settings.MEDIA_ROOT).parent)
    env["SECRET_KEY"] = settings.SECRET_KEY
    return env


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_batch_then_restarted(inbox, dovecot):
    """A real `manage.py mail_worker` process is killed with SIGKILL while it reads 40 messages."""
    append_many(dovecot, 40, prefix="Killed")
    command = [sys.executable, "manage.py", "mail_worker", "--mailbox", str(inbox.pk)]
    worker = subprocess.Popen(command, cwd=settings.BASE_DIR, env=_worker_env(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while InboundMessage.objects.count() < 5:
            assert time.monotonic() < deadline, "the worker took no message within 60 s"
            assert worker.poll() is None, "the worker stopped by itself"
            time.sleep(0.02)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    taken = InboundMessage.objects.count()
    assert taken < 40, "the worker finished before it could be killed; the test proves nothing"

    restarted = subprocess.run([*command, "--once"], cwd=settings.BASE_DIR, env=_worker_env(),
                               capture_output=True, text=True, timeout=120)
    assert restarted.returncode == 0, restarted.stderr
    assert counts() == (40, 40, 40)
    assert sorted(Case.objects.values_list("subject", flat=True)) == sorted(f"Killed {i}" for i in range(40))
    assert len(dovecot.uids(criteria=f"KEYWORD {imap_lib.KEYWORD}")) == 40


@pytest.mark.django_db(transaction=True)
def test_idle_takes_a_new_message_within_seconds(inbox, dovecot):
    stopping = threading.Event()
    supervisor = Supervisor(stopping, mailbox_ids=[inbox.pk], reload_seconds=0.5)
    thread = threading.Thread(target=supervisor.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not inbox.__class__.objects.filter(pk=inbox.pk, last_ok_at__isnull=False).exists():
            assert time.monotonic() < deadline, "the worker did not connect"
            time.sleep(0.05)
        time.sleep(0.5)  # in IDLE by now
        appended = time.monotonic()
        dovecot.append(make_message("Urgent", "Call me"))
        while not Case.objects.filter(subject="Urgent").exists():
            assert time.monotonic() - appended < 5, "no case within 5 s of APPEND"
            time.sleep(0.05)
        assert time.monotonic() - appended < 3
        # An administrator deactivates the mailbox: the worker lets go of it.
        inbox.__class__.objects.filter(pk=inbox.pk).update(is_active=False)
        deadline = time.monotonic() + 10
        while supervisor.threads:
            assert time.monotonic() < deadline, "the deactivated mailbox is still read"
            time.sleep(0.1)
    finally:
        stopping.set()
        thread.join(30)


@pytest.mark.django_db(transaction=True)
def test_polling_when_idle_is_off(inbox, dovecot):
    inbox.__class__.objects.filter(pk=inbox.pk).update(use_idle=False, poll_seconds=1)
    stopping = threading.Event()
    supervisor = Supervisor(stopping, mailbox_ids=[inbox.pk], reload_seconds=0.5)
    thread = threading.Thread(target=supervisor.run, daemon=True)
    thread.start()
    try:
        dovecot.append(make_message("Polled", "By polling"))
        deadline = time.monotonic() + 15
        while not Case.objects.filter(subject="Polled").exists():
            assert time.monotonic() < deadline, "polling took no message within 15 s"
            time.sleep(0.1)
        dovecot.append(make_message("Polled again", "Second"))
        while not Case.objects.filter(subject="Polled again").exists():
            assert time.monotonic() < deadline, "the second poll took nothing"
            time.sleep(0.1)
    finally:
        stopping.set()
        thread.join(30)
    inbox.refresh_from_db()
    assert inbox.last_uid == 2 and inbox.last_error == ""


@pytest.mark.django_db(transaction=True)
def test_a_broken_mailbox_shows_its_error_and_recovers(inbox, dovecot):
    inbox.__class__.objects.filter(pk=inbox.pk).update(secret="wrong")
    stopping = threading.Event()
    supervisor = Supervisor(stopping, mailbox_ids=[inbox.pk], reload_seconds=0.3)
    thread = threading.Thread(target=supervisor.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while "refused the user name or password" not in inbox.__class__.objects.get(pk=inbox.pk).last_error:
            assert time.monotonic() < deadline, "the sign-in error was not shown"
            time.sleep(0.1)
        # The administrator fixes the password: the worker restarts the mailbox with it.
        inbox.__class__.objects.filter(pk=inbox.pk).update(secret=dovecot.password)
        dovecot.append(make_message("After the fix", "Works"))
        while not Case.objects.filter(subject="After the fix").exists():
            assert time.monotonic() < deadline, "the mailbox did not recover"
            time.sleep(0.1)
    finally:
        stopping.set()
        thread.join(30)


def test_big_messages_are_fetched_in_small_groups(inbox, dovecot, monkeypatch):
    monkeypatch.setattr(imap_lib, "FETCH_BYTES", 25_000)
    for i in range(5):
        dovecot.append(make_message(f"Big {i}", size=10_000))
    fetched = []
    real = imap_lib._fetch

    def spy(imap, uids):
        fetched.append(list(uids))
        return real(imap, uids)

    monkeypatch.setattr(imap_lib, "_fetch", spy)
    assert read_once(inbox) == 5
    assert [len(group) for group in fetched] == [2, 2, 1]
    assert counts() == (5, 5, 5)
