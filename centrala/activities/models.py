"""The timeline of a case (ACT-01..02)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityKind(models.TextChoices):
    NOTE = "note", _("Note")
    ATTACHMENT = "attachment", _("Attachment")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    CALL = "call", _("Call")
    INFO = "info", _("Change")


# Kinds that can be moved to another case (ACT-02); informational entries stay where they happened.
MOVABLE_KINDS = frozenset({ActivityKind.NOTE, ActivityKind.ATTACHMENT, ActivityKind.EMAIL, ActivityKind.SMS, ActivityKind.CALL})


class Activity(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="activities")
    # Kept beside the case so a contact's card lists its activities with one index.
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    body = models.TextField(_("text"), blank=True)
    # Kind-specific details, shown by the timeline:
    #   info:       {"field", "label", "old", "new"} (+ "from_case"/"to_case" for moves)
    #   attachment: {"name", "size", "content_type"}; the files are Attachment rows
    #   email:      {"direction": "in"|"out", "subject", "from", "to"}; files are Attachment rows
    #   sms:        {"direction", "number"}
    #   call:       {"direction", "number", "duration" (seconds)}; the recording is an audio Attachment
    data = models.JSONField(default=dict, blank=True)
    # A short note added to another activity (ACT-02) points to it.
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="annotations")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["case", "-created_at"], name="activity_case_idx"),
            models.Index(fields=["contact", "-created_at"], name="activity_contact_idx"),
            models.Index(fields=["kind", "-created_at"], name="activity_kind_idx"),
            # An agent's Calls/Mail/SMS count: which of their visible cases have activities of a
            # kind, read from the index alone (a join from the cases, no table rows).
            models.Index(fields=["case", "kind"], name="activity_case_kind_idx"),
            models.Index(fields=["author", "-created_at"], name="activity_author_idx"),
            # The timeline loads the annotations of a page of activities (parent IN (...)). Almost
            # every parent is NULL, so SQLite's statistics rate the plain foreign-key index as
            # useless and it scans the whole table instead; an index of the non-NULL ones is tiny
            # and chosen by both databases.
            models.Index(fields=["parent"], condition=models.Q(parent__isnull=False), name="activity_parent_idx"),
        ]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


def attachment_path(instance, filename):
    return f"attachments/{instance.activity.case_id}/{instance.activity_id}/{filename}"


class Attachment(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("type"), max_length=100)
    sha256 = models.CharField(max_length=64)

    def __str__(self):
        return self.name
