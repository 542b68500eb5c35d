"""Public pages under load: gunicorn with the demo data, each page's requests/s against the trivial /healthz view.

Run from the project folder (not part of the test suite):

    .venv/bin/python -m bench.pages --db both --seconds 20 --concurrency 4

For each database it builds a fresh database with `load_demo`, collects the static files, starts
gunicorn with config/gunicorn.conf.py (2 workers, 127.0.0.1, DEBUG off), warms every page up, then
loads /healthz, the home page, a community page and an event page as anonymous visitors, in rounds
that interleave the pages so that noise on the machine hits all of them alike. It prints requests/s,
p50 and p99 latency for each page and its ratio to /healthz, then stops gunicorn and drops the
PostgreSQL database it created.
"""

import argparse
import contextlib
import os
import sys
import tempfile
from pathlib import Path

from bench import common
from bench.common import Page

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/bench_pages"
TARGET_RATIO = 0.5
# Where the pages are: asked of Django after loading the demo, so the bench follows the URL design.
PAGES_SCRIPT = """
from events.models import Community, Event
community = Community.objects.get(slug="os-builders-london")
event = Event.objects.get(community=community, slug="maintainers-day")
print(community.get_absolute_url())
print(event.get_absolute_url())
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured time per page (default 20)")
    parser.add_argument("--concurrency", type=int, default=4, help="simultaneous clients (default 4)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds the time is split into (default 5)")
    parser.add_argument(
        "--max-requests", type=int, default=100_000, help="cap on measured requests per page (default 100000)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL, help="database created then dropped")
    parser.add_argument("--redis-url", default="", help="use this Redis as the cache (default: local memory)")
    args = parser.parse_args(argv)

    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    ok = True
    for database in databases:
        pages = run(database=database, args=args)
        ok &= report(database=database, pages=pages, args=args)
    return 0 if ok else 1


def run(*, database: str, args) -> list[Page]:
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        tmp = Path(tmp)
        url = f"sqlite:///{tmp / 'bench.sqlite3'}" if database == "sqlite" else args.postgres_url
        env = common.environment(tmp=tmp, database_url=url, redis_url=args.redis_url)
        created = contextlib.nullcontext() if database == "sqlite" else common.postgres_database(url)
        with created:
            common.manage(env, "migrate", "--noinput")
            common.manage(env, "load_demo")
            common.manage(env, "collectstatic", "--noinput")
            community_path, event_path = common.manage(env, "shell", "-v", "0", "-c", PAGES_SCRIPT).split()[-2:]
            pages = [
                Page("trivial view", "/healthz"),
                Page("home", "/"),
                Page("community", community_path),
                Page("event", event_path),
            ]
            with common.gunicorn(env=env, tmp=tmp, workers=args.workers) as port:
                for page in pages:
                    common.check(port, page)
                # Warm up every worker's cache and database connection before measuring.
                _load(port, pages, seconds=max(2.0, args.seconds / 10), rounds=1, args=args)
                for page in pages:
                    page.reset()
                _load(port, pages, seconds=args.seconds, rounds=args.rounds, args=args)
            return pages


def report(*, database: str, pages: list[Page], args) -> bool:
    base = pages[0].rps
    title = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[database]
    cache = "Redis" if args.redis_url else "local memory"
    print(
        f"\n{title} · cache {cache} · gunicorn {args.workers} workers · {args.concurrency} clients · "
        f"{args.seconds:g} s per page in {args.rounds} rounds · {os.cpu_count()} CPUs"
    )
    print(common.table(common.PAGE_COLUMNS, common.page_rows(pages)))
    event = pages[-1]
    ratio = event.rps / base if base else 0.0
    met = ratio >= TARGET_RATIO and not any(p.errors for p in pages)
    verdict = "met" if met else "NOT met"
    print(f"target: event page >= {TARGET_RATIO} of the trivial view's requests/s: {ratio:.2f}, {verdict}")
    return met


def _load(port: int, pages: list[Page], *, seconds: float, rounds: int, args) -> None:
    """Give each page `seconds` of load in total, split into rounds; each round visits the pages in a new order."""
    for round_index in range(rounds):
        shift = round_index % len(pages)
        for page in pages[shift:] + pages[:shift]:
            budget = max(1, args.max_requests // rounds)
            common.timed_load(port, page, seconds=seconds / rounds, budget=budget, concurrency=args.concurrency)


if __name__ == "__main__":
    sys.exit(main())
