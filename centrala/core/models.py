from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskRecord(models.Model):
    """What happened to a background task, kept for administrators whatever the task backend.

    Filled from the django.tasks signals (enqueued, started, finished), which the database
    backend and the RQ backend both send, so one page shows both.
    """

    task_id = models.CharField(max_length=64, unique=True)
    task_path = models.CharField(_("task"), max_length=200)
    backend = models.CharField(_("backend"), max_length=100)
    queue = models.CharField(_("queue"), max_length=50, blank=True)
    status = models.CharField(_("status"), max_length=20, db_index=True)
    enqueued_at = models.DateTimeField(_("enqueued"), null=True, db_index=True)
    started_at = models.DateTimeField(_("started"), null=True)
    finished_at = models.DateTimeField(_("finished"), null=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-enqueued_at", "-id"]
        verbose_name = _("background task")
        verbose_name_plural = _("background tasks")

    def __str__(self):
        return f"{self.task_path} {self.status}"
