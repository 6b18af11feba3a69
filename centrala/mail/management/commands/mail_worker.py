"""Read the incoming mailboxes continuously (IMAP IDLE or polling) and turn mail into cases.

    manage.py mail_worker            # runs until SIGTERM / Ctrl-C; follows mailbox changes
    manage.py mail_worker --once     # reads every active mailbox once and exits (cron, checks)

`manage.py serve` starts it beside the web server. Running two at once is safe (no message is
taken twice), just wasteful.
"""

import signal
import threading

from django.core.management.base import BaseCommand

from centrala.mail import imap as imap_lib
from centrala.mail.models import IncomingMailbox, Intake
from centrala.mail.worker import Supervisor, read_once


class Command(BaseCommand):
    help = "Read incoming mailboxes (IMAP IDLE with polling fallback) and create cases from new mail."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Read each active mailbox once, then exit.")
        parser.add_argument("--mailbox", type=int, action="append", help="Only this mailbox id (repeatable).")
        parser.add_argument("--reload-seconds", type=float, default=5, help="How often mailbox changes are picked up.")

    def handle(self, *args, once, mailbox, reload_seconds, **options):
        if once:
            boxes = IncomingMailbox.objects.filter(is_active=True, intake=Intake.IMAP).select_related("campaign")
            if mailbox:
                boxes = boxes.filter(pk__in=mailbox)
            failed = False
            for box in boxes:
                try:
                    count = read_once(box)
                except imap_lib.MailboxError as error:
                    failed = True
                    IncomingMailbox.objects.filter(pk=box.pk).update(last_error=str(error)[:2000])
                    self.stderr.write(f"{box.name}: {error}")
                else:
                    self.stdout.write(f"{box.name}: {count} new message(s)")
            if failed:
                raise SystemExit(1)
            return
        stopping = threading.Event()

        def stop(signum=None, frame=None):
            stopping.set()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        self.stdout.write("Mail worker started.")
        Supervisor(stopping, mailbox_ids=mailbox, reload_seconds=reload_seconds).run()
        self.stdout.write("Mail worker stopped.")
