"""Writing e-mail from a case (MAIL-01): replies, "send again", signatures and reply templates.

Each do_* checks the capability and the case's visibility itself, writes the audit trail and
announces the timeline change after commit. The e-mail is an activity of kind "email" (the data
described in the mail contract) with an OutboundMessage beside it; sending is the task in
centrala.mail.sending, queued only once everything is stored.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.defaultfilters import date as date_format
from django.utils import timezone
from django.utils.translation import gettext as _

from centrala.accounts.permissions import check_can, get_case_for_user
from centrala.activities import files
from centrala.activities.actions import announce, check_uploads
from centrala.activities.models import Activity, ActivityKind, Attachment
from centrala.audit.actions import record

from . import detection, sending
from .models import OutboundMessage, OutboundState, ReplyTemplate, Signature
from .tokens import with_token

MAX_RECIPIENTS = 50
SUBJECT_MAX = 900
BODY_MAX = 100_000
SIGNATURE_MAX = 2000
SIGNATURE_SEPARATOR = "\n\n-- \n"
REFERENCES_KEPT = 20


# --- reading ----------------------------------------------------------------------------------

def signature_of(user):
    return Signature.objects.filter(user=user).values_list("text", flat=True).first() or ""


def templates_for(campaign):
    """Active reply templates offered in `campaign`: its own and the global ones."""
    return ReplyTemplate.objects.filter(Q(campaign=campaign) | Q(campaign__isnull=True), is_active=True)


def email_parent(case, activity_id):
    """The e-mail activity of `case` being replied to, or ValidationError."""
    try:
        parent = Activity.objects.get(pk=int(activity_id), case=case, kind=ActivityKind.EMAIL)
    except (Activity.DoesNotExist, TypeError, ValueError, OverflowError):
        raise ValidationError({"reply_to": _("The e-mail you reply to is not on this case.")}) from None
    return parent


def reply_subject(parent_subject):
    subject = (parent_subject or "").strip()
    if subject.lower().startswith(("re:", "odp:", "aw:")):
        return subject
    return f"Re: {subject}" if subject else ""


def quote(parent):
    """The text of the e-mail replied to, quoted under an "On ..., ... wrote:" line."""
    data = parent.data or {}
    when = date_format(timezone.localtime(parent.created_at), "DATETIME_FORMAT")
    header = _("On %(date)s, %(sender)s wrote:") % {"date": when, "sender": data.get("from") or _("the sender")}
    lines = (parent.body or "").splitlines() or [""]
    return header + "\n" + "\n".join(f"> {line}" if line else ">" for line in lines)


def _as_list(value):
    if isinstance(value, str):
        return value.replace(",", " ").split()
    return [str(item) for item in value or ()]


def reply_recipients(parent):
    """To: the Reply-To or the sender of an incoming e-mail, or the recipients of one we sent."""
    data = parent.data or {}
    if data.get("direction") == "in":
        answer_to = _as_list(data.get("reply_to")) or _as_list(data.get("from_address"))
        return answer_to or ([data["from"]] if data.get("from") else [])
    return list(data.get("to") or [])


def _references(parent):
    data = parent.data or {}
    chain = _as_list(data.get("references"))
    if not chain and data.get("outbound_id"):
        chain = (OutboundMessage.objects.filter(pk=data["outbound_id"]).values_list("references", flat=True)
                 .first() or "").split()
    message_id = data.get("message_id") or ""
    if message_id and message_id not in chain:
        chain.append(message_id)
    return " ".join(chain[-REFERENCES_KEPT:])


# --- checking -----------------------------------------------------------------------------------

def parse_addresses(raw):
    """Addresses from a list or a comma/semicolon/newline-separated string, in order, no repeats."""
    if isinstance(raw, str):
        raw = [raw]
    found = []
    for item in raw or ():
        for part in str(item).replace(";", ",").replace("\n", ",").split(","):
            address = part.strip()
            if address and address.lower() not in {a.lower() for a in found}:
                found.append(address)
    return found


def check_addresses(field, raw, *, required):
    addresses = parse_addresses(raw)
    if required and not addresses:
        raise ValidationError({field: _("Enter at least one recipient.")})
    wrong = []
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            wrong.append(address[:100])
    if wrong:
        message = _("Not a valid e-mail address: %(addresses)s.") % {"addresses": ", ".join(wrong)}
        raise ValidationError({field: message})
    return addresses


def check_reply(*, to, cc, subject, body):
    errors = {}
    cleaned = {}
    for field, raw, required in (("to", to, True), ("cc", cc, False)):
        try:
            cleaned[field] = check_addresses(field, raw, required=required)
        except ValidationError as error:
            errors.update(error.message_dict)
    if len(cleaned.get("to", [])) + len(cleaned.get("cc", [])) > MAX_RECIPIENTS:
        errors["to"] = [_("At most %(count)s recipients.") % {"count": MAX_RECIPIENTS}]
    subject = " ".join((subject or "").split())
    if not subject:
        errors["subject"] = [_("Enter a subject.")]
    elif len(subject) > SUBJECT_MAX:
        errors["subject"] = [_("The subject is too long: at most %(limit)s characters.") % {"limit": SUBJECT_MAX}]
    body = (body or "").rstrip()
    if not body.strip():
        errors["body"] = [_("Write the message first.")]
    elif len(body) > BODY_MAX:
        errors["body"] = [_("The message is too long: at most %(limit)s characters.") % {"limit": BODY_MAX}]
    if errors:
        raise ValidationError(errors)
    return cleaned["to"], cleaned["cc"], subject, body


def _by(actor):
    return actor if actor is not None and actor.is_authenticated else None


# --- doing ----------------------------------------------------------------------------------------

def do_send_reply(actor, case_id, *, to, cc=(), subject, body, reply_to=None, uploaded_files=(), too_big=()):
    """Store an e-mail written on a case and queue its sending. Returns the OutboundMessage.

    Raises PermissionDenied (no "send_email"), Case.DoesNotExist (not visible) or ValidationError
    (bad addresses, no outgoing mailbox, refused files ...). Nothing is stored or queued then.
    """
    check_can(actor, "send_email")
    case = get_case_for_user(actor, case_id, related=("campaign",))
    mailbox = sending.mailbox_for(actor, case.campaign)
    if mailbox is None:
        raise ValidationError({"mailbox": _(
            "There is no outgoing mailbox for you or for the campaign “%(campaign)s”: nothing was sent. "
            "An administrator sets one up under Administration → Mailboxes."
        ) % {"campaign": case.campaign.name}})
    parent = email_parent(case, reply_to) if reply_to not in (None, "") else None
    to, cc, subject, body = check_reply(to=to, cc=cc, subject=subject, body=body)
    uploaded_files = list(uploaded_files)
    types = check_uploads(uploaded_files, too_big=too_big) if (uploaded_files or too_big) else []
    signature = signature_of(actor).strip()
    if signature:
        body = f"{body}{SIGNATURE_SEPARATOR}{signature}"
    subject = with_token(subject, case)
    stored = []
    try:
        with transaction.atomic():
            outbound = _store(actor, case, mailbox, parent, to, cc, subject, body, uploaded_files, types, stored)
    except BaseException:
        for attachment in stored:  # rows rolled back: do not leave their files behind
            attachment.file.storage.delete(attachment.file.name)
        raise
    return outbound


def _store(actor, case, mailbox, parent, to, cc, subject, body, uploaded_files, types, stored):
    message_id = sending.new_message_id(mailbox)
    in_reply_to = (parent.data or {}).get("message_id", "") if parent else ""
    references = _references(parent) if parent else ""
    sender = mailbox.from_address
    activity = Activity.objects.create(
        case=case, contact_id=case.contact_id, kind=ActivityKind.EMAIL, body=body, author=_by(actor),
        data={
            "direction": "out", "subject": subject, "from": sender, "to": to, "cc": cc,
            "date": timezone.now().isoformat(), "message_id": message_id, "state": OutboundState.QUEUED,
            "error": "", **({"in_reply_to_activity": parent.pk} if parent else {}),
        },
    )
    outbound = OutboundMessage.objects.create(
        case=case, activity=activity, mailbox=mailbox, message_id=message_id, in_reply_to=in_reply_to,
        references=references, to=to, cc=cc, subject=subject, created_by=_by(actor),
    )
    activity.data["outbound_id"] = outbound.pk
    activity.save(update_fields=["data"])
    for uploaded, file_type in zip(uploaded_files, types, strict=True):
        name = files.safe_display_name(uploaded.name)
        attachment = Attachment(activity=activity, name=name, size=uploaded.size,
                                content_type=file_type.content_type, sha256=files.sha256_of(uploaded))
        attachment.file.save(name, uploaded, save=False)
        stored.append(attachment)
        attachment.save()
    record(_by(actor), "email.send", outbound, {
        "case": [None, case.pk], "to": [None, to], "cc": [None, cc], "subject": [None, subject],
        "mailbox": [None, str(mailbox)], "files": [None, [a.name for a in stored]],
        "in_reply_to": [None, in_reply_to or None],
    })
    announce(case, activity, "created", actor)
    sending.enqueue(outbound)
    return outbound


def do_send_system_email(case, *, to, subject, body):
    """An e-mail Centrala itself sends on a case (e.g. a web form's confirmation), through the
    campaign's outgoing mailbox. Returns the OutboundMessage, or None when the campaign has no
    mailbox or every recipient is a robot's address (never mail a robot automatically: loops).
    Never used to answer a message: automatic mail is never sent to automatic mail."""
    to = [address for address in to if not detection.is_robot_address(address)]
    mailbox = sending.mailbox_for(None, case.campaign)
    if mailbox is None or not to:
        return None
    to, cc, subject, body = check_reply(to=to, cc=(), subject=subject, body=body)
    with transaction.atomic():
        return _store(None, case, mailbox, None, to, cc, with_token(subject, case), body, [], [], [])


@transaction.atomic
def do_resend(actor, outbound_id):
    """"Send again" after a failure: the same message (same Message-ID) is queued once more."""
    check_can(actor, "send_email")
    try:
        outbound = OutboundMessage.objects.select_for_update(of=("self",)).select_related("activity", "case").get(
            pk=int(outbound_id))
    except (OutboundMessage.DoesNotExist, TypeError, ValueError, OverflowError):
        raise OutboundMessage.DoesNotExist from None
    case = get_case_for_user(actor, outbound.case_id, related=("campaign",))  # not visible: not found
    if outbound.state != OutboundState.FAILED:
        raise ValidationError(_("Only an e-mail whose sending failed can be sent again."))
    if outbound.mailbox is None or not outbound.mailbox.is_active:
        mailbox = sending.mailbox_for(actor, case.campaign)
        if mailbox is None:
            raise ValidationError(_("There is no outgoing mailbox for you or for this campaign: nothing was sent."))
        outbound.mailbox = mailbox
    old_error = outbound.error
    outbound.state, outbound.error, outbound.attempts = OutboundState.QUEUED, "", 0
    outbound.save(update_fields=["state", "error", "attempts", "mailbox"])
    activity = outbound.activity
    activity.data = {**activity.data, "state": outbound.state, "error": ""}
    activity.save(update_fields=["data"])
    record(_by(actor), "email.resend", outbound, {"state": [OutboundState.FAILED, OutboundState.QUEUED],
                                                   "error": [old_error, ""]})
    announce(case, activity, "edited", actor)
    sending.enqueue(outbound)
    return outbound


@transaction.atomic
def do_set_signature(actor, text):
    """A user's own signature, appended under every e-mail they write."""
    check_can(actor, "send_email")
    text = (text or "").strip()
    if len(text) > SIGNATURE_MAX:
        message = _("The signature is too long: at most %(limit)s characters.") % {"limit": SIGNATURE_MAX}
        raise ValidationError({"text": message})
    signature, _created = Signature.objects.get_or_create(user=actor)
    if signature.text != text:
        record(actor, "email.signature", signature, {"text": [signature.text, text]})
        signature.text = text
        signature.save(update_fields=["text"])
    return signature


def check_template(name, subject, body):
    errors = {}
    name, subject, body = (name or "").strip(), (subject or "").strip(), (body or "").strip()
    if not name:
        errors["name"] = [_("Enter a name.")]
    elif len(name) > 100:
        errors["name"] = [_("At most %(limit)s characters.") % {"limit": 100}]
    if len(subject) > 250:
        errors["subject"] = [_("At most %(limit)s characters.") % {"limit": 250}]
    if not body:
        errors["body"] = [_("Write the text of the template.")]
    elif len(body) > BODY_MAX:
        errors["body"] = [_("At most %(limit)s characters.") % {"limit": BODY_MAX}]
    if errors:
        raise ValidationError(errors)
    return name, subject, body


@transaction.atomic
def do_save_template(actor, template, *, name, subject, body, campaign, is_active=True):
    """Create (template None) or change a reply template; managers and administrators only."""
    if not _by(actor):
        raise PermissionDenied
    check_can(actor, "manage_mail_templates")
    name, subject, body = check_template(name, subject, body)
    before = {} if template is None else {
        "name": template.name, "subject": template.subject, "body": template.body,
        "campaign": str(template.campaign) if template.campaign else None, "is_active": template.is_active,
    }
    template = template or ReplyTemplate()
    template.name, template.subject, template.body = name, subject, body
    template.campaign, template.is_active = campaign, bool(is_active)
    template.save()
    after = {"name": name, "subject": subject, "body": body, "campaign": str(campaign) if campaign else None,
             "is_active": template.is_active}
    from centrala.audit.actions import diff

    record(actor, "email.template.create" if not before else "email.template.update", template, diff(before, after))
    return template


@transaction.atomic
def do_delete_template(actor, template):
    check_can(actor, "manage_mail_templates")
    record(actor, "email.template.delete", template, {"name": [template.name, None]})
    template.delete()
