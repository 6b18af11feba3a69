"""`python -m bench.mail`: e-mail intake speed (issue 5, item 9). `make bench` runs it after the rest.

1. A dedicated database (PostgreSQL: centrala_bench_mail next to DATABASE_URL's; SQLite:
   var/bench-mail.sqlite3), recreated and migrated; a real Dovecot started as in the tests
   (centrala.mail.tests.dovecot), attachments and raw copies in a temporary media directory.
2. Throughput: N messages of about 10 kB APPENDed, then one worker reads them all (IMAP FETCH,
   parsing, contact match or creation, case, activity, flagging): messages per second. Then the
   same for N answers that continue those cases by their [#N] token (no new case or contact).
3. Latency: the worker waits in IMAP IDLE; a message is APPENDed and the clock stops when its
   case is visible in the database. Median, p95 and worst of R rounds.
4. bench/results/mail-<engine>.json.

Targets (issue 5, on PostgreSQL): >= 100 messages/s per worker; APPEND to case <= 2 s.

    python -m bench.mail [--messages 500] [--rounds 20]     (BENCH_MAIL_MESSAGES, BENCH_MAIL_ROUNDS)
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

TARGET_PER_SECOND = 100
TARGET_LATENCY_S = 2.0
MESSAGE_BYTES = 10_000


def use_bench_database(log=print):
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    db = settings.DATABASES["default"]
    connection.close()
    if connection.vendor == "postgresql":
        import psycopg

        name = os.environ.get("BENCH_MAIL_DATABASE_NAME", "centrala_bench_mail")
        params = {key: value for key, value in {
            "host": db.get("HOST"), "port": db.get("PORT"), "user": db.get("USER"), "password": db.get("PASSWORD"),
        }.items() if value}
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
    else:
        name = str(Path(settings.VAR_DIR) / "bench-mail.sqlite3")
        for suffix in ("", "-wal", "-shm"):
            Path(name + suffix).unlink(missing_ok=True)
    db["NAME"] = name
    connection.settings_dict["NAME"] = name
    connection.close()
    call_command("migrate", interactive=False, verbosity=0)
    log(f"database {name} ({connection.vendor}) ready")
    return connection.vendor


def message(i, *, subject=None):
    from centrala.mail.tests.inbox import make_message

    # A tenth of the senders write twice: their second message finds the contact made by the first.
    sender = f"Customer {i % 450} <customer{i % 450}@example.com>"
    return make_message(subject or f"Bench message {i}", f"Message number {i}.", sender=sender,
                        message_id=f"<bench-{i}-{time.time_ns()}@customer.example>", size=MESSAGE_BYTES)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.mail", description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=int(os.environ.get("BENCH_MAIL_MESSAGES") or 500))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_MAIL_ROUNDS") or 20))
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)

    import django

    django.setup()
    from django.conf import settings

    media = tempfile.mkdtemp(prefix="centrala-bench-media-")
    settings.MEDIA_ROOT = media
    engine = use_bench_database()

    from centrala.campaigns.models import Campaign
    from centrala.campaigns.processes import install_process, load_builtin
    from centrala.cases.models import Case
    from centrala.mail.models import IncomingMailbox, InboundMessage, Security
    from centrala.mail.tests.dovecot import DovecotAccount, DovecotServer
    from centrala.mail.worker import Supervisor, read_once

    root = tempfile.mkdtemp(prefix="centrala-bench-dovecot-")
    server = DovecotServer(root)
    server.start()
    try:
        account = DovecotAccount(server, *server.next_account())
        campaign = Campaign.objects.create(name="Bench service", script=install_process(load_builtin("customer_service")))
        box = IncomingMailbox.objects.create(
            name="Bench", campaign=campaign, host=account.host, port=account.port, security=Security.NONE,
            username=account.user, secret=account.password,
        )

        # --- throughput ---
        imap = account.connect()
        for i in range(args.messages):
            imap.append("INBOX", None, None, message(i))
        imap.logout()
        started = time.perf_counter()
        taken = read_once(box)
        elapsed = time.perf_counter() - started
        assert taken == args.messages == InboundMessage.objects.filter(state="done").count(), "messages were lost"
        per_second = taken / elapsed
        print(f"throughput: {taken} messages of ~{MESSAGE_BYTES // 1000} kB in {elapsed:.2f} s = "
              f"{per_second:.0f}/s per worker (target >= {TARGET_PER_SECOND}/s)")

        # --- throughput of answers: the same, but each continues an existing case by its token ---
        cases = list(Case.objects.order_by("pk").values_list("pk", flat=True)[:args.messages])
        imap = account.connect()
        for n, case_id in enumerate(cases):
            imap.append("INBOX", None, None, message(200_000 + n, subject=f"Re: Bench message [#{case_id}]"))
        imap.logout()
        started = time.perf_counter()
        replies = read_once(box)
        replies_elapsed = time.perf_counter() - started
        assert Case.objects.count() == len(cases), "an answer made a new case"
        replies_per_second = replies / replies_elapsed
        print(f"throughput of answers to existing cases: {replies} in {replies_elapsed:.2f} s = "
              f"{replies_per_second:.0f}/s per worker")

        # --- latency with IDLE ---
        stopping = threading.Event()
        supervisor = Supervisor(stopping, mailbox_ids=[box.pk], reload_seconds=60)
        thread = threading.Thread(target=supervisor.run, daemon=True)
        thread.start()
        latencies = []
        try:
            time.sleep(1.0)  # connected and idling
            imap = account.connect()
            for n in range(args.rounds):
                subject = f"Latency probe {n}"
                sent = time.perf_counter()
                imap.append("INBOX", None, None, message(100_000 + n, subject=subject))
                while not Case.objects.filter(subject=subject).exists():
                    if time.perf_counter() - sent > 30:
                        raise RuntimeError(f"no case for {subject!r} within 30 s")
                    time.sleep(0.005)
                latencies.append(time.perf_counter() - sent)
                time.sleep(0.2)
            imap.logout()
        finally:
            stopping.set()
            thread.join(30)
        latencies.sort()
        p95 = latencies[max(0, round(len(latencies) * 0.95) - 1)]
        median = statistics.median(latencies)
        print(f"latency APPEND -> case (IDLE): median {median * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
              f"max {latencies[-1] * 1000:.0f} ms over {len(latencies)} rounds (target <= {TARGET_LATENCY_S} s)")

        report = {
            "engine": engine,
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "system": platform.platform()},
            "throughput": {"messages": taken, "message_bytes": MESSAGE_BYTES, "seconds": round(elapsed, 3),
                           "per_second": round(per_second, 1), "target_per_second": TARGET_PER_SECOND,
                           "met": per_second >= TARGET_PER_SECOND},
            "answers": {"messages": replies, "seconds": round(replies_elapsed, 3),
                        "per_second": round(replies_per_second, 1)},
            "latency": {"rounds": len(latencies), "median_ms": round(median * 1000, 1), "p95_ms": round(p95 * 1000, 1),
                        "max_ms": round(latencies[-1] * 1000, 1), "target_ms": TARGET_LATENCY_S * 1000,
                        "met": p95 <= TARGET_LATENCY_S},
        }
        out = Path(settings.BASE_DIR) / "bench" / "results" / f"mail-{engine}.json"
        out.write_text(json.dumps(report, indent=2) + "\n")
        print(f"results: {out}")
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(media, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
