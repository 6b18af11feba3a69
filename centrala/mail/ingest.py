"""Turning one received message into a case or an activity, exactly once (MAIL-01..02, CASE-03).

ingest() is called by the IMAP reader for each message it fetched. In one transaction (the
reader commits a few messages together, see imap._commit_group) it claims the (mailbox,
UIDVALIDITY, UID) row, keeps the raw bytes, finds or creates the case and writes the e-mail
activity; only after that commit does the reader flag the message on the server. A
crash before the commit leaves nothing, so the message is read again; a crash after it leaves the
row, so reading again only sets the flag. Two workers on one mailbox queue on the mailbox row
(SELECT ... FOR UPDATE on PostgreSQL; SQLite has one writer anyway) and the unique constraint.

Threading (decided here, see docs/decisions/0003-email-intake.md):
1. In-Reply-To / References naming a message we received or sent -> that message's case.
2. A "[#N]" token for a case of the mailbox's campaign, or of any campaign when the sender is one
   of that case's contact's addresses (so a guessed number cannot push mail into other cases).
3. Otherwise a new case in the mailbox's campaign, unless it is a bounce or an auto-reply, which
   is kept (state ignored) but makes no case.
"""

import hashlib
import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from centrala.accounts.permissions import case_audience, check_can
from centrala.activities.actions import announce
from centrala.activities.files import safe_display_name
from centrala.activities.models import Activity, ActivityKind, Attachment
from centrala.audit import actions as audit
from centrala.audit.actions import record
from centrala.cases.actions import do_create_case
from centrala.cases.models import Case, Source
from centrala.contacts.models import ContactEmail

from . import detection
from .models import IncomingMailbox, InboundMessage, InboundState, OutboundMessage
from .parsing import MessageUnreadable, parse
from .tokens import find_case_token

log = logging.getLogger(__name__)

# Content types a browser could run as a page or script: stored as plain bytes instead.
UNSAFE_TYPES = ("text/html", "image/svg+xml", "application/xhtml+xml", "text/xml", "application/xml",
                "text/javascript", "application/javascript", "application/x-shockwave-flash")
OUR_ID_MARK = ".centrala@"
HANDLED = (InboundState.DONE, InboundState.IGNORED, InboundState.QUARANTINED)


@dataclass
class Group:
    """A reader's group of messages committed in one transaction (imap._commit_group). The
    mailbox is locked once for all of them, and what each message would read again is read once:
    the campaign's audience (who is told about its cases) and which of the fetched UIDs are
    stored already (read again after a crash). `written` collects the files the group's messages
    stored, deleted again if the group is rolled back."""

    mailbox: IncomingMailbox
    audience: dict
    stored_uids: set
    written: list = field(default_factory=list)

    @classmethod
    def open(cls, mailbox, uidvalidity, uids):
        locked = lock_mailbox(mailbox)
        stored = set(InboundMessage.objects.filter(mailbox=locked, uidvalidity=uidvalidity, uid__in=list(uids))
                     .values_list("uid", flat=True)) if uids else set()
        return cls(locked, case_audience(locked.campaign), stored)

    def discard(self):
        _delete_files(self.written)
        self.written.clear()


def ingest(mailbox, uidvalidity, uid, raw, *, group=None):
    """Store and process one message; returns its InboundMessage (new, or the one stored before).

    Never raises for a bad message: it is quarantined with the error. Raises only when the
    database itself fails, in which case nothing was kept and the message must be read again.
    group: the reader's Group this message belongs to (inside its transaction).
    """
    written = []
    try:
        # In a group the mailbox is locked for the whole group, so no other worker can store this
        # UID meanwhile, and a failing database fails the group (read again) anyway: no savepoint.
        with transaction.atomic(savepoint=group is None):
            mailbox = group.mailbox if group else lock_mailbox(mailbox)
            inbound = None
            if group is None or uid in group.stored_uids:
                inbound = InboundMessage.objects.filter(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid).first()
            if inbound is not None and inbound.state in HANDLED:
                return inbound
            if inbound is None:
                # The raw copy is stored first; the row is inserted once processing has decided
                # its state, in this same transaction.
                inbound = InboundMessage(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid, size=len(raw))
                inbound.raw.save(f"{mailbox.pk}-{uidvalidity}-{uid}.eml", ContentFile(raw), save=False)
                written.append(inbound.raw)
            _process_or_quarantine(inbound, mailbox, raw, written, group.audience if group else None)
    except IntegrityError:
        # Another worker stored this UID between our check and insert: it is theirs.
        _delete_files(written)
        if group is not None:
            raise
        return InboundMessage.objects.get(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid)
    except BaseException:
        _delete_files(written)
        raise
    if group is not None:
        group.written.extend(written)
    return inbound


