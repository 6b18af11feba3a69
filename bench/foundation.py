"""`python -m bench foundation`: server time of the foundation's pages, through Django's full request path.

Creates its own data in a throwaway database (SQLite file under var/, or a `_bench` database next
to DATABASE_URL's on PostgreSQL), signs in, requests each page repeatedly, and writes median and
p95 milliseconds and the query count to bench/results/foundation-<engine>.json.
"""

import json
import math
import os
import statistics
import time
from pathlib import Path

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))
PAGES = ["/", "/presence/team/", "/presence/report/", "/audit/", "/accounts/users/", "/healthz", "/api/v1/me"]


def main():
    from django.conf import settings
    from django.db import connection
    from django.test.utils import get_runner, setup_test_environment, teardown_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    runner = get_runner(settings)(verbosity=0, interactive=False)
    old = runner.setup_databases()
    try:
        from django.test import Client

        from centrala.accounts.models import Role, Team, User
        from centrala.presence.actions import do_set_presence
        from centrala.presence.models import PresenceKind, PresenceStatus

        work = PresenceStatus.objects.create(name="Available", kind=PresenceKind.WORK, is_default=True)
        rest = PresenceStatus.objects.create(name="Break", kind=PresenceKind.BREAK)
        team = Team.objects.create(name="Bench team")
        admin = User.objects.create_user("bench-admin", password="x" * 12, role=Role.ADMINISTRATOR)
        for index in range(300):
            user = User.objects.create_user(f"agent{index}", password="x" * 12, role=Role.AGENT)
            user.teams.add(team)
            do_set_presence(user, work if index % 3 else rest)
        client = Client()
        client.force_login(admin)
        results = {}
        for path in PAGES:
            client.get(path)  # warm up
            timings = []
            # Django clears connection.queries at each request start, so count with a wrapper.
            queries = []
            with connection.execute_wrapper(lambda execute, sql, params, many, context: (queries.append(sql), execute(sql, params, many, context))[1]):
                client.get(path)
            for _ in range(ROUNDS):
                started = time.perf_counter()
                response = client.get(path)
                timings.append((time.perf_counter() - started) * 1000)
            timings.sort()
            results[path] = {
                "status": response.status_code,
                "median_ms": round(statistics.median(timings), 2),
                "p95_ms": round(timings[max(0, math.ceil(len(timings) * 0.95) - 1)], 2),
                "queries": len(queries),
            }
            print(f"{path:<24} {results[path]}")
        engine = connection.vendor
        out = Path(settings.BASE_DIR) / "bench" / "results" / f"foundation-{engine}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"engine": engine, "rounds": ROUNDS, "users": 300, "pages": results}, indent=2))
        print(f"written {out}")
    finally:
        runner.teardown_databases(old)
        teardown_test_environment()
