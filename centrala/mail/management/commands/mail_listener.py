"""Take mail delivered straight to Centrala, over LMTP (default) or SMTP.

    manage.py mail_listener                          # LMTP on MAIL_LISTENER, or 127.0.0.1:2424
    manage.py mail_listener --smtp --port 2525       # plain SMTP instead
    manage.py mail_listener --host 0.0.0.0           # listen beyond this machine (behind a firewall)

Only addresses of active incoming mailboxes set to "Delivered" are accepted; nothing is relayed.
`manage.py serve` starts it when MAIL_LISTENER is set. See centrala/mail/listener.py.
"""

import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from centrala.mail import listener


class Command(BaseCommand):
    help = "Accept mail delivered to Centrala over LMTP or SMTP and turn it into cases."

    def add_arguments(self, parser):
        found = listener.configured() or (True, "127.0.0.1", 2424)
        parser.add_argument("--host", default=found[1], help="Address to listen on (default %(default)s).")
        parser.add_argument("--port", type=int, default=found[2], help="Port (default %(default)s).")
        protocol = parser.add_mutually_exclusive_group()
        protocol.add_argument("--smtp", dest="lmtp", action="store_false", default=found[0],
                              help="Speak SMTP instead of LMTP.")
        protocol.add_argument("--lmtp", dest="lmtp", action="store_true", help="Speak LMTP (the default).")
        parser.add_argument("--max-bytes", type=int, default=listener.DEFAULT_MAX_BYTES,
                            help="Largest message accepted (default %(default)s bytes).")

    def handle(self, *args, host, port, lmtp, max_bytes, **options):
        stopping = threading.Event()

        def stop(signum=None, frame=None):
            stopping.set()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            running = listener.Listener(host, port, lmtp=lmtp, max_bytes=max_bytes).start()
        except (OSError, RuntimeError) as error:
            raise CommandError(f"Cannot listen on {host}:{port}: {error}") from None
        self.stdout.write(f"Mail listener ({'LMTP' if lmtp else 'SMTP'}) on {host}:{running.port}.")
        try:
            stopping.wait()
        finally:
            running.stop()
        self.stdout.write("Mail listener stopped.")
