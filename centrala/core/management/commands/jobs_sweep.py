"""Tidy up after background work whose worker died: bulk jobs and contact imports that stopped
making progress go back to the queue and go on from where they stopped; e-mails whose sending
was interrupted are marked failed, for the agent to send again (`serve` does this every minute).

    manage.py jobs_sweep              # once
    manage.py jobs_sweep --every 60   # keep sweeping
"""

import time

from django.core.management.base import BaseCommand

from centrala.contacts.importing import resume_stalled_imports
from centrala.mail.sending import sweep_interrupted
from centrala.worklists.jobs import resume_stalled


def sweep():
    """(bulk jobs, imports) queued again, e-mails marked failed."""
    return resume_stalled(), resume_stalled_imports(), sweep_interrupted()


class Command(BaseCommand):
    help = "Resume bulk jobs and imports, and fail e-mail sends, whose worker stopped (once, or every N seconds)."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0, help="Repeat every N seconds (0: run once).")

    def handle(self, *args, every, **options):
        while True:
            jobs, imports, emails = sweep()
            if jobs or imports or emails or not every:
                self.stdout.write(f"Resumed {jobs} bulk job(s) and {imports} import(s); "
                                  f"{emails} interrupted e-mail(s) marked failed.")
            if not every:
                return
            time.sleep(max(every, 5))
