"""Organiser pages over many rows: attendee list, people page and dashboard under gunicorn on PostgreSQL, and the
attendee CSV export's memory.

Run from the project folder (not part of the test suite):

    .venv/bin/python -m bench.people --seconds 10 --concurrency 4

It creates the PostgreSQL database bench_people, migrates it, collects the static files and builds (bulk inserts,
not the services) a community of `--people` people (50,000) with a year of monthly events, one of which has
`--registrations` registrations (10,000), three quarters of the people who came checked in; a second community
with one event of `--export-rows` tickets (100,000) for the export; and a small community (3 events, 30 people) to
count queries on. It then asks Django, in one shell, for the query count of each page on the small and the big
data (a logged-in test client, the second request of each, so first-use caches are not counted), and starts
gunicorn with config/gunicorn.conf.py (2 workers, DEBUG off). As a logged-in organiser (a session cookie made by
the setup), it loads /healthz and each page in rounds that interleave them, so noise on the shared machine hits
all alike, and prints requests/s, p50 and p99 and the ratio to /healthz. Last, it downloads the export of the
big event and of the export event while sampling the resident memory (RSS) of every gunicorn worker, and prints
each worker's growth over its size before the download. A page whose URL does not exist yet (another part of the
issue not merged) is left out and named. It stops gunicorn and drops the database, even on failure or Ctrl-C.
See docs/benchmarks.md.
"""

