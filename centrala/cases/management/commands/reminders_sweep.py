"""Tell people about callbacks that fell due (see centrala.cases.reminders)."""

import time

from django.core.management.base import BaseCommand

from centrala.cases.reminders import sweep_due_reminders


class Command(BaseCommand):
    help = "Remind owners and agents of due callbacks (once, or every N seconds with --every)."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0, help="Repeat every N seconds (0: run once).")

    def handle(self, *args, every, **options):
        while True:
            count = sweep_due_reminders()
            if count or not every:
                self.stdout.write(f"Sent reminders for {count} due callback(s).")
            if not every:
                return
            time.sleep(max(every, 5))