def lock_mailbox(mailbox):
    """The mailbox read fresh under its row lock: workers reading the same mailbox wait here for
    each other, and an administrator may have changed its campaign meanwhile."""
    return (IncomingMailbox.objects.select_for_update(of=("self",))
            .select_related("campaign__script__initial_status").get(pk=mailbox.pk))


def _delete_files(files):
    for stored in files:
        try:
            stored.storage.delete(stored.name)
        except OSError:
            log.warning("could not delete %s", stored.name)


def _process_or_quarantine(inbound, mailbox, raw, written, audience=None):
    inbound.attempts += 1
    mine = []
    audited = audit.mark()
    try:
        with transaction.atomic():
            process(inbound, mailbox, raw, mine, audience)
    except Exception as error:  # noqa: BLE001 - any failure quarantines this message only
        audit.discard_since(audited)  # what it recorded was rolled back with it
        _delete_files(mine)
        log.warning("message quarantined", extra={"inbound_id": inbound.pk, "mailbox_id": mailbox.pk},
                    exc_info=not isinstance(error, (MessageUnreadable, ValidationError)))
        inbound.state = InboundState.QUARANTINED
        inbound.error = _error_text(error)
        inbound.handled_at = timezone.now()
        inbound.case = inbound.activity = None
        # What was read before the failure (sender, subject ...) helps the administrator find it.
        _store(inbound, ["state", "error", "attempts", "handled_at", "case", "activity", "message_id",
                         "sender", "subject", "automatic", "spam_score", "spam_reasons"])
        return
    written.extend(mine)


def _store(inbound, fields):
    """Insert a message read for the first time, or update the one stored before (a retry)."""
    if inbound.pk is None:
        inbound.save(force_insert=True)
    else:
        inbound.save(update_fields=fields)


def _error_text(error):
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    if isinstance(error, MessageUnreadable):
        return str(error)
    return f"{type(error).__name__}: {error}"[:2000]


def process(inbound, mailbox, raw, written, audience=None):
    """Read the message and put it where it belongs. Raises on failure (the caller quarantines).
    audience: who is told about the mailbox campaign's cases, when the caller read it already."""
    parsed = parse(raw, max_attachment_bytes=mailbox.max_attachment_bytes)
    automatic = detection.automatic_kind(parsed)
    score, reasons = detection.spam_score(parsed)
    inbound.message_id = parsed.message_id
    inbound.sender = _sender(parsed)[:998]
    inbound.subject = parsed.subject[:998]
    inbound.automatic = automatic
    inbound.spam_score = score
    inbound.spam_reasons = reasons
    inbound.error = ""
    inbound.handled_at = timezone.now()
    fields = ["message_id", "sender", "subject", "automatic", "spam_score", "spam_reasons", "error", "handled_at",
              "attempts", "state", "case", "activity"]

    duplicate = _duplicate_of(inbound, mailbox, parsed)
    if duplicate is not None:
        inbound.state = InboundState.IGNORED
        inbound.case_id = duplicate[1]
        inbound.error = duplicate[0]
        _store(inbound, fields)
        return inbound

    case = find_case(mailbox, parsed)
    created = False
    if case is None:
        if automatic in (detection.BOUNCE, detection.AUTO_REPLY):
            inbound.state = InboundState.IGNORED
            inbound.error = _("An automatic message (%(kind)s) that answers nothing we know: kept, no case made.") % {
                "kind": automatic}
            _store(inbound, fields)
            return inbound
        case = _new_case(mailbox, parsed, score, audience)
        created = True
    activity = _activity(case, inbound, parsed, automatic, score, reasons, written)
    inbound.case = case
    inbound.activity = activity
    inbound.state = InboundState.DONE
    _store(inbound, fields)
    if not created:  # a new case is announced by do_create_case (case.created)
        announce(case, activity, "created", audience=audience if case.campaign_id == mailbox.campaign_id else None)
        # The case's lists show its latest change first.
        Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
    return inbound


