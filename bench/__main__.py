"""`make bench` runs `python -m bench`: the foundation's pages, then the working lists.

    python -m bench                      # both parts, on DATABASE_URL's engine
    python -m bench lists --reuse        # the lists only, on the data generated last time
    python -m bench lists --cases 200000 --rounds 50 --only page,search

Environment equivalents (for `make bench`): BENCH_PARTS=lists, BENCH_REUSE=1, BENCH_CASES=200000,
BENCH_LIST_ROUNDS=50, BENCH_ONLY=page,search; BENCH_ROUNDS sets the foundation's rounds.
"""

import argparse
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

PARTS = ("foundation", "lists")
GROUPS = ("page", "search", "bulk")


def parse(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("parts", nargs="*", metavar="part",
                        help=f"which benchmarks to run: {', '.join(PARTS)} (default: all, or BENCH_PARTS)")
    parser.add_argument("--reuse", action="store_true", default=os.environ.get("BENCH_REUSE") == "1",
                        help="lists: keep the bench database if it already holds data (skip generating)")
    parser.add_argument("--cases", type=int, default=int(os.environ.get("BENCH_CASES") or 0) or None,
                        help="lists: how many cases to generate (default 1,000,000 on PostgreSQL, 100,000 on SQLite)")
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_LIST_ROUNDS") or 30),
                        help="lists: timed requests per measurement (default 30)")
    parser.add_argument("--only", default=os.environ.get("BENCH_ONLY", ",".join(GROUPS)),
                        help=f"lists: comma-separated groups to measure: {', '.join(GROUPS)}")
    args = parser.parse_args(argv)
    args.parts = args.parts or [p for p in os.environ.get("BENCH_PARTS", ",".join(PARTS)).split(",") if p]
    args.only = tuple(g.strip() for g in args.only.split(",") if g.strip())
    for part in args.parts:
        if part not in PARTS:
            parser.error(f"unknown part {part!r}; choose from {', '.join(PARTS)}")
    for group in args.only:
        if group not in GROUPS:
            parser.error(f"unknown group {group!r}; choose from {', '.join(GROUPS)}")
    return args


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    import django

    django.setup()
    if "foundation" in args.parts:
        from . import foundation

        foundation.main()
    if "lists" in args.parts:
        from . import lists

        lists.main(reuse=args.reuse, cases=args.cases, rounds=args.rounds, groups=args.only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
