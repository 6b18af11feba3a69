"""E-mail channel (MAIL-01..02): mailboxes, every message read or sent, signatures and templates.

Incoming mailboxes are read over IMAP (IDLE, with polling as the fallback); each message read is
an InboundMessage, unique per mailbox/UIDVALIDITY/UID, so reading a mailbox again never doubles a
case. Replies are OutboundMessages sent by a task through the user's or campaign's outgoing
mailbox. Threading looks up both tables by Message-ID.

Secrets (passwords, OAuth2 access tokens) are stored for the connections but never rendered back
in pages or the API.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Security(models.TextChoices):
    SSL = "ssl", _("SSL/TLS")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("None (unencrypted)")


class AuthMethod(models.TextChoices):
    PASSWORD = "password", _("Password")
    XOAUTH2 = "xoauth2", _("OAuth2 access token (XOAUTH2)")


class Intake(models.TextChoices):
    IMAP = "imap", _("Read from an IMAP server")
    DELIVERY = "delivery", _("Delivered to Centrala (SMTP/LMTP listener)")


class ServerSettings(models.Model):
    host = models.CharField(_("server"), max_length=253, blank=True)
    port = models.PositiveIntegerField(_("port"))
    security = models.CharField(_("security"), max_length=10, choices=Security.choices, default=Security.SSL)
    username = models.CharField(_("user name"), max_length=254, blank=True)
    auth_method = models.CharField(
        _("sign-in method"), max_length=10, choices=AuthMethod.choices, default=AuthMethod.PASSWORD
    )
    # A password or an OAuth2 access token, depending on auth_method. Never shown back.
    secret = models.CharField(max_length=4000, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # The outcome of the last connection (test or real): shown to administrators.
    last_error = models.TextField(_("last error"), blank=True)
    last_ok_at = models.DateTimeField(_("last successful connection"), null=True, blank=True)

    class Meta:
        abstract = True

    def remember_outcome(self, error=""):
        """Keep how the last connection went, for the mailbox page (nothing for an unsaved one)."""
        if not self.pk:
            return
        fields = {"last_error": error[:2000]}
        if not error:
            fields["last_ok_at"] = timezone.now()
        type(self).objects.filter(pk=self.pk).update(**fields)


class IncomingMailbox(ServerSettings):
    """An IMAP mailbox whose new messages become cases of one campaign (MAIL-01)."""

    name = models.CharField(_("name"), max_length=100)
    address = models.EmailField(_("address"), blank=True, help_text=_("The address customers write to."))
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="incoming_mailboxes")
    # IMAP: the mail worker reads the folder. Delivery: the site's mail server hands messages for
    # `address` to `manage.py mail_listener` (SMTP or LMTP); no server settings are used.
    intake = models.CharField(_("how mail arrives"), max_length=10, choices=Intake.choices, default=Intake.IMAP)
    folder = models.CharField(_("folder"), max_length=200, default="INBOX")
    use_idle = models.BooleanField(_("use IMAP IDLE"), default=True)
    poll_seconds = models.PositiveIntegerField(_("polling interval (seconds)"), default=60)
    max_attachment_bytes = models.PositiveBigIntegerField(_("largest attachment kept (bytes)"), default=25 * 1024 * 1024)
    # Where reading stopped: UIDs at or below last_uid of this uidvalidity were handled.
    uidvalidity = models.BigIntegerField(null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("incoming mailbox")
        verbose_name_plural = _("incoming mailboxes")

    def __str__(self):
        return self.name


class OutgoingMailbox(ServerSettings):
    """An SMTP account replies are sent through: a user's own or a campaign's shared one."""

    name = models.CharField(_("name"), max_length=100)
    from_address = models.EmailField(_("sender address"))
    from_name = models.CharField(_("sender name"), max_length=200, blank=True)
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="outgoing_mailboxes",
                                   verbose_name=_("users"))
    campaigns = models.ManyToManyField("campaigns.Campaign", blank=True, related_name="outgoing_mailboxes",
                                       verbose_name=_("campaigns"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("outgoing mailbox")
        verbose_name_plural = _("outgoing mailboxes")

    def __str__(self):
        return f"{self.name} <{self.from_address}>"


class InboundState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    DONE = "done", _("Added to a case")
    IGNORED = "ignored", _("Ignored")  # e.g. a bounce or auto-reply to a message we sent: kept, no case
    QUARANTINED = "quarantined", _("Could not be processed")


class InboundMessage(models.Model):
    """One message read from a mailbox, kept until and after it became (part of) a case."""

    mailbox = models.ForeignKey(IncomingMailbox, on_delete=models.CASCADE, related_name="messages")
    uidvalidity = models.BigIntegerField()
    uid = models.BigIntegerField()
    message_id = models.CharField(max_length=998, blank=True, db_index=True)
    state = models.CharField(_("state"), max_length=12, choices=InboundState.choices, default=InboundState.PENDING)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # The message as received, so a quarantined one can be retried after a fix.
    raw = models.FileField(upload_to="mail/raw/%Y/%m/", max_length=300, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sender = models.CharField(_("from"), max_length=998, blank=True)
    subject = models.CharField(_("subject"), max_length=998, blank=True)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    activity = models.ForeignKey(
        "activities.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Auto-replies, bounces, mailing lists (never answered automatically): the kind found, or "".
    automatic = models.CharField(max_length=30, blank=True)
    spam_score = models.FloatField(default=0)
    spam_reasons = models.JSONField(default=list, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "uidvalidity", "uid"], name="inbound_mailbox_uid_uniq"),
        ]
        indexes = [
            models.Index(fields=["state", "-id"], name="inbound_state_idx"),
        ]
        verbose_name = _("incoming message")
        verbose_name_plural = _("incoming messages")

    def __str__(self):
        return self.subject or self.message_id or f"#{self.pk}"


class OutboundState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboundMessage(models.Model):
    """A reply written in Centrala; its Message-ID threads the customer's answer back (MAIL-01)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="outbound_messages")
    activity = models.OneToOneField("activities.Activity", on_delete=models.CASCADE, related_name="outbound_message")
    mailbox = models.ForeignKey(OutgoingMailbox, null=True, on_delete=models.SET_NULL, related_name="messages")
    message_id = models.CharField(max_length=998, unique=True)
    in_reply_to = models.CharField(max_length=998, blank=True)
    references = models.TextField(blank=True)
    to = models.JSONField(default=list)
    cc = models.JSONField(default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=998)
    state = models.CharField(_("state"), max_length=10, choices=OutboundState.choices, default=OutboundState.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # When the current attempt started: an attempt whose worker died is found by its age.
    sending_since = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # The sweep for sends whose worker died reads only these few rows.
            models.Index(fields=["sending_since"], name="mail_out_sending_idx", condition=models.Q(state="sending")),
        ]
        verbose_name = _("sent message")
        verbose_name_plural = _("sent messages")

    def __str__(self):
        return self.subject


class Signature(models.Model):
    """A user's signature, added under each reply they write."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mail_signature")
    text = models.TextField(_("signature"), blank=True)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")


class ReplyTemplate(models.Model):
    """Prepared reply text; a template without a campaign is offered in every campaign."""

    name = models.CharField(_("name"), max_length=100)
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.CASCADE, related_name="reply_templates"
    )
    subject = models.CharField(_("subject"), max_length=250, blank=True)
    body = models.TextField(_("text"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")

    def __str__(self):
        return self.name
