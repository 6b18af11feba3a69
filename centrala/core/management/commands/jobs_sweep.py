"""Resume background work whose worker died: bulk jobs and contact imports that stopped making
progress go back to the queue and go on from where they stopped (`serve` does this every minute).

    manage.py jobs_sweep              # once
    manage.py jobs_sweep --every 60   # keep sweeping
"""

import time

from django.core.management.base import BaseCommand

from centrala.contacts.importing import resume_stalled_imports
from centrala.worklists.jobs import resume_stalled


def sweep():
    """(bulk jobs, imports) queued again."""
    return resume_stalled(), resume_stalled_imports()


class Command(BaseCommand):
    help = "Queue again bulk jobs and contact imports whose worker stopped (once, or every N seconds)."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0, help="Repeat every N seconds (0: run once).")

    def handle(self, *args, every, **options):
        while True:
            jobs, imports = sweep()
            if jobs or imports or not every:
                self.stdout.write(f"Resumed {jobs} bulk job(s) and {imports} import(s).")
            if not every:
                return
            time.sleep(max(every, 5))
