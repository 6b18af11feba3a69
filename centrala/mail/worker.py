"""The long-running mail reader: one thread and one IMAP connection per active incoming mailbox.

Each thread connects, reads what is new, then waits in IDLE (or polls) and reads again; a broken
connection is retried with a growing pause (1 s doubling to 5 minutes), and the error is shown
on the mailbox's page. The supervisor looks at the mailboxes every few seconds and starts, stops
or restarts threads when an administrator adds, deactivates or edits one.

Several workers may run against the same mailboxes (e.g. by accident, or during a deploy): the
ingest step makes that safe, it only costs duplicate downloads.
"""

import logging
import threading

from django.db import close_old_connections

from . import imap as imap_lib
from .models import IncomingMailbox, Intake

log = logging.getLogger(__name__)

MAX_BACKOFF = 300
RELOAD_SECONDS = 5
# Fields whose change restarts a mailbox's thread.
WATCHED = ("host", "port", "security", "username", "auth_method", "secret", "folder", "use_idle", "poll_seconds",
           "campaign_id", "max_attachment_bytes")


class MailboxThread(threading.Thread):
    def __init__(self, mailbox_id, stopping, *, idle_seconds=imap_lib.IDLE_RESTART_SECONDS):
        super().__init__(name=f"mailbox-{mailbox_id}", daemon=True)
        self.mailbox_id = mailbox_id
        self.stopping = stopping  # the whole worker stops
        self.retired = threading.Event()  # only this mailbox stops (deleted, deactivated, edited)
        self.idle_seconds = idle_seconds

    def should_stop(self):
        return self.stopping.is_set() or self.retired.is_set()

    def run(self):
        backoff = 1
        while not self.should_stop():
            try:
                self.session()
                backoff = 1
            except imap_lib.MailboxError as error:
                self._failed(str(error))
            except Exception as error:  # noqa: BLE001 - the thread must outlive any one failure
                log.exception("mailbox %s failed", self.mailbox_id)
                self._failed(f"{type(error).__name__}: {error}")
            finally:
                close_old_connections()
            if self.should_stop():
                break
            self._wait(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)

    def _wait(self, seconds):
        waited = 0.0
        while waited < seconds and not self.should_stop():
            self.stopping.wait(min(0.5, seconds - waited))
            waited += 0.5

    def _failed(self, message):
        log.warning("mailbox %s: %s", self.mailbox_id, message)
        IncomingMailbox.objects.filter(pk=self.mailbox_id).update(last_error=message[:2000])

    def session(self):
        mailbox = IncomingMailbox.objects.select_related("campaign").get(pk=self.mailbox_id)
        imap = imap_lib.connect(mailbox)
        try:
            uidvalidity, keywords = imap_lib.select(imap, mailbox.folder)
            mailbox.remember_outcome()
            use_idle = mailbox.use_idle and "IDLE" in imap.capabilities
            while not self.should_stop():
                mailbox.refresh_from_db(fields=["uidvalidity", "last_uid"])
                imap_lib.read_new(imap, mailbox, uidvalidity, keywords, should_stop=self.should_stop)
                close_old_connections()
                if self.should_stop():
                    break
                if use_idle:
                    imap_lib.idle(imap, self.idle_seconds, self.should_stop)
                else:
                    self._wait(mailbox.poll_seconds or 60)
                    imap.noop()
        finally:
            imap_lib._close(imap)


def _fingerprint(mailbox):
    return tuple(getattr(mailbox, name) for name in WATCHED)


class Supervisor:
    """Keeps one MailboxThread per active mailbox, following the administrators' changes."""

    def __init__(self, stopping=None, *, mailbox_ids=None, reload_seconds=RELOAD_SECONDS, idle_seconds=None):
        self.stopping = stopping or threading.Event()
        self.mailbox_ids = set(mailbox_ids) if mailbox_ids else None
        self.reload_seconds = reload_seconds
        self.idle_seconds = idle_seconds or imap_lib.IDLE_RESTART_SECONDS
        self.threads = {}  # mailbox id -> (fingerprint, thread)

    def wanted(self):
        mailboxes = IncomingMailbox.objects.filter(is_active=True, intake=Intake.IMAP)
        if self.mailbox_ids is not None:
            mailboxes = mailboxes.filter(pk__in=self.mailbox_ids)
        return {mailbox.pk: _fingerprint(mailbox) for mailbox in mailboxes}

    def reload(self):
        wanted = self.wanted()
        close_old_connections()
        for mailbox_id, (fingerprint, thread) in list(self.threads.items()):
            if wanted.get(mailbox_id) != fingerprint or not thread.is_alive():
                thread.retired.set()
                thread.join(timeout=30)
                del self.threads[mailbox_id]
        for mailbox_id, fingerprint in wanted.items():
            if mailbox_id not in self.threads:
                thread = MailboxThread(mailbox_id, self.stopping, idle_seconds=self.idle_seconds)
                thread.start()
                self.threads[mailbox_id] = (fingerprint, thread)

    def run(self):
        while not self.stopping.is_set():
            try:
                self.reload()
            except Exception:  # noqa: BLE001 - e.g. the database restarting: try again later
                log.exception("could not reload the mailboxes")
                close_old_connections()
            self.stopping.wait(self.reload_seconds)
        self.stop()

    def stop(self):
        self.stopping.set()
        for _fingerprint_, thread in self.threads.values():
            thread.join(timeout=30)
        self.threads.clear()


def read_once(mailbox):
    """Read one mailbox now (the command's --once, and tests): returns how many messages were taken."""
    imap = imap_lib.connect(mailbox)
    try:
        uidvalidity, keywords = imap_lib.select(imap, mailbox.folder)
        return imap_lib.read_new(imap, mailbox, uidvalidity, keywords)
    finally:
        imap_lib._close(imap)
