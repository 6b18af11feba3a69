"""Talking IMAP to an incoming mailbox: connect with a clear error, read new messages, wait (MAIL-01).

A message is "handled" on the server when it carries the keyword $Centrala (and \\Seen); it is
set only after the transaction that stored the message committed (see ingest). Reading searches
UNKEYWORD $Centrala, so a message a person already read in webmail is still taken, and a flag
lost in a crash is set again the next time without a second case. Servers that refuse custom
keywords fall back to "UIDs above the last one handled" for the same UIDVALIDITY.

Waiting uses IMAP IDLE when the server offers it (a new message is read within a second or two),
otherwise polling every mailbox.poll_seconds.
"""

import imaplib
import logging
import re
import socket
import ssl
import time

from django.db import transaction
from django.utils.translation import gettext as _

from .models import AuthMethod, IncomingMailbox, Intake, Security

log = logging.getLogger(__name__)

KEYWORD = "$Centrala"
FETCH_BATCH = 50
FETCH_BYTES = 20 * 1024 * 1024
GROUP_MAX = 25  # messages committed together at most
GROUP_SECONDS = 0.5  # ... and for at most about this long
CONNECT_TIMEOUT = 20
IDLE_RESTART_SECONDS = 25 * 60  # RFC 2177: re-issue IDLE at least every 29 minutes


class MailboxError(Exception):
    """A problem the administrator can act on, said in their words."""


def _quote(folder):
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _server_text(error):
    text = error.args[0] if error.args else error
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return str(text)


def connect(box, *, timeout=CONNECT_TIMEOUT):
    """A signed-in imaplib connection to box (IncomingMailbox-like), or MailboxError saying why not."""
    where = f"{box.host}:{box.port}"
    try:
        if box.security == Security.SSL:
            imap = imaplib.IMAP4_SSL(box.host, box.port, ssl_context=ssl.create_default_context(), timeout=timeout)
        else:
            imap = imaplib.IMAP4(box.host, box.port, timeout=timeout)
            if box.security == Security.STARTTLS:
                if "STARTTLS" not in imap.capabilities:
                    imap.shutdown()
                    raise MailboxError(_("The server at %(where)s does not offer STARTTLS. Choose SSL/TLS or "
                                         "check the port.") % {"where": where})
                imap.starttls(ssl_context=ssl.create_default_context())
    except MailboxError:
        raise
    except socket.gaierror:
        raise MailboxError(_("The server name “%(host)s” could not be found. Check the spelling.")
                           % {"host": box.host}) from None
    except ConnectionRefusedError:
        raise MailboxError(_("Nothing answers at %(where)s: the server is down or the port is wrong.")
                           % {"where": where}) from None
    except (TimeoutError, socket.timeout):
        raise MailboxError(_("The server at %(where)s did not answer within %(seconds)s seconds (host unreachable "
                             "or blocked by a firewall).") % {"where": where, "seconds": timeout}) from None
    except ssl.SSLCertVerificationError as error:
        raise MailboxError(_("The server's TLS certificate is not trusted: %(reason)s.")
                           % {"reason": error.verify_message or error.reason}) from None
    except ssl.SSLError as error:
        raise MailboxError(_("The secure (TLS) connection to %(where)s failed: %(reason)s. Check whether the port "
                             "expects SSL/TLS, STARTTLS or no encryption.")
                           % {"where": where, "reason": error.reason or error}) from None
    except (OSError, imaplib.IMAP4.error, EOFError) as error:
        raise MailboxError(_("Could not connect to %(where)s: %(reason)s") % {"where": where,
                                                                            "reason": _server_text(error)}) from None
    try:
        if box.auth_method == AuthMethod.XOAUTH2:
            token = f"user={box.username}\x01auth=Bearer {box.secret}\x01\x01".encode()
            imap.authenticate("XOAUTH2", lambda _challenge: token)
        else:
            imap.login(box.username, box.secret)
    except imaplib.IMAP4.error as error:
        _close(imap)
        if box.auth_method == AuthMethod.XOAUTH2:
            raise MailboxError(_("The server refused the OAuth2 access token for “%(user)s” (expired or wrong): "
                                 "%(reason)s") % {"user": box.username, "reason": _server_text(error)}) from None
        raise MailboxError(_("The server refused the user name or password for “%(user)s”: %(reason)s")
                           % {"user": box.username, "reason": _server_text(error)}) from None
    except (OSError, EOFError) as error:
        _close(imap)
        raise MailboxError(_("The connection to %(where)s broke while signing in: %(reason)s")
                           % {"where": where, "reason": _server_text(error)}) from None
    return imap


