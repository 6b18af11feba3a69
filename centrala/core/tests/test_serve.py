"""`manage.py serve`, the command `make run` uses: web server and task worker, stopped together.

Runs the real command in a subprocess against this test's database, so it checks what a
developer gets: the worker takes a task enqueued elsewhere (database backend, or RQ when
REDIS_URL is set), TaskRecord follows it, /healthz answers, and Ctrl-C leaves nothing behind.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.tasks import TaskResultStatus

from centrala.core.models import TaskRecord
from centrala.core.tasks import worker_check

from .failing_tasks import always_fails

START_TIMEOUT = 30
TASK_TIMEOUT = 30


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url():
    """DATABASE_URL naming the database this test runs on (pytest-django's test database)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return "sqlite:///" + quote(str(Path(db["NAME"]).resolve()))
    credentials = quote(db["USER"], safe="") + (":" + quote(db["PASSWORD"], safe="") if db["PASSWORD"] else "")
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    options = f"?{urlencode(db['OPTIONS'])}" if db.get("OPTIONS") else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}{options}"


def serve_environment():
    env = os.environ.copy()
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by conftest for Playwright; not for a real server
    env["DATABASE_URL"] = database_url()
    env["DEBUG"] = os.environ.get("DEBUG", "1")  # as `make run`
    if settings.REDIS_URL:
        # The test's own channel layer prefix (settings add "-test<pid>" under pytest).
        env["CHANNEL_LAYER_PREFIX"] = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    return env


def process_tree(root):
    """Every descendant of process `root`: {pid: command line}."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry))
    tree, stack = {}, [root]
    while stack:
        for child in children.get(stack.pop(), []):
            try:
                tree[child] = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            stack.append(child)
    return tree


def is_running(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has finished; it only waits to be reaped


def get_json(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, json.loads(response.read())


def wait_until(condition, timeout, describe, log):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"{describe} within {timeout} s. serve's output:\n{log.read_text()}")


@pytest.fixture
def served(transactional_db, tmp_path):
    """`python manage.py serve` on a free port, as `make run` starts it; stopped by the test."""
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=settings.BASE_DIR, env=serve_environment(), stdout=out, stderr=subprocess.STDOUT,
        )
    process.url, process.log = f"http://127.0.0.1:{port}", log

    def answers():
        assert process.poll() is None, f"serve exited early:\n{log.read_text()}"
        try:
            return get_json(process.url + "/healthz")[0] == 200
        except OSError:
            return False

    try:
        wait_until(answers, START_TIMEOUT, "The web server did not answer", log)
        yield process
    finally:
        if process.poll() is None:  # the test failed before stopping it: leave nothing running
            tree = process_tree(process.pid)
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
            for pid in tree:
                if is_running(pid):
                    os.kill(pid, signal.SIGKILL)


def test_make_run_serves_the_site_and_a_worker_that_runs_tasks(served, client_for, administrator):
    ok = worker_check.enqueue(note="enqueued by the test")
    failing = always_fails.enqueue(reason="boom 42")

    def finished():
        for result in (ok, failing):
            result.refresh()
        records = TaskRecord.objects.filter(task_id__in=[ok.id, failing.id], finished_at__isnull=False)
        return ok.is_finished and failing.is_finished and records.count() == 2

    wait_until(finished, TASK_TIMEOUT, "The worker did not run both tasks", served.log)

    assert ok.status == TaskResultStatus.SUCCESSFUL
    assert ok.return_value["note"] == "enqueued by the test"
    record = TaskRecord.objects.get(task_id=ok.id)
    assert (record.task_path, record.status, record.error) == ("centrala.core.tasks.worker_check", "SUCCESSFUL", "")
    assert record.enqueued_at <= record.started_at <= record.finished_at

    assert failing.status == TaskResultStatus.FAILED
    failed = TaskRecord.objects.get(task_id=failing.id)
    assert failed.status == "FAILED"
    assert "DeliberateFailure: boom 42" in failed.error
    page = client_for(administrator).get("/admin/tasks/?status=FAILED")
    assert "DeliberateFailure: boom 42" in page.content.decode()

    status, health = get_json(served.url + "/healthz")
    assert (status, health) == (200, {"status": "ok", "database": "ok", "channel_layer": "ok"})

    tree = process_tree(served.pid)
    commands = " | ".join(tree.values())
    assert "uvicorn config.asgi:application" in commands
    assert ("manage.py rqworker" if settings.REDIS_URL else "manage.py db_worker") in commands

    served.send_signal(signal.SIGINT)  # what Ctrl-C sends
    assert served.wait(timeout=30) == 0, served.log.read_text()
    left = {pid: command for pid, command in tree.items() if is_running(pid)}
    assert left == {}, f"still running after serve stopped: {left}"
