"""`python -m bench lists`: the working lists at a million cases (issue 4, item 7).

1. A dedicated database (PostgreSQL: centrala_bench next to DATABASE_URL's; SQLite:
   var/bench-lists.sqlite3), recreated and migrated, filled by bench.generate (COPY / executemany),
   then VACUUM/ANALYZE. --reuse keeps a database that already holds data.
2. Server time through Django's full request path (django.test.Client, force_login, DEBUG off):
   warm-up, then N requests per measurement, median and p95 in ms, and the queries of one request
   (CaptureQueriesContext) with the slowest one, explained when a target is missed.
3. bench/results/lists-<engine>.json and a table between markers in docs/performance.md.

Targets (issue 4, on PostgreSQL): pages p95 <= 50 ms, searches p95 <= 100 ms, bulk set-owner on
10,000 cases <= 5 s; a page's query count does not depend on how deep it is.
"""

import json
import math
import os
import platform
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

TARGETS_MS = {"page": 50, "search": 100, "bulk": 5000}
GROUP_TITLES = {"page": "Pages", "search": "Searches", "bulk": "Bulk"}
DEEP_PAGES = 200
BULK_SIZE = 10_000
BULK_REPEATS = 3
ROW_SECONDS = 30  # time budget of one measurement (slow ones stop after MIN_ROUNDS requests)
MIN_ROUNDS = 5
DOC_PATH = Path(settings.BASE_DIR) / "docs" / "performance.md"
RESULTS_DIR = Path(settings.BASE_DIR) / "bench" / "results"


# --- the database ---------------------------------------------------------------------------------

def use_bench_database(*, reuse=False, log=print):
    """Point the default connection at the bench database, (re)created unless reuse; migrate it.
    Returns True when it already held cases (nothing to generate)."""
    db = settings.DATABASES["default"]
    connection.close()
    if connection.vendor == "postgresql":
        import psycopg

        name = os.environ.get("BENCH_DATABASE_NAME", "centrala_bench")
        params = {key: value for key, value in {
            "host": db.get("HOST"), "port": db.get("PORT"), "user": db.get("USER"), "password": db.get("PASSWORD"),
        }.items() if value}
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if exists and not reuse:
                admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            if not exists or not reuse:
                admin.execute(f'CREATE DATABASE "{name}"')
                log(f"created database {name}")
    else:
        name = str(Path(settings.VAR_DIR) / "bench-lists.sqlite3")
        if not reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(name + suffix).unlink(missing_ok=True)
    db["NAME"] = name
    connection.settings_dict["NAME"] = name
    connection.close()
    call_command("migrate", interactive=False, verbosity=0)
    from centrala.cases.models import Case

    return reuse and Case.objects.exists()


# --- what to request ------------------------------------------------------------------------------

@dataclass
class Samples:
    manager: object
    agent: object
    bulk_owner: object
    campaign: object
    status: object
    case: object
    phone: str
    email: str
    name: str


def pick_samples():
    """Users and values to search for, read from whatever the database holds."""
    from centrala.accounts.models import Role, User
    from centrala.accounts.permissions import visible_campaigns
    from centrala.campaigns.models import Status, StatusType
    from centrala.cases.models import Case

    manager = User.objects.filter(role=Role.MANAGER, is_active=True).order_by("pk").first()
    agent = User.objects.filter(role=Role.AGENT, is_active=True, campaigns__isnull=False).order_by("pk").first()
    if agent is None:
        agent = (User.objects.filter(role=Role.AGENT, is_active=True, teams__campaigns__isnull=False)
                 .order_by("pk").first())
    campaigns = list(visible_campaigns(agent).order_by("pk"))
    # The agent's campaign with most cases: the biggest list a filter narrows down.
    counts = dict(Case.objects.filter(campaign__in=campaigns).values_list("campaign").annotate(n=Count("pk")))
    campaign = max(campaigns, key=lambda c: counts.get(c.pk, 0))
    status = (Status.objects.filter(script_id=campaign.script_id, type=StatusType.NO_QUALIFIER).first()
              or Status.objects.filter(script_id=campaign.script_id).first())
    bulk_owner = least_busy_agent(campaign, besides=agent)
    cases = Case.objects.filter(owner=agent, is_spam=False).select_related("contact").order_by("-pk")
    case = (cases.filter(contact__phones__e164__startswith="+48", contact__emails__isnull=False).first()
            or cases.first())
    phone = case.contact.phones.filter(e164__startswith="+48").values_list("e164", flat=True).first() or ""
    email = case.contact.emails.values_list("address", flat=True).first() or ""
    return Samples(manager=manager, agent=agent, bulk_owner=bulk_owner, campaign=campaign, status=status,
                   case=case, phone=phone, email=email, name=case.contact.display_name)