def _close(imap):
    try:
        imap.logout()
    except Exception:  # noqa: BLE001 - closing a broken connection
        try:
            imap.shutdown()
        except Exception:  # noqa: BLE001
            pass


def select(imap, folder):
    """Select folder read-write; returns (uidvalidity, keywords allowed) or MailboxError."""
    typ, data = imap.select(_quote(folder))
    if typ != "OK":
        raise MailboxError(_("The folder “%(folder)s” does not exist on the server (%(reason)s).")
                           % {"folder": folder, "reason": _server_text(imaplib.IMAP4.error(data[0] if data else ""))})
    uidvalidity = int((imap.untagged_responses.get("UIDVALIDITY") or [b"0"])[-1])
    permanent = b" ".join(imap.untagged_responses.get("PERMANENTFLAGS") or [])
    return uidvalidity, b"\\*" in permanent


def test_connection(box):
    """(ok, message) for the "Test connection" button; records the outcome on saved mailboxes."""
    if getattr(box, "intake", None) == Intake.DELIVERY:
        from .listener import check_delivery

        return check_delivery()
    try:
        imap = connect(box)
        try:
            if isinstance(box, IncomingMailbox):
                select(imap, box.folder)
                typ, data = imap.uid("SEARCH", None, "ALL")
                count = len((data[0] or b"").split()) if typ == "OK" else 0
                message = _("Connected and signed in; folder “%(folder)s” holds %(count)s messages.") % {
                    "folder": box.folder, "count": count}
            else:
                message = _("Connected and signed in.")
        finally:
            _close(imap)
    except MailboxError as error:
        box.remember_outcome(str(error))
        return False, str(error)
    box.remember_outcome("")
    return True, message


def parse_uids(data):
    return [int(n) for n in (data[0] or b"").split()] if data and data[0] else []


def _fetch(imap, uids):
    """{uid: raw bytes} for the given UIDs (BODY.PEEK, so nothing is marked read by fetching)."""
    typ, data = imap.uid("FETCH", ",".join(str(u) for u in uids), "(UID BODY.PEEK[])")
    if typ != "OK":
        raise MailboxError(_("The server refused to hand out messages: %(reason)s") % {"reason": data})
    found = {}
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            match = re.search(rb"UID (\d+)", item[0])
            if match:
                found[int(match.group(1))] = item[1]
    return found


def _batches(imap, uids):
    """UIDs in groups of at most FETCH_BATCH messages and about FETCH_BYTES: a few big messages
    are fetched on their own rather than held in memory together."""
    for start in range(0, len(uids), FETCH_BATCH):
        chunk = uids[start:start + FETCH_BATCH]
        typ, data = imap.uid("FETCH", ",".join(str(u) for u in chunk), "(UID RFC822.SIZE)")
        sizes = {}
        for item in data if typ == "OK" else []:
            line = item[0] if isinstance(item, tuple) else item
            found = re.search(rb"UID (\d+).*RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+).*UID (\d+)", line or b"")
            if found:
                uid, size = (found.group(1), found.group(2)) if found.group(1) else (found.group(4), found.group(3))
                sizes[int(uid)] = int(size)
        batch, total = [], 0
        for uid in chunk:
            size = sizes.get(uid, 0)
            if batch and total + size > FETCH_BYTES:
                yield batch
                batch, total = [], 0
            batch.append(uid)
            total += size
        if batch:
            yield batch


def mark_handled(imap, uids, *, keywords):
    if not uids:
        return
    flags = f"(\\Seen {KEYWORD})" if keywords else "(\\Seen)"
    imap.uid("STORE", ",".join(str(u) for u in uids), "+FLAGS.SILENT", flags)


