"""Sign out users whose pages have been closed for longer than PRESENCE_IDLE_MINUTES."""

import time

from django.core.management.base import BaseCommand

from centrala.presence.actions import sign_out_idle


class Command(BaseCommand):
    help = "Sign out idle users at their last sign of life (once, or every N seconds with --every)."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0, help="Repeat every N seconds (0: run once).")

    def handle(self, *args, every, **options):
        while True:
            count = sign_out_idle()
            if count or not every:
                self.stdout.write(f"Signed out {count} idle user(s).")
            if not every:
                return
            time.sleep(max(every, 10))