def _duplicate_of(inbound, mailbox, parsed):
    """(why, case id) when this Message-ID was already taken in (any mailbox of the same campaign)
    or is one we sent ourselves; None for a new message."""
    # Our Message-IDs all carry ".centrala@" (sending.new_message_id): only those can be ours.
    ours = OUR_ID_MARK in parsed.message_id
    sent = ours and OutboundMessage.objects.filter(message_id=parsed.message_id).values_list("case_id", flat=True)[:1]
    if sent:
        return _("Our own sent message came back: not added again."), sent[0]
    earlier = (
        InboundMessage.objects.filter(message_id=parsed.message_id, mailbox__campaign_id=mailbox.campaign_id,
                                      state=InboundState.DONE)
        .exclude(pk=inbound.pk or 0).order_by("pk").values_list("pk", "case_id").first()
    )
    if earlier is not None:
        return _("The same message (Message-ID) was already received as #%(id)s.") % {"id": earlier[0]}, earlier[1]
    return None


def find_case(mailbox, parsed):
    """The existing case this message continues, or None (see the module docstring)."""
    ids = [*parsed.in_reply_to, *reversed(parsed.references)]
    if ids:
        # The case of the e-mail activity now: an agent may have moved the e-mail to another case
        # (ACT-02), and the conversation follows it there.
        found = dict(OutboundMessage.objects.filter(message_id__in=ids).values_list("message_id", "activity__case_id"))
        for message_id, case_id in InboundMessage.objects.filter(
            message_id__in=ids, activity__isnull=False
        ).values_list("message_id", "activity__case_id"):
            found.setdefault(message_id, case_id)
        for message_id in ids:
            if message_id in found:
                case = Case.objects.select_related("campaign", "contact").filter(pk=found[message_id]).first()
                if case is not None:
                    return case
    number = find_case_token(parsed.subject)
    if number is not None:
        case = Case.objects.select_related("campaign", "contact").filter(pk=number).first()
        if case is not None:
            if case.campaign_id == mailbox.campaign_id:
                return case
            sender = (parsed.from_address or "").lower()
            if sender and ContactEmail.objects.filter(contact_id=case.contact_id, address_key=sender).exists():
                return case
    return None


def _split_name(name):
    name = " ".join((name or "").replace('"', "").split())
    if "," in name:  # "Kowalski, Jan"
        last, _sep, first = name.partition(",")
        return first.strip()[:100], last.strip()[:100]
    if " " in name:
        first, _sep, last = name.rpartition(" ")
        return first[:100], last[:100]
    return "", name[:100]


def find_or_create_contact(parsed):
    """The contact with the sender's address (the oldest one when several have it), or a new
    contact named from the From header that the agent completes later."""
    from centrala.contacts.actions import check_create_contact, do_create_contact

    address = (parsed.from_address or "").strip()
    if address:
        match = (ContactEmail.objects.filter(address_key=address.lower()).select_related("contact")
                 .order_by("contact_id").first())
        if match is not None:
            return match.contact
    first, last = _split_name(parsed.from_name if parsed.from_name != address else "")
    fields = {"emails": [address] if address else [], "first_name": first,
              "last_name": last or ("" if address else _("Unknown sender"))}
    try:
        check_create_contact(None, "person", required=False, **fields)
    except ValidationError:
        # An address Django refuses (e.g. a local name without a domain): keep it in the name.
        fields = {"first_name": first, "last_name": (last or address or _("Unknown sender"))[:100]}
    # Checked above, so a failure here is the database's: the message's own savepoint covers it.
    return do_create_contact(None, "person", required=False, savepoint=False, **fields)