import argparse
import csv
import dataclasses
import http.client
import io
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import common
from bench.common import HOST, Page

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/bench_people"
TARGET_RATIO = 0.2
EXPORT_MEMORY_LIMIT_MB = 100
SURNAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau"]
SURNAMES += ["Simon", "Laurent", "Lefèvre", "Michel", "García", "David", "Bertrand", "Roux", "Vincent", "Fournier"]
SURNAMES += ["Morel", "Girard", "André", "Lefebvre", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez"]
SURNAMES += ["Nguyen", "Okafor", "Kowalski", "Schmidt", "Rossi", "Jensen", "Novák", "Öztürk", "Silva", "Kim"]
GIVEN = ["Camille", "Léa", "Hugo", "Zoé", "Lucas", "Chloé", "Louis", "Inès", "Jules", "Manon", "Noah", "Émilie"]
# Counted for queries, downloaded for memory, not loaded with the pages.
EXPORT = "attendee CSV export"
# The attendee list's search: a first name one person in twelve has ("Zoé"), typed without its accent.
SEARCH = "zoe"
FRESH = "new address each time"
BUILD_SCRIPT = "import json; from bench.people import build_data; print(json.dumps(build_data(**%r)))"


# Data, built inside `manage.py shell` (Django is set up there).


def _name(n: int) -> str:
    return f"{GIVEN[n % len(GIVEN)]} {SURNAMES[(n // len(GIVEN)) % len(SURNAMES)]}"


def build_data(*, people: int, registrations: int, export_rows: int, seed: int = 5) -> dict:
    """Create the three communities and an organiser of all three; return the organiser's session cookie and,
    for the small and the big data, the path of each page whose URL exists (and its export's)."""
    import datetime as dt
    import random

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from events.models import Community, Event, Membership

    rng = random.Random(seed)
    now = timezone.now().replace(microsecond=0)
    user = get_user_model().objects.create_user(username="bench", email="bench@example.com", password=None)
    big = Community.objects.create(name="People bench", slug="people-bench", time_zone="Europe/Paris")
    small = Community.objects.create(name="People bench (small)", slug="people-bench-small")
    export = Community.objects.create(name="Export bench", slug="export-bench")
    for community in (big, small, export):
        Membership.objects.create(community=community, user=user, role=Membership.Role.ORGANISER)

    big_event = _history(big, people=people, largest=registrations, months=12, now=now, rng=rng)
    small_event = _history(small, people=30, largest=10, months=3, now=now, rng=rng)
    start = now - dt.timedelta(days=3)
    export_event = Event.objects.create(
        community=export,
        title="Export",
        slug="export",
        start=start,
        end=start + dt.timedelta(hours=3),
        status=Event.Status.PUBLISHED,
    )
    _registrations(export_event, fans=None, count=export_rows, rng=rng)

    # Fresh bulk inserts have no planner statistics and no visibility map yet (so no index-only scans); a live
    # database has both from autovacuum, so the bench gives them.
    # (VACUUM cannot run inside a transaction, as in the test of this function, nor on SQLite with ANALYZE.)
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    client.get(_url("fans:people", small))  # a page with a form: the browser gets its CSRF cookie, as any would
    cookies = (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)
    return {
        "cookie": "; ".join(f"{name}={client.cookies[name].value}" for name in cookies),
        "small": _paths(small, small_event),
        "big": _paths(big, big_event),
        "exports": {
            f"{registrations:,} rows": _url("attendees_list:export", big, big_event),
            f"{export_rows:,} rows": _url("attendees_list:export", export, export_event),
        },
    }


def _history(community, *, people: int, largest: int, months: int, now, rng):
    """`people` fans and a meetup a month for `months` months, the last one 12 days ahead; the one before it has
    `largest` registrations, the others share the rest of the people plus a core of regulars. Returns the largest."""
    import datetime as dt

    from attendees.models import Fan
    from events.models import Event

    fans = Fan.objects.bulk_create(
        (Fan(community=community, email=f"fan{n}@example.com", name=_name(n)) for n in range(people)),
        batch_size=5000,
    )
    regulars = fans[: max(1, min(largest, people // 16))]
    others = fans[largest:]
    past = max(1, months - 2)  # the past events besides the largest
    per_event = max(1, len(others) // past)
    largest_event = None
    for index in range(months):
        start = (now + dt.timedelta(days=12 - 30 * (months - 1 - index))).replace(hour=18, minute=30)
        event = Event.objects.create(
            community=community,
            title=f"Meetup {index + 1}",
            slug=f"meetup-{index + 1}",
            start=start,
            end=start + dt.timedelta(hours=3),
            status=Event.Status.PUBLISHED,
        )
        if index == months - 2:
            largest_event, attendees = event, fans[:largest]
        elif index == months - 1:  # still to come: the registrations so far
            attendees = rng.sample(fans, max(1, per_event // 3))
        else:
            block = others[index * per_event : (index + 1) * per_event if index < past - 1 else None]
            sample = rng.sample(regulars, min(len(regulars), max(1, per_event // 4)))
            attendees = list({f.pk: f for f in [*sample, *block]}.values())
        _registrations(event, fans=attendees, count=len(attendees), rng=rng, now=now)
    _recount(community)
    return largest_event


def _registrations(event, *, fans, count: int, rng, now=None) -> None:
    """`count` confirmed one-ticket orders (of `fans`, or of made-up people), placed over the month before the
    start; three in four checked in when the event is over."""
    import datetime as dt

    from attendees.models import Order, Ticket
    from events.models import TicketType

    ticket_type = TicketType.objects.create(event=event, name="General admission", quantity=10**7)
    over = now is None or event.end < now
    for first in range(0, count, 5000):
        batch = range(first, min(count, first + 5000))
        if fans:
            people = [(fans[n].name, fans[n].email, fans[n]) for n in batch]
        else:
            people = [(_name(n), f"p{n}@example.com", None) for n in batch]
        orders = Order.objects.bulk_create(
            Order(
                event=event,
                buyer_name=name,
                buyer_email=email,
                status=Order.Status.CONFIRMED,
                created_at=event.start
                - dt.timedelta(days=min(29.0, rng.expovariate(1 / 7)), minutes=rng.randint(1, 600)),
            )
            for name, email, _fan in people
        )
        Ticket.objects.bulk_create(
            Ticket(
                order=order,
                ticket_type=ticket_type,
                holder_name=name,
                holder_email=email,
                fan=fan,
                checked_in_at=event.start + dt.timedelta(minutes=rng.randint(0, 50))
                if over and rng.random() < 0.75
                else None,
            )
            for order, (name, email, fan) in zip(orders, people, strict=True)
        )


def _recount(community) -> None:
    """The fans' counters, as attendees.services.fans keeps them, in one UPDATE per counter."""
    from django.db.models import Count, Max, Min, OuterRef, Q, Subquery
    from django.db.models.functions import Coalesce
    from django.utils import timezone

    from attendees.models import Fan, Ticket

    tickets = Ticket.objects.filter(fan=OuterRef("pk")).order_by().values("fan")

    def counted(condition):
        return Coalesce(Subquery(tickets.filter(condition).annotate(n=Count("pk")).values("n")), 0)

    Fan.objects.filter(community=community).update(
        events_registered=counted(Q()),
        events_attended=counted(Q(checked_in_at__isnull=False)),
        no_shows=counted(Q(checked_in_at__isnull=True, order__event__end__lt=timezone.now())),
        first_seen_at=Subquery(tickets.annotate(m=Min("order__created_at")).values("m")),
        last_seen_at=Subquery(tickets.annotate(m=Max("order__event__start")).values("m")),
    )


def _url(name: str, community, event=None) -> str | None:
    """The page's path, or None while its URL is not there (that part of the issue not merged yet)."""
    from django.urls import NoReverseMatch, reverse

    kwargs = {"community": community.slug} | ({"event": event.slug} if event is not None else {})
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def _paths(community, event) -> dict:
    """name -> path of each page measured (None: not there), and its query count, from a logged-in client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    attendees = _url("attendees_list:attendees", community, event)
    people = _url("fans:people", community)
    pages = {
        "attendee list": attendees,
        "attendee list, search": f"{attendees}?q={SEARCH}" if attendees else None,
        "attendee list, not checked in": f"{attendees}?checked_in=no" if attendees else None,
        "people": people,
        "people, by events attended": f"{people}?sort=attended" if people else None,
        "dashboard": _url("dashboard:dashboard", community),
        EXPORT: _url("attendees_list:export", community, event),
    }
    from django.contrib.auth import get_user_model
    from django.core.cache import caches

    from events import pagecache

    client = Client(HTTP_HOST=HOST)
    client.force_login(get_user_model().objects.get(username="bench"))
    found = {}
    for name, path in pages.items():
        if path is None:
            found[name] = None
            continue
        _read(client.get(path))
        caches[pagecache.MEMBER_CACHE].clear()  # count the page's own queries, not those of a page kept whole
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
            _read(response)
        found[name] = {"path": path, "queries": len(queries), "status": response.status_code}
    return found


def _read(response) -> None:
    """Consume the body, streamed or not: a streamed export runs its queries as it is read."""
    if response.streaming:
        for _chunk in response.streaming_content:
            pass


# Load and memory, from outside: gunicorn and http.client.


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50_000, help="people of the big community (default 50000)")
    parser.add_argument("--registrations", type=int, default=10_000, help="of the big event (default 10000)")
    parser.add_argument("--export-rows", type=int, default=100_000, help="tickets of the export event (default 100000)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time per page (default 10)")
    parser.add_argument("--concurrency", type=int, default=4, help="simultaneous clients (default 4)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds the time is split into (default 5)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL, help="database created then dropped")
    parser.add_argument(
        "--redis-url", default="", help="use this Redis for the cache and sessions, as in production (default: none)"
    )
    parser.add_argument("--markdown", action="store_true", help="print the tables in Markdown")
    args = parser.parse_args(argv)
    results = run(args=args)
    return 0 if report(results, args=args) else 1


@dataclasses.dataclass
class Export:
    name: str
    path: str
    rows: int = 0
    bytes: int = 0
    seconds: float = 0.0
    baseline_mb: float = 0.0  # the worker's RSS before the download
    peak_mb: float = 0.0  # its highest RSS during it
    status: int = 0
    error: str = ""  # the download broke off: why, and what gunicorn logged


def run(*, args) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-people-") as tmp:
        tmp = Path(tmp)
        env = common.environment(
            tmp=tmp, database_url=args.postgres_url, redis_url=args.redis_url, EMAIL_URL="dummymail://"
        )
        with common.postgres_database(args.postgres_url):
            common.manage(env, "migrate", "--noinput")
            common.manage(env, "collectstatic", "--noinput")
            started = time.perf_counter()
            options = {"people": args.people, "registrations": args.registrations, "export_rows": args.export_rows}
            data = json.loads(common.manage(env, "shell", "-v", "0", "-c", BUILD_SCRIPT % options).splitlines()[-1])
            build_seconds = time.perf_counter() - started
            pages = [Page("trivial view", "/healthz")]
            pages += [Page(name, found["path"]) for name, found in data["big"].items() if found and name != EXPORT]
            # The same pages at an address never asked before (an extra parameter the page ignores): rendered each
            # time, as when an organiser types a new search, where the pages above come from the cache once seen.
            pages += [Page(f"{page.name}, {FRESH}", _fresh(page.path)) for page in pages[1:]]
            with common.gunicorn(env=env, tmp=tmp, workers=args.workers) as port:
                for page in pages:
                    _check(port, page, cookie=data["cookie"], log=tmp / "gunicorn.log")
                _load(port, pages, seconds=max(2.0, args.seconds / 5), rounds=1, args=args, cookie=data["cookie"])
                for page in pages:
                    page.reset()
                _load(port, pages, seconds=args.seconds, rounds=args.rounds, args=args, cookie=data["cookie"])
                exports = [
                    _export(port, Export(name, path), cookie=data["cookie"], log=tmp / "gunicorn.log")
                    for name, path in data["exports"].items()
                    if path
                ]
            return {"data": data, "pages": pages, "exports": exports, "build_seconds": build_seconds}


def _fresh(path: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}fresh={common.NEW}"


def _request(connection, path: str, *, cookie: str):
    connection.request("GET", path, headers={"Accept-Language": "en", "Accept": "text/html", "Cookie": cookie})
    return connection.getresponse()


def _check(port: int, page: Page, *, cookie: str, log: Path) -> None:
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        response = _request(connection, page.path.replace(common.NEW, "0"), cookie=cookie)
        response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise SystemExit(
            f"{page.path} answered {response.status}, not 200: fix the page before benchmarking it\n"
            + log.read_text()[-4000:]
        )


def _load(port: int, pages: list[Page], *, seconds: float, rounds: int, args, cookie: str) -> None:
    """Give each page `seconds` of load in total, split into rounds; each round visits the pages in a new order."""
    for round_index in range(rounds):
        shift = round_index % len(pages)
        for page in pages[shift:] + pages[:shift]:
            common.timed_load(port, page, seconds=seconds / rounds, concurrency=args.concurrency,
                              headers={"Cookie": cookie}, timeout=60)  # fmt: skip


def _workers() -> list[int]:
    """gunicorn's workers: this process's descendants whose parent is the gunicorn master."""
    gunicorns = [pid for pid in common.descendants(os.getpid()) if b"gunicorn" in _cmdline(pid)]
    parents = {pid: _parent(pid) for pid in gunicorns}
    return [pid for pid, parent in parents.items() if parent in parents]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def rss_mb(pid: int) -> float:
    """The process's resident memory in MB (0 when it is gone), from /proc."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _export(port: int, export: Export, *, cookie: str, log: Path) -> Export:
    """Download the export while sampling every worker's RSS every 10 ms; the worker that grew most is reported."""
    workers = _workers()
    before = {pid: rss_mb(pid) for pid in workers}
    peaks = dict(before)
    done = threading.Event()

    def sample():
        while not done.is_set():
            for pid in workers:
                peaks[pid] = max(peaks[pid], rss_mb(pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=300)
    body = io.BytesIO()
    logged = log.stat().st_size
    try:
        response = _request(connection, export.path, cookie=cookie)
        export.status = response.status
        while chunk := response.read(64 * 1024):
            body.write(chunk)
    except (OSError, http.client.HTTPException) as error:
        with log.open() as text:
            text.seek(logged)
            export.error = f"{type(error).__name__} after {body.tell():,} bytes; gunicorn: {text.read()[-1500:]}"
    finally:
        connection.close()
        export.seconds = time.perf_counter() - started
        done.set()
        sampler.join()
    export.bytes = body.tell()
    text = body.getvalue().decode("utf-8-sig", errors="replace")
    export.rows = max(0, sum(1 for _ in csv.reader(io.StringIO(text, newline=""))) - 1)
    grown = max(workers, key=lambda pid: peaks[pid] - before[pid]) if workers else None
    if grown is not None:
        export.baseline_mb, export.peak_mb = before[grown], peaks[grown]
    return export


def report(results: dict, *, args) -> bool:
    pages, exports, data = results["pages"], results["exports"], results["data"]
    base = pages[0].rps
    cache = "Redis for the cache and sessions" if args.redis_url else "local-memory cache, sessions in the database"
    print(
        f"\nPostgreSQL · {cache} · gunicorn {args.workers} workers · {args.concurrency} clients, logged in as an "
        f"organiser · {args.seconds:g} s per page in {args.rounds} rounds · {os.cpu_count()} CPUs · "
        f"data built in {results['build_seconds']:.0f} s"
    )
    print(common.table(common.PAGE_COLUMNS, common.page_rows(pages), markdown=args.markdown))

    print("\nQueries per request (second request, logged-in test client, the page rendered, not from the cache):")
    columns = [("page", "<"), ("small data", ">"), ("big data", ">"), ("same", "<")]
    rows, same = [], True
    for name, big in data["big"].items():
        small = data["small"].get(name)
        if not big or not small:
            rows.append([name, "not there", "not there", ""])
            continue
        equal = small["queries"] == big["queries"]
        # The export reads its rows in chunks, a few queries each: what keeps its memory flat (measured below).
        same &= equal or name == EXPORT
        rows.append([name, str(small["queries"]), str(big["queries"]), "yes" if equal else "NO"])
    print(common.table(columns, rows, markdown=args.markdown))

    print("\nCSV export, streamed, RSS of the gunicorn worker that served it:")
    columns = [("export", "<"), ("rows", ">"), ("MB sent", ">"), ("seconds", ">"), ("RSS before MB", ">")]
    columns += [("peak MB", ">"), ("growth MB", ">")]
    rows = [
        [
            e.name,
            f"{e.rows:,}",
            f"{e.bytes / 1e6:.1f}",
            f"{e.seconds:.1f}",
            f"{e.baseline_mb:.0f}",
            f"{e.peak_mb:.0f}",
            f"{e.peak_mb - e.baseline_mb:.1f}",
        ]
        for e in exports
    ]
    print(common.table(columns, rows, markdown=args.markdown))
    for e in exports:
        if e.error:
            print(f"\nexport {e.name} broke off: {e.error}")

    missing = [name for name, found in data["big"].items() if not found]
    if missing:
        print("\nnot measured (URL not there): " + ", ".join(missing))
    lists = [p for p in pages[1:] if p.name.startswith(("attendee list", "people")) and not p.name.endswith(FRESH)]
    ratios_met = all(base and p.rps / base >= TARGET_RATIO for p in lists) and not any(p.errors for p in pages)
    memory_met = bool(exports) and all(
        e.status == 200 and not e.error and e.peak_mb < EXPORT_MEMORY_LIMIT_MB for e in exports
    )
    print(
        f"targets: list pages >= {TARGET_RATIO} of /healthz (asked again): {'met' if ratios_met else 'NOT met'}; "
        f"queries of the pages independent of the rows: {'met' if same else 'NOT met'}; "
        f"export worker under {EXPORT_MEMORY_LIMIT_MB} MB: {'met' if memory_met else 'NOT met'}"
    )
    return ratios_met and same and memory_met and not missing


if __name__ == "__main__":
    sys.exit(main())