def least_busy_agent(campaign, *, besides):
    """Who gets a bulk selection: another agent of the campaign (so the measured agent's lists
    stay as they are), the one owning fewest cases, so that repeated runs find enough cases."""
    from centrala.accounts.models import AGENT_ROLES, User
    from centrala.cases.models import Case

    candidates = list(User.objects.filter(role__in=AGENT_ROLES, is_active=True, teams__campaigns=campaign)
                      .exclude(pk=besides.pk).distinct())
    owned = dict(Case.objects.filter(owner__in=candidates).values_list("owner").annotate(n=Count("pk")))
    return min(candidates, key=lambda user: (owned.get(user.pk, 0), user.pk), default=besides)


def phone_formats(e164):
    national = e164[3:]
    a, b, c = national[:3], national[3:6], national[6:]
    return {
        "+48 601 234 567": f"+48 {a} {b} {c}",
        "601-234-567": f"{a}-{b}-{c}",
        "0048601234567": f"0048{national}",
        "601234567": national,
    }


def deep_path(listdef, user, params, pages):
    """The URL of the page `pages` pages after the first, found by following "next" as a user
    would (keyset cursors); fewer when the list ends sooner. Returns (path, pages walked)."""
    from centrala.worklists.lists import ListQuery

    base = reverse(listdef.url_name)
    query = ListQuery(listdef, urlencode(params), user)
    walked = 0
    next_url = None
    for _ in range(pages):
        page = query.page()
        if not page.next_cursor:
            break
        next_url = page.next_url
        walked += 1
        query = ListQuery(listdef, next_url.lstrip("?"), user)
    return (base + next_url if next_url else base), walked


@dataclass
class Scenario:
    group: str  # "page" or "search"
    name: str
    user: str  # "manager" or "agent"
    path: str
    first_page: str = ""  # for a deep page: the name of the same list's first page
    # A nullable sort reads the rows without a value in a second query on the page where the
    # others run out: that page may cost one query more (or, past it, one fewer) than the first.
    query_tolerance: int = 0


def scenarios(samples, *, deep_pages=DEEP_PAGES):
    """Every request measured, for the manager and for the agent."""
    from centrala.accounts.permissions import can
    from centrala.worklists.registry import all_lists

    users = {"manager": samples.manager, "agent": samples.agent}
    items = []
    lists = all_lists()
    for who, user in users.items():
        for listdef in lists.values():
            if can(user, listdef.capability):
                items.append(Scenario("page", f"{listdef.label}: first page", who, reverse(listdef.url_name)))
        tickets, cases = lists["tickets"], lists["cases"]
        filtered = urlencode({"campaign": samples.campaign.pk, "status": samples.status.pk})
        items.append(Scenario("page", f"{tickets.label}: campaign + status filter", who,
                              f"{reverse(tickets.url_name)}?{filtered}"))
        for listdef, sort, label in ((tickets, "due", "sorted by due time"), (cases, "due", "sorted by due time"),
                                     (cases, "-updated", "sorted by last change")):
            items.append(Scenario("page", f"{listdef.label}: {label}", who, f"{reverse(listdef.url_name)}?sort={sort}"))
        for listdef, params, label in ((cases, {}, "first page"), (tickets, {}, "first page"),
                                       (cases, {"sort": "due"}, "sorted by due time")):
            path, walked = deep_path(listdef, user, params, deep_pages)
            name = f"{listdef.label}: {label + ', ' if params else ''}page {walked + 1}"
            items.append(Scenario("page", name, who, path, first_page=f"{listdef.label}: {label}",
                                  query_tolerance=1 if params.get("sort") == "due" else 0))
        items.append(Scenario("page", "Case card", who, reverse("cases:card", args=[samples.case.pk])))
        # What a list loads after its page: the choices of a filter when its menu opens (the
        # longest: every agent, every status of the user's campaigns).
        for key in ("owner", "status"):
            items.append(Scenario("page", f"{tickets.label}: {tickets.filters_by_key[key].label} filter choices", who,
                                  reverse("worklists:filter_options", args=[tickets.key, key])))
        try:
            items.append(Scenario("page", "Dashboard (home page)", who, reverse("core:home")))
        except NoReverseMatch:
            pass
        try:
            items.append(Scenario("page", "Case timeline", who,
                                  reverse("activities:case_timeline", args=[samples.case.pk])))
        except NoReverseMatch:
            pass
        cases_url = reverse(cases.url_name)
        searches = {}
        if samples.phone:
            searches.update({f"phone {label}": value for label, value in phone_formats(samples.phone).items()})
        if samples.email:
            searches["e-mail"] = samples.email
        searches["name"] = samples.name
        searches["case number"] = f"#{samples.case.pk}"
        for label, value in searches.items():
            items.append(Scenario("search", f"{cases.label}: search by {label}", who,
                                  f"{cases_url}?{urlencode({'q': value})}"))
    try:
        contacts_url = reverse("contacts:list")
    except NoReverseMatch:
        contacts_url = None
    if contacts_url and "contacts" not in lists:
        items.append(Scenario("page", "Contacts: first page", "manager", contacts_url))
    if contacts_url:
        for label, value in (("phone", samples.phone and phone_formats(samples.phone)["601-234-567"]),
                             ("e-mail", samples.email), ("name", samples.name)):
            if value:
                items.append(Scenario("search", f"Contacts: search by {label}", "manager",
                                      f"{contacts_url}?{urlencode({'q': value})}"))
    return items


