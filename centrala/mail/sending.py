"""Sending e-mail over SMTP: which mailbox, the message itself, and the task that retries (MAIL-01).

A reply is stored first (OutboundMessage + its e-mail activity, state "queued"), then the task
`send_outbound` sends it. A temporary refusal (4xx, a dropped connection) is retried with a
growing delay up to MAX_ATTEMPTS; a permanent one (5xx) fails at once. Every change of state is
written to both the OutboundMessage and its activity's data, and announced to the case's audience
(activity.changed), so the timeline shows "sending", "sent" or "failed" with the error as it happens.

The task claims a message with a conditional UPDATE (queued -> sending), so two workers given the
same message never both send it.
"""

import logging
import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from django.db import transaction
from django.db.models import F
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from centrala.activities.actions import announce

from .models import AuthMethod, OutboundMessage, OutboundState, OutgoingMailbox, Security

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Delay before attempt n+1 after a temporary failure of attempt n (seconds): 1, 5, 15, 60 minutes.
BACKOFF_SECONDS = (60, 300, 900, 3600)
SMTP_TIMEOUT = 30
# An attempt still "sending" after this long lost its worker (killed, machine restarted).
INTERRUPTED_AFTER = timedelta(minutes=10)


class SendError(Exception):
    """Sending failed; `permanent` says whether trying again could help."""

    def __init__(self, message, *, permanent):
        super().__init__(message)
        self.permanent = permanent


# --- which mailbox ----------------------------------------------------------------------------

def mailbox_for(user, campaign):
    """The user's own active outgoing mailbox, else the campaign's, else None."""
    if user is not None and getattr(user, "is_authenticated", False):
        own = OutgoingMailbox.objects.filter(users=user, is_active=True).order_by("pk").first()
        if own is not None:
            return own
    if campaign is not None:
        return OutgoingMailbox.objects.filter(campaigns=campaign, is_active=True).order_by("pk").first()
    return None


def new_message_id(mailbox):
    domain = mailbox.from_address.rpartition("@")[2] or "centrala.invalid"
    # "<time.pid.random.centrala@domain>": ingest recognises our own messages by ".centrala@".
    return make_msgid(idstring="centrala", domain=domain)


# --- the message --------------------------------------------------------------------------------

def build_message(outbound, *, body, attachments=()):
    """The MIME message for an OutboundMessage: text body, attachments, threading headers.

    attachments: (name, content_type, bytes) triples.
    """
    mailbox = outbound.mailbox
    message = EmailMessage()
    sender = mailbox.from_address
    message["From"] = formataddr((mailbox.from_name, sender)) if mailbox.from_name else sender
    message["To"] = ", ".join(outbound.to)
    if outbound.cc:
        message["Cc"] = ", ".join(outbound.cc)
    message["Subject"] = outbound.subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = outbound.message_id
    if outbound.in_reply_to:
        message["In-Reply-To"] = outbound.in_reply_to
    if outbound.references:
        message["References"] = outbound.references
    message.set_content(body or "", subtype="plain", charset="utf-8")
    for name, content_type, content in attachments:
        maintype, _slash, subtype = (content_type or "application/octet-stream").partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype or "octet-stream", filename=name)
    return message


def _attachments_of(activity):
    files = []
    for attachment in activity.attachments.all().order_by("pk"):
        with attachment.file.open("rb") as handle:
            files.append((attachment.name, attachment.content_type, handle.read()))
    return files


# --- SMTP -----------------------------------------------------------------------------------------

def _xoauth2(username, token):
    """smtplib's authobject for SASL XOAUTH2: the initial response, then an empty answer to the
    server's error challenge (which makes the server report the failure)."""

    def authobject(challenge=None):
        if challenge is None:
            return f"user={username}\x01auth=Bearer {token}\x01\x01"
        return ""

    return authobject