def _new_case(mailbox, parsed, score, audience):
    """A new case for the message; probable spam goes to the Spam list for review (BEY-03)."""
    return do_create_case(None, campaign=mailbox.campaign, contact=find_or_create_contact(parsed), source=Source.EMAIL,
                          subject=parsed.subject or None, is_spam=detection.is_spam(score), check_access=False,
                          savepoint=False, audience=audience)


def _sender(parsed):
    """The From header as people read it: "Name <address>", or whichever part there is."""
    if parsed.from_name and parsed.from_address:
        return f"{parsed.from_name} <{parsed.from_address}>"
    return parsed.from_address or parsed.from_name


def _stored_type(content_type):
    content_type = (content_type or "application/octet-stream").lower()[:100]
    return "application/octet-stream" if content_type in UNSAFE_TYPES else content_type


def _activity(case, inbound, parsed, automatic, score, reasons, written):
    body = parsed.text
    if parsed.oversize:
        notes = [
            _("Attachment “%(name)s” (%(size)s) was not kept: larger than this mailbox's limit of %(limit)s.") % {
                "name": item.name, "size": filesizeformat(item.size),
                "limit": filesizeformat(inbound.mailbox.max_attachment_bytes)}
            for item in parsed.oversize
        ]
        body = (body + "\n\n" if body else "") + "\n".join(f"[{note}]" for note in notes)
    data = {
        "direction": "in",
        "subject": parsed.subject,
        "from": _sender(parsed),
        "from_address": parsed.from_address,
        "to": parsed.to,
        "cc": parsed.cc,
        "date": parsed.date.isoformat() if parsed.date else "",
        "message_id": parsed.message_id,
        "automatic": automatic,
        "spam_score": score,
        "spam_reasons": reasons,
    }
    if parsed.reply_to:
        data["reply_to"] = parsed.reply_to
    if parsed.references or parsed.in_reply_to:
        data["references"] = [*parsed.references, *[i for i in parsed.in_reply_to if i not in parsed.references]][-20:]
    if parsed.html:
        data["html"] = parsed.html
    if parsed.oversize:
        data["oversize"] = [{"name": item.name, "size": item.size} for item in parsed.oversize]
    activity = Activity.objects.create(case=case, contact_id=case.contact_id, kind=ActivityKind.EMAIL, body=body,
                                       data=data)
    inline = {}
    for part in parsed.parts:
        name = safe_display_name(part.name)
        attachment = Attachment(activity=activity, name=name, size=len(part.data),
                                content_type=_stored_type(part.content_type),
                                sha256=hashlib.sha256(part.data).hexdigest())
        attachment.file.save(name, ContentFile(part.data), save=False)
        written.append(attachment.file)
        attachment.save()
        if part.content_id:
            inline[part.content_id.strip("<>")] = attachment.pk
    if inline:
        activity.data["inline"] = inline
        activity.save(update_fields=["data"])
    record(None, "activity.create", activity, {"kind": [None, ActivityKind.EMAIL], "case": [None, case.pk],
                                                "from": [None, data["from"]], "subject": [None, parsed.subject],
                                                "message_id": [None, parsed.message_id],
                                                "mailbox": [None, inbound.mailbox.name]})
    return activity


# --- retrying a quarantined message -------------------------------------------------------------

def do_retry(actor, inbound_id):
    """An administrator asks to process a quarantined message again (e.g. after activating the
    campaign it failed on). Returns the message; its state says whether it worked this time."""
    check_can(actor, "manage_mailboxes")
    with transaction.atomic():
        inbound = InboundMessage.objects.select_for_update().select_related("mailbox__campaign").get(pk=inbound_id)
        if inbound.state != InboundState.QUARANTINED:
            raise ValidationError(_("This message is not waiting for a retry."))
        try:
            with inbound.raw.open("rb") as handle:
                raw = handle.read()
        except (OSError, ValueError):
            raise ValidationError(_("The stored copy of this message is missing; it cannot be retried.")) from None
        written = []
        try:
            _process_or_quarantine(inbound, inbound.mailbox, raw, written)
        except BaseException:
            _delete_files(written)
            raise
        record(actor, "mail.retry", inbound, {"state": [InboundState.QUARANTINED, inbound.state]})
    return inbound