# --- measuring ------------------------------------------------------------------------------------

def percentile(sorted_values, share):
    """Nearest-rank percentile of already sorted values."""
    return sorted_values[max(0, math.ceil(share * len(sorted_values)) - 1)]


def measure(client, path, *, rounds, warmup, budget=ROW_SECONDS):
    """Median and p95 of `rounds` requests after `warmup` ones; a slow row stops early once it has
    spent `budget` seconds and made MIN_ROUNDS requests (the report says how many it made)."""
    began = time.perf_counter()
    for _ in range(warmup):
        client.get(path)
        if time.perf_counter() - began > budget / 4:
            break
    timings, cpu = [], []
    response = None
    began = time.perf_counter()
    for _ in range(rounds):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        if len(timings) >= MIN_ROUNDS and time.perf_counter() - began > budget:
            break
    with CaptureQueriesContext(connection) as captured:
        checked = client.get(path)
    timings.sort()
    queries = captured.captured_queries
    slowest = max(queries, key=lambda q: float(q["time"]), default=None)
    return {
        "status": (response or checked).status_code,
        "rounds": len(timings),
        "median_ms": round(statistics.median(timings), 2) if timings else None,
        "p95_ms": round(percentile(timings, 0.95), 2) if timings else None,
        "max_ms": round(timings[-1], 2) if timings else None,
        # CPU time of this (the Django) process: what the request costs in Python, whatever else
        # the machine is busy with; the wall-clock times above include waiting for a CPU.
        "cpu_median_ms": round(statistics.median(cpu), 2) if cpu else None,
        "queries": len(queries),
        # Time the database took in that one request: the rest of the request is Python.
        "db_ms": round(sum(float(q["time"]) for q in queries) * 1000, 2),
        "slowest_query": ({"ms": round(float(slowest["time"]) * 1000, 2), "sql": slowest["sql"][:4000]}
                          if slowest else None),
    }


def explain(sql):
    """The plan of one captured query: EXPLAIN ANALYZE on PostgreSQL, the query plan on SQLite."""
    if not sql.lstrip().upper().startswith("SELECT"):
        return None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return "\n".join(" ".join(str(part) for part in row) for row in cursor.fetchall())


class QueryTimer:
    """An execute wrapper that counts queries and adds up their time (cheaper than capturing
    the SQL of big bulk inserts)."""

    def __init__(self):
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


