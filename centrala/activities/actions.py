"""Writing the timeline (ACT-01..02): notes, short notes on other entries, edits, moves, uploads.

Each do_* checks access itself (cases through accounts.permissions), writes the audit trail and
tells the case's audience after commit. Informational entries are written by other actions
(cases, contacts) through record_info.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat, truncatechars
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from centrala.accounts.permissions import case_audience, get_case_for_user
from centrala.audit.actions import record
from centrala.realtime.publish import publish

from . import files
from .models import Activity, ActivityKind, Attachment
from .queries import can_edit, can_move, get_activity_for_user

NOTE_MAX_LENGTH = 20000
SHORT_NOTE_MAX_LENGTH = 2000
MAX_FILES_PER_UPLOAD = 10


# What users read for an informational entry, by its stable field code; translated when shown,
# so each reader sees the label in their own language whoever made the change.
INFO_LABELS = {
    "created": gettext_lazy("Case created"),
    "activity_moved_in": gettext_lazy("Moved from case"),
    "activity_moved_out": gettext_lazy("Moved to case"),
}


def info_label(data):
    from centrala.cases.actions import FIELD_LABELS

    field = (data or {}).get("field", "")
    label = INFO_LABELS.get(field) or FIELD_LABELS.get(field)
    return str(label) if label is not None else (data or {}).get("label", field)


def record_info(case, actor, *, field, label, old="", new="", body="", extra=None):
    """An informational entry (ACT-01): what changed on the case, from what to what.

    `label` is the field's name as users read it, `old`/`new` are display values. Stored as text
    in the language of the moment; `field` stays a stable code for filters.
    """
    data = {"field": field, "label": str(label), "old": str(old or ""), "new": str(new or "")}
    data.update(extra or {})
    return Activity.objects.create(
        case=case,
        contact_id=case.contact_id,
        kind=ActivityKind.INFO,
        author=_by(actor),
        body=body,
        data=data,
    )


def _by(actor):
    return actor if actor is not None and actor.is_authenticated else None


def announce(case, activity, change, actor=None, *, audience=None):
    """Tell the case's audience that an activity was created, edited or moved (activity.changed).
    audience: case_audience(case.campaign), when the caller read it already."""
    payload = {
        "case_id": case.pk, "activity_id": activity.pk, "kind": activity.kind, "change": change,
        "by_user_id": actor.pk if _by(actor) else None,
    }
    publish("activity.changed", payload, **(audience or case_audience(case.campaign)))


def summary(activity):
    """One line naming an activity, e.g. for the entries a move leaves on both cases."""
    kind = activity.get_kind_display()
    if activity.kind == ActivityKind.ATTACHMENT:
        names = activity.data.get("name") or ", ".join(a.name for a in activity.attachments.all())
        return f"{kind}: {names}" if names else str(kind)
    text = activity.data.get("subject") or activity.body
    return f"{kind}: {truncatechars(' '.join(text.split()), 80)}" if text else str(kind)


def check_note_body(body, *, short=False):
    body = (body or "").strip()
    limit = SHORT_NOTE_MAX_LENGTH if short else NOTE_MAX_LENGTH
    if not body:
        raise ValidationError({"body": _("Write the note first.")})
    if len(body) > limit:
        raise ValidationError({"body": _("The note is %(length)s characters long; at most %(limit)s fit.")
                               % {"length": len(body), "limit": limit}})
    return body


@transaction.atomic
def do_add_note(actor, case_id, body, *, parent_id=None):
    """A note on the case, or with parent_id a short note on one of its entries (ACT-02)."""
    case = get_case_for_user(actor, case_id)
    parent = None
    if parent_id not in (None, ""):
        parent = get_activity_for_user(actor, parent_id)
        if parent.case_id != case.pk:
            raise ValidationError({"parent": _("That entry belongs to another case.")})
        if parent.parent_id is not None:
            raise ValidationError({"parent": _("Add the note to the entry itself, not to one of its notes.")})
    body = check_note_body(body, short=parent is not None)
    activity = Activity.objects.create(
        case=case, contact_id=case.contact_id, kind=ActivityKind.NOTE, body=body, author=_by(actor), parent=parent,
    )
    changes = {"kind": [None, ActivityKind.NOTE], "case": [None, case.pk], "body": [None, body]}
    if parent is not None:
        changes["parent"] = [None, parent.pk]
    record(_by(actor), "activity.create", activity, changes)
    announce(case, parent or activity, "created", actor)
    return activity


@transaction.atomic
def do_edit_note(actor, activity_id, body):
    """Notes are edited by their author, or by a manager or administrator; edits are audited."""
    activity = get_activity_for_user(actor, activity_id, for_update=True)
    if activity.kind != ActivityKind.NOTE:
        raise ValidationError({"body": _("Only notes can be edited.")})
    if not can_edit(actor, activity):
        raise PermissionDenied(_("Only the note's author, a manager or an administrator may edit it."))
    body = check_note_body(body, short=activity.parent_id is not None)
    if body == activity.body:
        return activity
    old = activity.body
    activity.body = body
    activity.edited_at = timezone.now()
    activity.save(update_fields=["body", "edited_at"])
    record(actor, "activity.edit", activity, {"body": [old, body]})
    announce(activity.case, activity.parent or activity, "edited", actor)
    return activity


@transaction.atomic
def do_move_activity(actor, activity_id, target_case_id):
    """ACT-02: move a note, attachment, e-mail, SMS or call, with its short notes, to another case
    the actor can see. Both cases get an informational entry; the audit trail keeps the move."""
    activity = get_activity_for_user(actor, activity_id, for_update=True)
    if activity.parent_id is not None:
        raise ValidationError({"case": _("A short note moves together with the entry it belongs to.")})
    if not can_move(activity):
        raise ValidationError({"case": _("Informational entries stay on the case where the change happened.")})
    target = get_case_for_user(actor, target_case_id)  # Case.DoesNotExist: not visible
    source = activity.case
    if target.pk == source.pk:
        raise ValidationError({"case": _("This entry is already on case #%(number)s.") % {"number": target.pk}})
    Activity.objects.filter(Q(pk=activity.pk) | Q(parent=activity)).update(case=target, contact_id=target.contact_id)
    activity.refresh_from_db(fields=["case", "contact"])
    text = summary(activity)
    ids = {"activity_id": activity.pk, "from_case": source.pk, "to_case": target.pk}
    record_info(source, actor, field="activity_moved_out", label=_("Moved to case"), new=f"#{target.pk}",
                body=text, extra=ids)
    record_info(target, actor, field="activity_moved_in", label=_("Moved from case"), new=f"#{source.pk}",
                body=text, extra=ids)
    changes = {"case": [source.pk, target.pk]}
    if source.contact_id != target.contact_id:
        changes["contact"] = [source.contact_id, target.contact_id]
    record(actor, "activity.move", activity, changes)
    announce(source, activity, "moved_out", actor)
    announce(target, activity, "moved_in", actor)
    return activity


def check_uploads(uploaded_files, *, too_big=()):
    """The file type of each upload, or ValidationError listing every refused file."""
    max_bytes = settings.ATTACHMENT_MAX_BYTES
    errors = [
        _("“%(name)s” is larger than the limit of %(limit)s per file.")
        % {"name": name or _("(no name)"), "limit": filesizeformat(max_bytes)}
        for name in too_big
    ]
    if not uploaded_files and not errors:
        raise ValidationError({"files": _("Choose a file to upload.")})
    if len(uploaded_files) + len(too_big) > MAX_FILES_PER_UPLOAD:
        raise ValidationError({"files": _("Upload at most %(count)s files at once.") % {"count": MAX_FILES_PER_UPLOAD}})
    types = []
    for uploaded in uploaded_files:
        file_type, error = files.check_file(uploaded, max_bytes=max_bytes)
        if error:
            errors.append(error)
        types.append(file_type)
    if errors:
        raise ValidationError({"files": errors})
    return types


def do_add_attachments(actor, case_id, uploaded_files, *, description="", too_big=()):
    """Store uploaded files on a case, one attachment entry each. All or nothing: when one file is
    refused, none is kept, and the message names every refused file."""
    description = (description or "").strip()
    if len(description) > SHORT_NOTE_MAX_LENGTH:
        raise ValidationError({"description": _("The description is %(length)s characters long; at most %(limit)s fit.")
                               % {"length": len(description), "limit": SHORT_NOTE_MAX_LENGTH}})
    case = get_case_for_user(actor, case_id)
    types = check_uploads(list(uploaded_files), too_big=too_big)
    stored = []
    try:
        with transaction.atomic():
            activities = [_store(actor, case, uploaded, file_type, description, stored)
                          for uploaded, file_type in zip(uploaded_files, types, strict=True)]
    except BaseException:
        # The rows are gone with the transaction; do not leave their files behind.
        for attachment in stored:
            attachment.file.storage.delete(attachment.file.name)
        raise
    return activities


def _store(actor, case, uploaded, file_type, description, stored):
    name = files.safe_display_name(uploaded.name)
    digest = files.sha256_of(uploaded)
    activity = Activity.objects.create(
        case=case, contact_id=case.contact_id, kind=ActivityKind.ATTACHMENT, body=description, author=_by(actor),
        data={"name": name, "size": uploaded.size, "content_type": file_type.content_type},
    )
    attachment = Attachment(
        activity=activity, name=name, size=uploaded.size, content_type=file_type.content_type, sha256=digest,
    )
    attachment.file.save(name, uploaded, save=False)
    stored.append(attachment)
    attachment.save()
    record(_by(actor), "activity.create", activity, {
        "kind": [None, ActivityKind.ATTACHMENT], "case": [None, case.pk], "file": [None, name],
        "size": [None, uploaded.size], "sha256": [None, digest],
    })
    announce(case, activity, "created", actor)
    return activity