def connect(mailbox, *, timeout=SMTP_TIMEOUT):
    """An open, authenticated SMTP connection to the mailbox's server (SSL, STARTTLS or plain)."""
    context = ssl.create_default_context()
    if mailbox.security == Security.SSL:
        smtp = smtplib.SMTP_SSL(mailbox.host, mailbox.port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(mailbox.host, mailbox.port, timeout=timeout)
    try:
        smtp.ehlo()
        if mailbox.security == Security.STARTTLS:
            smtp.starttls(context=context)
            smtp.ehlo()
        if mailbox.username:
            if mailbox.auth_method == AuthMethod.XOAUTH2:
                smtp.auth("XOAUTH2", _xoauth2(mailbox.username, mailbox.secret), initial_response_ok=True)
            else:
                smtp.login(mailbox.username, mailbox.secret)
    except BaseException:
        smtp.close()
        raise
    return smtp


def _describe(error):
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{address}: {code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
                         for address, (code, text) in error.recipients.items())
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        return f"{error.smtp_code} {text}"
    return str(error) or error.__class__.__name__


def _is_permanent(error):
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    if isinstance(error, ssl.SSLCertVerificationError):
        return True  # a wrong certificate will not fix itself between attempts
    return False  # connection refused, timeouts, dropped connections: try again


def smtp_send(mailbox, message, recipients):
    """Send `message` to `recipients` through `mailbox`, or raise SendError."""
    try:
        smtp = connect(mailbox)
        try:
            refused = smtp.send_message(message, from_addr=mailbox.from_address, to_addrs=recipients)
        finally:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
    except (smtplib.SMTPException, OSError) as error:
        raise SendError(_describe(error), permanent=_is_permanent(error)) from error
    if refused:  # some recipients refused, the others accepted: report it, do not resend to all
        log.warning("some recipients refused", extra={"refused": sorted(refused)})
    return refused


# --- the task -------------------------------------------------------------------------------------

def _sync_activity(outbound, change="edited"):
    """Copy the state to the activity's data and tell the case's audience."""
    activity = outbound.activity
    activity.data = {**activity.data, "state": outbound.state, "error": outbound.error}
    activity.save(update_fields=["data"])
    announce(outbound.case, activity, change)


def backoff(attempts):
    return timedelta(seconds=BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1])


@task()
def send_outbound(outbound_id):
    return deliver(outbound_id)


def deliver(outbound_id):
    """One attempt at sending an OutboundMessage. Returns its state afterwards."""
    claimed = OutboundMessage.objects.filter(pk=outbound_id, state=OutboundState.QUEUED).update(
        state=OutboundState.SENDING, attempts=F("attempts") + 1, sending_since=timezone.now(),
    )
    if not claimed:  # sent, failed, or another worker has it
        return OutboundMessage.objects.filter(pk=outbound_id).values_list("state", flat=True).first()
    outbound = OutboundMessage.objects.select_related("activity", "case__campaign", "mailbox").get(pk=outbound_id)
    with transaction.atomic():
        _sync_activity(outbound)
    try:
        if outbound.mailbox is None or not outbound.mailbox.is_active:
            raise SendError(_("The outgoing mailbox was removed or switched off."), permanent=True)
        message = build_message(outbound, body=outbound.activity.body, attachments=_attachments_of(outbound.activity))
        smtp_send(outbound.mailbox, message, [*outbound.to, *outbound.cc])
    except SendError as error:
        retry = not error.permanent and outbound.attempts < MAX_ATTEMPTS
        _finish(outbound, OutboundState.QUEUED if retry else OutboundState.FAILED, str(error)[:2000])
        if retry:
            delay = backoff(outbound.attempts)
            transaction.on_commit(lambda: send_outbound.using(run_after=timezone.now() + delay).enqueue(outbound.pk))
        return outbound.state
    _finish(outbound, OutboundState.SENT, "", sent_at=timezone.now())
    return outbound.state


@transaction.atomic
def _finish(outbound, state, error, *, sent_at=None):
    outbound.state, outbound.error = state, error
    fields = ["state", "error"]
    if sent_at is not None:
        outbound.sent_at = sent_at
        fields.append("sent_at")
    outbound.save(update_fields=fields)
    if outbound.mailbox_id:
        box = OutgoingMailbox.objects.filter(pk=outbound.mailbox_id)
        if state == OutboundState.SENT:
            box.update(last_ok_at=sent_at, last_error="")
        elif error:
            box.update(last_error=error)
    _sync_activity(outbound)


def sweep_interrupted(now=None):
    """Attempts whose worker died mid-send stay "sending" for ever: after INTERRUPTED_AFTER they
    fail with a message saying so, which offers "Send again" on the case. They are not resent
    automatically, because the server may have taken the message before the worker died: the
    agent decides. Returns how many were swept."""
    limit = (now or timezone.now()) - INTERRUPTED_AFTER
    swept = 0
    for outbound in (OutboundMessage.objects.filter(state=OutboundState.SENDING, sending_since__lt=limit)
                     .select_related("activity", "case__campaign")):
        error = _("Sending was interrupted (the sending worker stopped); the e-mail may not have been delivered. "
                  "Check with the customer or send it again.")
        with transaction.atomic():
            # Only if that attempt is still the one in flight (it may have just finished).
            if not OutboundMessage.objects.filter(pk=outbound.pk, state=OutboundState.SENDING,
                                                  sending_since=outbound.sending_since).update(
                                                      state=OutboundState.FAILED, error=error):
                continue
            outbound.state, outbound.error = OutboundState.FAILED, error
            _sync_activity(outbound)
        log.warning("interrupted sending marked failed", extra={"outbound_id": outbound.pk})
        swept += 1
    return swept


def enqueue(outbound):
    """Queue the first attempt once the surrounding transaction commits."""
    transaction.on_commit(lambda: send_outbound.enqueue(outbound.pk))
