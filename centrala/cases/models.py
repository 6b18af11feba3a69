"""Cases (CASE-01..13): one contact, one campaign, a status of the campaign's script."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    OUTBOUND = "outbound", _("Outbound campaign")
    INBOUND_CALL = "inbound_call", _("Incoming call")
    EMAIL = "email", _("E-mail")
    LIVECHAT = "livechat", _("Live chat")
    WEB = "web", _("Web")
    SMS = "sms", _("SMS")


class Priority(models.IntegerChoices):
    LOW = 0, _("Low")
    NORMAL = 1, _("Normal")
    HIGH = 2, _("High")
    URGENT = 3, _("Urgent")


class Case(models.Model):
    """The number (CASE-02) is the primary key: unique, assigned by the database, never edited."""

    subject = models.CharField(_("subject"), max_length=250)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.OUTBOUND)
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="cases")
    status = models.ForeignKey("campaigns.Status", on_delete=models.PROTECT, related_name="cases")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_cases"
    )
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.LOW)
    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="cases")
    form_data = models.JSONField(_("form data"), default=dict, blank=True)
    is_spam = models.BooleanField(_("spam"), default=False)
    callback_at = models.DateTimeField(_("callback due"), null=True, blank=True)
    # When the owner (private) or the campaign's agents (public) were told the callback is due;
    # cleared whenever the due time changes, so each due time is announced once.
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Optimistic locking (CASE-11): every save bumps it; a save based on an older one is refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # Ordered by number, so a campaign + status filter reads its first page from the index
            # and stops (the newest first is every case view's default order). Spam left out: every
            # view but Spam leaves it out, and the dashboard counts a campaign's open cases from
            # this index alone.
            models.Index(fields=["campaign", "status", "-id"], condition=models.Q(is_spam=False),
                         name="case_campaign_status_idx"),
            # The dashboard's overdue callbacks of a campaign, read from the index alone.
            models.Index(fields=["campaign", "callback_at", "status", "owner"],
                         condition=models.Q(is_spam=False, callback_at__isnull=False), name="case_campaign_due_idx"),
            models.Index(fields=["owner", "-id"], name="case_owner_idx"),
            models.Index(fields=["callback_at", "id"], name="case_callback_idx"),
            models.Index(fields=["contact", "-id"], name="case_contact_idx"),
            models.Index(fields=["created_at", "id"], name="case_created_idx"),
            models.Index(fields=["updated_at", "id"], name="case_updated_idx"),
            models.Index(fields=["priority", "id"], name="case_priority_idx"),
            models.Index(fields=["subject", "id"], name="case_subject_idx"),
            models.Index(fields=["is_spam", "owner", "id"], name="case_spam_owner_idx"),
            # Spam (2% of cases) newest first, and counted, per campaign: an agent's Spam view.
            models.Index(fields=["campaign", "-id"], condition=models.Q(is_spam=True), name="case_spam_idx"),
            # Whose campaign a case is in, read from the index alone: an agent's Calls, Mail and SMS
            # check each activity's case against their campaigns (400 checks for a page of SMS).
            models.Index(fields=["id", "campaign"], name="case_id_campaign_idx"),
            # The reminder sweep: callbacks not announced yet, by due time (a small part of the table).
            models.Index(fields=["callback_at"], condition=models.Q(reminder_sent_at__isnull=True, callback_at__isnull=False),
                         name="case_reminder_due_idx"),
        ]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self):
        return f"#{self.pk} {self.subject}"

    @property
    def number(self):
        return self.pk


class CaseDraft(models.Model):
    """Unsaved edits of one user on one case (BEY-04): restored when the card is opened again."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="drafts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_drafts")
    data = models.JSONField(default=dict)
    base_version = models.PositiveIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="one_draft_per_user_case")]


class CaseViewer(models.Model):
    """A case card open on one websocket right now (CASE-11): tells others who is working on it.

    Stored in the database so every server process sees the same viewers. A row belongs to one
    socket (channel_name) and goes when the card closes or the socket disconnects. The page
    confirms it is still open every minute (seen_at); a row whose process died without saying
    goodbye stops counting after cases.viewers.STALE_AFTER and is then deleted.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="viewers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel_name = models.CharField(max_length=200)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "channel_name"], name="one_case_viewer_per_socket"),
        ]
        indexes = [models.Index(fields=["channel_name"], name="case_viewer_channel_idx")]

    def __str__(self):
        return f"{self.user_id} on #{self.case_id}"