def run_bulk(samples, size, *, repeats=BULK_REPEATS, log=print):
    """Bulk set-owner on `size` cases of the bulk owner's campaigns, timed around run_job; repeated
    on the next `size` cases that are not theirs yet (median, and the slowest as "p95")."""
    from centrala.accounts.permissions import visible_cases
    from centrala.cases import bulk
    from centrala.worklists.models import BulkJob

    owner = samples.bulk_owner
    runs = []
    for repeat in range(repeats):
        if repeat:  # at 100,000 cases one agent's campaigns do not hold 3 x 10,000 cases to take over
            owner = least_busy_agent(samples.campaign, besides=samples.agent)
        # The newest cases of the owner's campaigns that are not theirs (at 100,000 cases on SQLite
        # the open ones alone are fewer than 10,000).
        ids = list(visible_cases(owner).filter(is_spam=False).exclude(owner=owner)
                   .order_by("-pk").values_list("pk", flat=True)[:size])
        job = bulk.create_job(samples.manager, "set_owner", {"owner": owner.pk}, ids=ids)
        started, started_cpu = time.perf_counter(), time.process_time()
        timer = QueryTimer()
        with connection.execute_wrapper(timer):
            bulk.run_job(job.pk)
        runs.append({"ms": (time.perf_counter() - started) * 1000, "cpu_ms": (time.process_time() - started_cpu) * 1000,
                     "db_ms": timer.seconds * 1000, "queries": timer.count,
                     "job": BulkJob.objects.get(pk=job.pk), "cases": len(ids)})
    middle = sorted(runs, key=lambda item: item["ms"])[len(runs) // 2]
    job = middle["job"]
    row = {
        "group": "bulk", "name": f"Bulk set owner, {middle['cases']:,} cases", "user": "manager", "path": "run_job",
        "status": "done" if all(item["job"].state == "done" for item in runs) else job.state,
        "cases": middle["cases"], "changed": job.changed, "unchanged": job.unchanged, "refused": job.refused_count,
        "rounds": len(runs), "runs_ms": [round(item["ms"], 1) for item in runs],
        "median_ms": round(middle["ms"], 1), "p95_ms": round(max(item["ms"] for item in runs), 1),
        "queries": middle["queries"], "db_ms": round(middle["db_ms"], 1), "cpu_median_ms": round(middle["cpu_ms"], 1),
    }
    log(f"{row['name']:<52} {row['p95_ms']:>9.1f} ms  changed {job.changed}, refused {job.refused_count}")
    return row


def run(*, rounds=30, warmup=3, deep_pages=DEEP_PAGES, bulk_size=BULK_SIZE, bulk_repeats=BULK_REPEATS,
        groups=("page", "search", "bulk"), explain_misses=True, log=print):
    """Measure everything on the current database; returns the report (see write_json)."""
    settings.DEBUG = False
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    machine = machine_info()  # the load average before the measurements start
    samples = pick_samples()
    clients = {}
    for who, user in (("manager", samples.manager), ("agent", samples.agent)):
        clients[who] = Client()
        clients[who].force_login(user)
    results = []
    for item in scenarios(samples, deep_pages=deep_pages):
        if item.group not in groups:
            continue
        row = {"group": item.group, "name": item.name, "user": item.user, "path": item.path,
               **({"first_page": item.first_page, "query_tolerance": item.query_tolerance} if item.first_page else {}),
               **measure(clients[item.user], item.path, rounds=rounds, warmup=warmup)}
        results.append(row)
        log(f"{item.name:<52} {item.user:<8} median {row['median_ms']:>7} ms  p95 {row['p95_ms']:>7} ms  "
            f"{row['queries']:>3} queries ({row['db_ms']:>6} ms)  HTTP {row['status']}")
    if "bulk" in groups:
        results.append(run_bulk(samples, bulk_size, repeats=bulk_repeats, log=log))
    for row in results:
        row["target_ms"] = TARGETS_MS[row["group"]]
        ok_status = row["status"] in (200, "done")
        row["pass"] = bool(ok_status and row["p95_ms"] is not None and row["p95_ms"] <= row["target_ms"])
        if explain_misses and not row["pass"] and row.get("slowest_query"):
            try:
                row["slowest_query"]["plan"] = explain(row["slowest_query"]["sql"])
            except Exception as error:  # a plan is a diagnosis; the measurement stands without it
                row["slowest_query"]["plan"] = f"(could not explain: {error})"
    return {
        "engine": connection.vendor,
        "date": timezone.now().isoformat(timespec="seconds"),
        "rounds": rounds,
        "warmup": warmup,
        "machine": {**machine, "load_average_after": [round(value, 2) for value in os.getloadavg()]},
        "samples": {"manager": samples.manager.username, "agent": samples.agent.username,
                    "bulk_owner": samples.bulk_owner.username,
                    "campaign": samples.campaign.name, "status": samples.status.name, "case": samples.case.pk},
        "query_counts": query_count_check(results),
        "results": results,
    }


def query_count_check(results):
    """Does a page cost the same number of queries however deep it is? Compares each list's
    first page with its deep page, per user."""
    rows = {(row["user"], row["name"]): row for row in results if row["group"] == "page"}
    checks = []
    for (who, name), row in rows.items():
        first = rows.get((who, row.get("first_page")))
        if first:
            checks.append({"list": first["name"], "user": who, "first_page": first["queries"],
                           "deep_page": row["queries"], "deep_page_number": int(name.rsplit(" ", 1)[1]),
                           "constant": abs(first["queries"] - row["queries"]) <= row.get("query_tolerance", 0)})
    return {"constant": all(check["constant"] for check in checks), "checks": checks}


def machine_info():
    info = {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            "load_average": [round(value, 2) for value in os.getloadavg()]}
    try:
        import django

        info["django"] = django.get_version()
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version()")
            info["database"] = cursor.fetchone()[0].split(" on ")[0]
            cursor.execute("SELECT name, setting, unit FROM pg_settings WHERE name IN "
                           "('shared_buffers', 'work_mem', 'effective_cache_size', 'random_page_cost')")
            info["database_settings"] = {name: f"{value}{' × ' + unit if unit else ''}"
                                         for name, value, unit in cursor.fetchall()}
        else:
            import sqlite3

            info["database"] = f"SQLite {sqlite3.sqlite_version}"
    return info


# --- writing --------------------------------------------------------------------------------------

def write_json(report, path):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    return path


def markers(engine):
    return f"<!-- bench:lists:{engine}:start -->", f"<!-- bench:lists:{engine}:end -->"


def markdown(report):
    engine = report["engine"]
    machine = report["machine"]
    sizes = report.get("sizes") or {}
    lines = [
        f"### {'PostgreSQL' if engine == 'postgresql' else 'SQLite'}",
        "",
        f"Measured {report['date']} on {machine.get('cpu', '?')} ({machine.get('cpus')} CPUs, "
        f"{machine.get('memory_gb', '?')} GB), {machine.get('database')}, Python {machine.get('python')}, "
        f"Django {machine.get('django', '?')}.",
    ]
    if sizes:
        lines.append("Data: " + ", ".join(f"{value:,} {key}" for key, value in sizes.items()) + ".")
    if report.get("generation"):
        gen = report["generation"]
        how = "Generated (by an earlier run; this one reused the data)" if report.get("reused_data") else "Generated"
        lines.append(f"{how} in {gen.get('total', 0):.0f} s (" + ", ".join(
            f"{key} {value:.0f} s" for key, value in gen.items() if key != "total") + ").")
    lines += [
        f"Each row: up to {report['warmup']} warm-up requests, then {report['rounds']} timed ones (fewer, at least "
        f"{MIN_ROUNDS}, when a row takes over {ROW_SECONDS} s; wall clock; Python CPU "
        "is the median CPU time of the Django process alone); the queries of one more request and the time the "
        "database took for them (DB ms). "
        f"Load average (1, 5, 15 min) before the run: {', '.join(str(v) for v in machine.get('load_average', []))}; "
        f"after: {', '.join(str(v) for v in machine.get('load_average_after', []))}.",
        *([] if engine == "postgresql" else ["The targets are set for PostgreSQL; on SQLite they are for reference. "
                                             "SQLite runs inside the Django process: its work counts as Python CPU."]),
        "",
        "| Measurement | User | Median ms | p95 ms | Python CPU ms | Queries | DB ms | Target | Result |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for group in ("page", "search", "bulk"):
        for row in (r for r in report["results"] if r["group"] == group):
            target = f"≤ {row['target_ms'] / 1000:g} s" if group == "bulk" else f"≤ {row['target_ms']} ms"
            result = "PASS" if row["pass"] else "FAIL"
            if row["status"] not in (200, "done"):
                result += f" (HTTP {row['status']})" if isinstance(row["status"], int) else f" ({row['status']})"
            name = row["name"]
            if group == "bulk":
                name += f" (changed {row['changed']:,}, refused {row['refused']:,}"
                if row.get("runs_ms"):
                    name += f"; {len(row['runs_ms'])} runs: " + ", ".join(f"{ms / 1000:.1f} s" for ms in row["runs_ms"])
                name += ")"
            if row.get("measured"):
                name += " (earlier run)"
            lines.append(f"| {GROUP_TITLES[group]}: {name} | {row['user']} | {_ms(row['median_ms'])} | "
                         f"{_ms(row['p95_ms'])} | {_ms(row['cpu_median_ms'])} | "
                         f"{row['queries'] if row['queries'] is not None else '—'} | "
                         f"{_ms(row['db_ms'])} | {target} | {result} |")
    earlier = sorted({row["measured"][:16].replace("T", " ") for row in report["results"] if row.get("measured")})
    if earlier:
        lines += ["", f"(earlier run): measured on the same data by the run of {', '.join(earlier)}."]
    check = report["query_counts"]
    if check["checks"]:
        lines += ["", "Query count per page, first page against a deep one: " + (
            "constant." if check["constant"] else "**not constant**.") + " " + "; ".join(
            f"{c['list']} ({c['user']}): {c['first_page']}, page {c['deep_page_number']}: {c['deep_page']}"
            for c in check["checks"]) + "."]
    misses = [row for row in report["results"] if not row["pass"]]
    lines.append("")
    lines.append(f"{len(report['results']) - len(misses)} of {len(report['results'])} measurements meet their target.")
    return "\n".join(lines)


def _ms(value):
    return "—" if value is None else f"{value:,.1f}"


DOC_HEADER = """# Performance

Written by `make bench` (bench/lists.py): how to run it and what it measures is in that module.

## Results

"""


def write_markdown(report, path=DOC_PATH):
    path = Path(path)
    start, end = markers(report["engine"])
    block = f"{start}\n{markdown(report)}\n{end}"
    text = path.read_text() if path.exists() else DOC_HEADER
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        text = before + block + after
    else:
        anchor = "\n## Analysis"
        if anchor in text:
            head, tail = text.split(anchor, 1)
            text = head.rstrip("\n") + "\n\n" + block + "\n" + anchor + tail
        else:
            text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# --- the command ----------------------------------------------------------------------------------

def default_cases(engine):
    return 1_000_000 if engine == "postgresql" else 100_000


def main(*, reuse=False, cases=None, rounds=None, groups=("page", "search", "bulk"), log=print):
    from .generate import Generator, Sizes

    engine = connection.vendor
    sizes = Sizes.for_cases(cases or default_cases(engine))
    had_data = use_bench_database(reuse=reuse, log=log)
    generation = None
    out = RESULTS_DIR / f"lists-{engine}.json"
    try:
        previous = json.loads(out.read_text())
    except (OSError, ValueError):
        previous = {}
    if had_data:
        log("reusing the data already in the bench database")
        generation = previous.get("generation")  # from the run that generated the data
    else:
        generation = Generator(sizes, log=log).run()
    from centrala.activities.models import Activity
    from centrala.accounts.models import User
    from centrala.campaigns.models import Campaign
    from centrala.cases.models import Case
    from centrala.contacts.models import Contact

    actual = {"cases": Case.objects.count(), "contacts": Contact.objects.count(),
              "activities": Activity.objects.count(), "campaigns": Campaign.objects.count(),
              "users": User.objects.count()}
    report = run(rounds=rounds or int(os.environ.get("BENCH_LIST_ROUNDS", "30")), groups=groups, log=log)
    if had_data and set(groups) != set(TARGETS_MS) and previous.get("results"):
        # A partial run on the same data: keep the other groups' rows of the last run.
        kept = [dict(row, measured=row.get("measured") or previous.get("date"))
                for row in previous["results"] if row["group"] not in groups]
        report["results"] = sorted(report["results"] + kept, key=lambda row: list(TARGETS_MS).index(row["group"]))
        report["query_counts"] = query_count_check(report["results"])
    report["sizes"] = actual
    report["generation"] = generation
    report["reused_data"] = bool(had_data)
    out = write_json(report, out)
    doc = write_markdown(report)
    log(f"written {out.relative_to(settings.BASE_DIR)} and {doc.relative_to(settings.BASE_DIR)}")
    misses = [row for row in report["results"] if not row["pass"]]
    for row in misses:
        log(f"MISSED {row['name']} ({row['user']}): p95 {row['p95_ms']} ms > {row['target_ms']} ms")
    if not report["query_counts"]["constant"]:
        log("MISSED constant query count per page")
    return 0
