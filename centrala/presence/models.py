from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PresenceKind(models.TextChoices):
    WORK = "work", _("Work")
    BREAK = "break", _("Break")


class PresenceStatus(models.Model):
    """A status an agent picks in the top bar (PRS-01): green for work, red for a break."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=PresenceKind.choices, default=PresenceKind.WORK)
    logs_into_queues = models.BooleanField(
        _("logs into inbound queues"), default=False,
        help_text=_("Agents in this status receive calls from the inbound queues."),
    )
    is_default = models.BooleanField(
        _("set after login"), default=False,
        help_text=_("The status a user gets when they sign in. Only one status has this."),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("presence status")
        verbose_name_plural = _("presence statuses")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_presence_status"
            )
        ]

    def __str__(self):
        return self.name

    @property
    def is_work(self):
        return self.kind == PresenceKind.WORK


class PresenceChange(models.Model):
    """Every change of a user's status, with its time. status=None means signed out.

    Intervals between consecutive changes give logged-in, work and break time per day.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="presence_changes")
    status = models.ForeignKey(PresenceStatus, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Copied at the time of the change so that editing a status later does not rewrite history.
    kind = models.CharField(max_length=10, choices=PresenceKind.choices, blank=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["user", "at", "id"]
        indexes = [models.Index(fields=["user", "at"], name="presence_user_at_idx")]


class CurrentPresence(models.Model):
    """The latest change per user, kept beside the history so the team page is one cheap query."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="presence"
    )
    status = models.ForeignKey(PresenceStatus, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    since = models.DateTimeField()
    # The last sign of life from the user's open pages (their websocket). A user who closes the
    # browser without signing out is signed out at this moment once they have been idle too long.
    last_seen = models.DateTimeField(null=True, blank=True, db_index=True)
