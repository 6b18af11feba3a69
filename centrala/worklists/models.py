"""What each user made of a list (VIEW-02): saved view variants (tabs), column layout, filter
buttons, row height; and bulk jobs (BULK-01) with their progress and summary."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ViewVariant(models.Model):
    """A named tab on a list: its filter and sort as a query string. Shared with a team by a manager."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="view_variants")
    view = models.CharField(max_length=40)
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(max_length=4000, blank=True)
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="view_variants",
        verbose_name=_("shared with team"),
    )
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]
        indexes = [
            models.Index(fields=["owner", "view"], name="variant_owner_view_idx"),
            models.Index(fields=["team", "view"], name="variant_team_view_idx"),
        ]
        verbose_name = _("view variant")
        verbose_name_plural = _("view variants")

    def __str__(self):
        return self.name


class RowHeight(models.TextChoices):
    COMPACT = "compact", _("Compact")
    NORMAL = "normal", _("Normal")
    TALL = "tall", _("Tall")


class ViewPreference(models.Model):
    """One user's layout of one list: columns (order, width, visibility), filter buttons, row height."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="view_preferences")
    view = models.CharField(max_length=40)
    # [{"key": "subject", "width": 240, "visible": true}, ...] in display order.
    columns = models.JSONField(default=list, blank=True)
    # Keys of the filter buttons shown, in order; empty means the view's defaults.
    filters = models.JSONField(default=list, blank=True)
    row_height = models.CharField(max_length=10, choices=RowHeight.choices, default=RowHeight.NORMAL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "view"], name="one_preference_per_user_view")]


class BulkState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class BulkJob(models.Model):
    """One bulk action on cases or contacts: who asked for what on which ids, how far it got, and
    what changed and what was refused and why."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bulk_jobs")
    action = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)
    ids = models.JSONField(default=list, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    # {"reason text": [ids...]} kept short: at most REFUSED_IDS_KEPT ids per reason, with counts.
    refused = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=BulkState.choices, default=BulkState.QUEUED)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When a runner last made progress: a running job silent for long lost its worker (resumed).
    progress_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]

    @property
    def percent(self):
        return 100 if not self.total else min(100, round(100 * self.done / self.total))

    @property
    def refused_count(self):
        return sum(item["count"] for item in self.refused.values())
