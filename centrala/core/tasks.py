"""Background tasks of the core app."""

import socket

from django.tasks import task
from django.utils import timezone


@task()
def worker_check(note=""):
    """Proves a worker is alive: returns where and when it ran."""
    return {"host": socket.gethostname(), "ran_at": timezone.now().isoformat(), "note": note}