def read_new(imap, mailbox, uidvalidity, keywords, *, ingest=None, should_stop=lambda: False):
    """Take every message not yet handled; returns how many were processed."""
    from .ingest import ingest as default_ingest

    ingest = ingest or default_ingest
    if keywords:
        typ, data = imap.uid("SEARCH", None, "UNKEYWORD", KEYWORD)
        uids = parse_uids(data)
    else:
        start = mailbox.last_uid + 1 if mailbox.uidvalidity == uidvalidity else 1
        typ, data = imap.uid("SEARCH", None, "UID", f"{start}:*")
        uids = [u for u in parse_uids(data) if u >= start]
    if mailbox.uidvalidity != uidvalidity:
        # A new UIDVALIDITY renumbers the folder: messages seen before are recognised by Message-ID.
        IncomingMailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=uidvalidity, last_uid=0)
        mailbox.uidvalidity, mailbox.last_uid = uidvalidity, 0
    done = 0
    for batch in _batches(imap, uids):
        if should_stop():
            break
        messages = _fetch(imap, batch)
        pending = iter(batch)
        while True:
            handled = _commit_group(pending, messages, mailbox, uidvalidity, ingest)
            if not handled:
                break
            # Only now, after the commit: flag them handled on the server.
            mark_handled(imap, handled, keywords=keywords)
            done += len(handled)
    return done


def _commit_group(pending, messages, mailbox, uidvalidity, ingest):
    """Ingest the next few messages in one transaction (each still in its own savepoint, so one
    bad message is quarantined alone). Grouping saves a commit per message; the group is kept
    short (GROUP_SECONDS) so other writers, on SQLite especially, never wait long."""
    from centrala.audit.actions import collected

    from .ingest import Group

    handled, group = [], None
    started = time.monotonic()
    try:
        with transaction.atomic(), collected():
            for uid in pending:
                raw = messages.get(uid)
                if raw is None:  # expunged in between
                    continue
                group = group or Group.open(mailbox, uidvalidity, list(messages))
                ingest(mailbox, uidvalidity, uid, raw, group=group)
                handled.append(uid)
                if len(handled) >= GROUP_MAX or time.monotonic() - started > GROUP_SECONDS:
                    break
            if handled:
                IncomingMailbox.objects.filter(pk=mailbox.pk, last_uid__lt=max(handled)).update(last_uid=max(handled))
    except BaseException:
        if group is not None:
            group.discard()  # the group's rows are gone: so go the files they named
        raise
    if handled:
        mailbox.last_uid = max(mailbox.last_uid, *handled)
    return handled


def idle(imap, seconds, should_stop):
    """Wait in IDLE until the server reports a change, `seconds` pass or should_stop(); True when
    something arrived. imaplib in Python 3.12 has no IDLE, so the few lines of protocol are here."""
    tag = imap._new_tag()
    imap.send(tag + b" IDLE\r\n")
    line = imap.readline()
    if not line.startswith(b"+"):
        raise MailboxError(_("The server refused IDLE: %(reply)s") % {"reply": line.decode("utf-8", "replace")})
    sock = imap.socket()
    deadline = time.monotonic() + seconds
    arrived = False
    try:
        while not should_stop() and time.monotonic() < deadline:
            sock.settimeout(min(1.0, max(0.05, deadline - time.monotonic())))
            try:
                line = imap.readline()
            except (TimeoutError, socket.timeout):
                # A timed-out socket file refuses further reads; nothing was read, so a new one
                # over the same socket continues exactly where this one stopped.
                imap.file = sock.makefile("rb")
                continue
            if not line:
                raise MailboxError(_("The server closed the connection."))
            if re.match(rb"\* \d+ (EXISTS|RECENT)", line):
                arrived = True
                break
    finally:
        sock.settimeout(CONNECT_TIMEOUT)
        imap.send(b"DONE\r\n")
        while True:
            line = imap.readline()
            if not line:
                raise MailboxError(_("The server closed the connection."))
            if line.startswith(tag):
                break
    return arrived
