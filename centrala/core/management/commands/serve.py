"""Run the web server and the background-task worker together; Ctrl-C stops both.

`make run` uses this. In production run the two kinds of process separately (see README).
"""

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

STOP_TIMEOUT = 15  # seconds a child gets to finish its current request or task
PR_SET_PDEATHSIG = 1
REMINDER_SWEEP_SECONDS = 30  # a callback is announced at most this long after it falls due


def worker_command():
    queues = settings.TASKS["default"].get("QUEUES") or ["default"]
    if settings.TASKS["default"]["BACKEND"].startswith("django_tasks_rq"):
        # The job class comes from settings.RQ (django_tasks_rq.Job), as for any rqworker.
        return [sys.executable, "manage.py", "rqworker", *queues, "--with-scheduler"]
    # No autoreloader (its default under DEBUG): the reloader's parent process does not pass
    # SIGTERM on, so the real worker would outlive `serve`.
    return [sys.executable, "manage.py", "db_worker", "--queue-name", ",".join(queues), "--no-reload"]


def _die_with_parent():
    """In the child, before exec: on Linux, get SIGTERM if `serve` itself dies (even kill -9)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the normal stop path still applies
        pass


def _group_alive(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Command(BaseCommand):
    help = "Serve Centrala (uvicorn, HTTP and websockets) and run a task worker beside it."

    def _sweep_presence(self):
        """Housekeeping beside the worker: idle users are signed out (see presence_sweep)."""
        from django.db import DatabaseError, close_old_connections

        from centrala.presence.actions import sign_out_idle

        try:
            sign_out_idle()
        except DatabaseError as error:  # a busy database must not stop the server
            self.stderr.write(f"Presence sweep failed: {error}")
        finally:
            close_old_connections()

    def _sweep_jobs(self):
        """Work whose worker died: bulk jobs and imports go on, interrupted sends fail (jobs_sweep)."""
        from django.db import close_old_connections

        from centrala.core.management.commands.jobs_sweep import sweep

        try:
            sweep()
        except Exception as error:  # noqa: BLE001 - e.g. the database or Redis restarting: next minute
            self.stderr.write(f"Jobs sweep failed: {error}")
        finally:
            close_old_connections()

    def _sweep_reminders(self):
        """Due callbacks remind their owner or the campaign's agents (see cases.reminders)."""
        from django.db import DatabaseError, close_old_connections

        from centrala.cases.reminders import sweep_due_reminders

        try:
            sweep_due_reminders()
        except DatabaseError as error:  # a busy database must not stop the server
            self.stderr.write(f"Reminder sweep failed: {error}")
        finally:
            close_old_connections()

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true", help="Serve only; run workers elsewhere.")

    def handle(self, *args, host, port, no_worker, **options):
        web = [
            sys.executable, "-m", "uvicorn", "config.asgi:application",
            "--host", host, "--port", str(port), "--no-server-header", "--lifespan", "off", "--ws", "websockets-sansio",
        ]
        if settings.BEHIND_TLS_PROXY:
            web.append("--proxy-headers")
        commands = {"web": web}
        if not no_worker:
            commands["worker"] = worker_command()
            # Incoming mailboxes (IMAP IDLE); idle and cheap when none is configured.
            commands["mail"] = [sys.executable, "manage.py", "mail_worker"]
            if settings.MAIL_LISTENER:  # mail delivered by the site's own mail server (LMTP/SMTP)
                commands["mail listener"] = [sys.executable, "manage.py", "mail_listener"]

        stopping = False

        def stop(signum=None, frame=None):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        # Each child leads its own process group, so Ctrl-C in the terminal reaches only this
        # process, which then stops every child exactly once. (A second signal makes uvicorn and
        # the workers abandon running requests and tasks.)
        processes = {
            name: subprocess.Popen(
                command, cwd=settings.BASE_DIR, env=os.environ.copy(), process_group=0,
                preexec_fn=_die_with_parent,
            )
            for name, command in commands.items()
        }
        self.stdout.write(f"Centrala is at http://{host}:{port}  (Ctrl-C stops the server and the worker)")
        exit_code = 0
        next_sweep = time.monotonic() + 60
        next_reminders = time.monotonic() + REMINDER_SWEEP_SECONDS
        try:
            while not stopping:
                for name, process in processes.items():
                    if process.poll() is not None:
                        self.stderr.write(f"The {name} process stopped (exit code {process.returncode}); stopping.")
                        exit_code = process.returncode or 1
                        stopping = True
                if not no_worker and time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + 60
                    self._sweep_presence()
                    self._sweep_jobs()
                if not no_worker and time.monotonic() >= next_reminders:
                    next_reminders = time.monotonic() + REMINDER_SWEEP_SECONDS
                    self._sweep_reminders()
                time.sleep(0.2)
        finally:
            self._stop(processes.values())
        if exit_code:
            raise SystemExit(exit_code)

    def _stop(self, processes):
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        # Whatever a child left behind in its group (a forked task runner, a scheduler) goes too.
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                if _group_alive(process.pid):
                    os.killpg(process.pid, signal.SIGTERM)
                    time.sleep(1)
                    if _group_alive(process.pid):
                        os.killpg(process.pid, signal.SIGKILL)
