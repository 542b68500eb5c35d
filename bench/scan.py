"""Door scans under load: 10 devices posting scans to gunicorn on PostgreSQL, against the trivial /healthz view.

Run from the project folder (not part of the test suite):

    .venv/bin/python -m bench.scan --seconds 20 --devices 10

It builds a fresh PostgreSQL database with one event of `--tickets` confirmed tickets, one door and one
volunteer, the community's `--past-events` earlier meetups (half the fans at each, most let in, with the
check-ins their doors recorded: the answer's "5th meetup" looks them up), with both ways a door page
authenticates: a door token (the `X-Door-Token` header the page sends, checkin.access.door_token) and a session
made in the database with a CSRF cookie and
header. It starts gunicorn with config/gunicorn.conf.py (2 workers, DEBUG off) and measures two things.

Throughput, closed loop: each of `--devices` clients sends its next request as soon as the previous answer
came, in rounds that interleave the loads so that noise on the machine hits them alike:

- /healthz, GET;
- first scans: tickets no one has scanned yet (green, a check-in recorded), with the token, then with the session;
- repeats: tickets already let in (red "already checked in", also recorded), with the token, then the session;
- the counters (GET /door/<code>/counts, with the token).

The scans' requests/s over /healthz's is the ratio the target asks for (at least 0.3). The latencies of this
part are mostly queueing: 10 clients that never pause, on 2 workers of 2 cores, keep 4 or 5 requests waiting
before each one, so even /healthz has a p99 well above 10 ms here. A door is not that: a volunteer scans a
ticket every second or two.

Latency, paced (`--pace-ms`, default 250): the same 10 devices each send one request every 250 ms (40 requests/s
in all; a fast door, a handheld scanner at each device), each starting at a random moment of the first interval,
for `--paced-seconds` per load. A latency is counted from the moment the request was due, so a device held up by
a slow answer counts its wait too. The p99 < 10 ms target applies here, to the token path (as the page sends
it); the session path and /healthz at the same pace are shown beside it.

Then each load alone, from one device (`--alone-seconds`): the time a request takes without a queue. Every
scan has its own nonce, so each is a new attempt; an answer that is not the expected one (green for a first
scan, "already checked in" for a repeat) counts as an error. Then it times the door's counters counted afresh from
all the run's movements (checkin.counters: the work the answers no longer wait for), stops gunicorn and drops
the database.
"""

import argparse
import http.client
import itertools
import json
import os
import random
import secrets
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench import common
from bench.common import Page

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/bench_scan"
TARGET_RATIO = 0.3
TARGET_P99_SECONDS = 0.010
CSRF_SECRET = "b" * 32  # an unmasked token: the cookie and the header carry the same one, as the page does
# Made in the bench database: an event, its door, a volunteer and a session for them; prints what the load needs.
SETUP_SCRIPT = """
import datetime as dt, json
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.utils import timezone
from attendees.models import Order, Ticket
from checkin.models import CheckIn, Door
from events.models import Community, Event, Membership, TicketType

community = Community.objects.create(name="Bench", slug="bench")
start = timezone.now() + dt.timedelta(hours=1)
event = Event.objects.create(
    community=community, title="Bench meetup", slug="bench-meetup", start=start,
    end=start + dt.timedelta(hours=3), status=Event.Status.PUBLISHED, capacity=None,
)
ticket_type = TicketType.objects.create(event=event, name="General admission", quantity={tickets})
door = Door.objects.create(event=event, name="Main door")
user = get_user_model().objects.create_user(username="door", email="door@example.com", first_name="Alex")
Membership.objects.create(community=community, user=user, role=Membership.Role.VOLUNTEER)
orders = Order.objects.bulk_create(
    Order(event=event, buyer_name=f"Fan {{n}}", buyer_email=f"fan{{n}}@example.com", status=Order.Status.CONFIRMED)
    for n in range({tickets})
)
tickets = Ticket.objects.bulk_create(
    Ticket(order=order, ticket_type=ticket_type, holder_name=f"Fan {{n}}", holder_email=f"fan{{n}}@example.com")
    for n, order in enumerate(orders)
)
# The community's history: {past_events} earlier meetups, each with half the fans (case of the e-mail varying, as
# people type it), three in four let in at its door; every scan's answer counts the fan's earlier meetups ("5th
# meetup").
for k in range({past_events}):
    past_start = start - dt.timedelta(days=30 * (k + 1))
    past = Event.objects.create(
        community=community, title=f"Past meetup {{k}}", slug=f"past-{{k}}", start=past_start,
        end=past_start + dt.timedelta(hours=3), status=Event.Status.PUBLISHED, capacity=None,
    )
    past_type = TicketType.objects.create(event=past, name="General admission", quantity={tickets})
    fans = range(k * {tickets} // 10, k * {tickets} // 10 + {tickets} // 2)
    past_orders = Order.objects.bulk_create(
        Order(event=past, buyer_name=f"Fan {{n}}", buyer_email=f"fan{{n}}@example.com", status=Order.Status.CONFIRMED)
        for n in fans
    )
    past_tickets = Ticket.objects.bulk_create(
        Ticket(order=order, ticket_type=past_type, holder_name=f"Fan {{n}}",
               holder_email=f"Fan{{n}}@Example.com" if n % 3 == 0 else f"fan{{n}}@example.com",
               checked_in_at=past_start if n % 4 else None)
        for n, order in zip(fans, past_orders)
    )
    # What that meetup's door recorded when it let them in: the rows a live database holds by the next meetup.
    past_door = Door.objects.create(event=past, name="Main door")
    CheckIn.objects.bulk_create(
        CheckIn(event=past, door=past_door, ticket=ticket, kind=CheckIn.Kind.ENTRY, successful=True,
                scanned_at=ticket.checked_in_at, created_at=ticket.checked_in_at, device="bench-past",
                nonce=f"past-{{ticket.pk}}", volunteer=user)
        for ticket in past_tickets if ticket.checked_in_at
    )
session = import_module(settings.SESSION_ENGINE).SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
from django.db import connection
connection.cursor().execute("ANALYZE")  # fresh statistics, as a live database would have
from checkin.access import door_for_staff, door_token
token = door_token(door=door_for_staff(user=user, code=door.code), user=user)
print(json.dumps({{"door": door.code, "session": session.session_key, "token": token,
                  "secrets": [t.secret for t in tickets]}}))
"""

# After the loads, with the door's movements of the whole run: what counting them afresh costs (checkin.counters),
# the work a scan's answer no longer waits for.
RECOUNT_SCRIPT = """
import json, statistics, time
from checkin import counters
from checkin.models import CheckIn, Door
door = Door.objects.select_related("event").get(code="{door}")
times = []
for _ in range({times}):
    counters.forget_door_counts(door.pk)
    started = time.perf_counter()
    counters.door_counts(door=door)
    times.append(time.perf_counter() - started)
movements = CheckIn.objects.filter(door=door, successful=True, undone_at__isnull=True).count()
print(json.dumps({{"movements": movements, "median": statistics.median(times), "max": max(times)}}))
"""
RECOUNT_TIMES = 21


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measured time per load (default 20)")
    parser.add_argument("--devices", type=int, default=10, help="simultaneous devices (default 10)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds the time is split into (default 5)")
    parser.add_argument("--tickets", type=int, default=40000, help="tickets of the event (default 40000)")
    parser.add_argument(
        "--past-events", type=int, default=6, help="earlier meetups of the community, half the fans at each (default 6)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (default 1)")
    parser.add_argument(
        "--pace-ms", type=float, default=250.0, help="paced part: each device sends a request this often (default 250)"
    )
    parser.add_argument(
        "--paced-seconds", type=float, default=10.0, help="paced part: time per load (default 10; 0: skip)"
    )
    parser.add_argument(
        "--alone-seconds", type=float, default=3.0, help="then each load alone, one device, this long (0: skip)"
    )
    parser.add_argument(
        "--async-commit",
        action="store_true",
        help="run the bench database with synchronous_commit off: commits stop waiting for the disk (fsync)",
    )
    parser.add_argument("--markdown", action="store_true", help="print the tables in Markdown (docs/benchmarks.md)")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL, help="database created then dropped")
    parser.add_argument("--redis-url", default="", help="use this Redis as the cache (default: local memory)")
    args = parser.parse_args(argv)

    loads, paced, alone, cpu, recount = run(args)
    return 0 if report(loads, paced, alone, cpu, recount, args) else 1


class Scans:
    """The scans to send: first scans take tickets no one has scanned, repeats take tickets already let in."""

    def __init__(self, secrets_: list[str]):
        self.fresh = iter(secrets_)
        self.ran_out = False
        self.admitted: list[str] = []
        self.lock = threading.Lock()
        self.repeats = itertools.count()

    def next_fresh(self) -> str | None:
        with self.lock:
            code = next(self.fresh, None)
            self.ran_out = self.ran_out or code is None
            return code

    def next_repeat(self) -> str | None:
        with self.lock:
            if not self.admitted:
                return None
            return self.admitted[next(self.repeats) % len(self.admitted)]


def run(args) -> tuple[list[Page], list[Page], list[Page], dict[str, common.CpuUse], dict]:
    with tempfile.TemporaryDirectory(prefix="bench-scan-") as tmp:
        tmp = Path(tmp)
        env = common.environment(tmp=tmp, database_url=args.postgres_url, redis_url=args.redis_url)
        with common.postgres_database(args.postgres_url):
            if args.async_commit:
                _async_commit(args.postgres_url)
            common.manage(env, "migrate", "--noinput")
            output = common.manage(
                env, "shell", "-v", "0", "-c", SETUP_SCRIPT.format(tickets=args.tickets, past_events=args.past_events)
            )
            setup = json.loads(output.strip().splitlines()[-1])
            door = setup["door"]
            by_token = {"X-Door-Token": setup["token"]}
            by_session = {
                "Cookie": f"sessionid={setup['session']}; csrftoken={CSRF_SECRET}",
                "X-CSRFToken": CSRF_SECRET,
            }
            scans = Scans(setup["secrets"])
            scan_path, counts_path = f"/door/{door}/scan", f"/door/{door}/counts"

            def scan_load(name, auth, *, fresh):
                page = Page(name, scan_path)
                return page, lambda connection, device: _scan(connection, scan_path, auth, device, scans, fresh=fresh)

            healthz = Page("trivial view", "/healthz")
            loads = [
                (healthz, lambda connection, device: _get(connection, healthz.path)),
                scan_load("scan, first time (green), token", by_token, fresh=True),
                scan_load("scan, repeat (red), token", by_token, fresh=False),
                scan_load("scan, first time (green), session", by_session, fresh=True),
                scan_load("scan, repeat (red), session", by_session, fresh=False),
                # The floor under every scan: who is asking, the door, the counters.
                (Page("counts (GET), token", counts_path), lambda c, d: _get(c, counts_path, by_token)),
            ]
            with common.gunicorn(env=env, tmp=tmp, workers=args.workers, threads=args.threads) as port:
                common.check(port, healthz)
                # Warm up: a few requests of each kind on every worker, then measure from zero.
                _rounds(port, loads, seconds=2.0, rounds=1, devices=args.devices)
                for page, _send in loads:
                    page.reset()
                cpu = {page.name: common.CpuUse() for page, _send in loads}
                _rounds(
                    port,
                    loads,
                    seconds=args.seconds,
                    rounds=args.rounds,
                    devices=args.devices,
                    cpu=cpu,
                    url=args.postgres_url,
                )
                # Paced: devices at a door's pace; the latency a volunteer sees.
                paced = [(Page(f"{page.name}, paced", page.path), send) for page, send in loads[:5]]
                if args.paced_seconds:
                    for page, send in paced:
                        _paced(port, page, send, seconds=args.paced_seconds, devices=args.devices, pace=args.pace_ms)
                # Then each alone, one request at a time: the service time, without the queue of 10 devices.
                alone = [(Page(f"{page.name}, alone", page.path), send) for page, send in loads]
                if args.alone_seconds:
                    _rounds(port, alone, seconds=args.alone_seconds, rounds=1, devices=1)
            if scans.ran_out:
                print(
                    f"Every one of the {args.tickets} tickets was scanned before the end: the first scans' figures "
                    "cover less time than the others', and some loads may be missing; run with more --tickets.",
                    file=sys.stderr,
                )
            output = common.manage(env, "shell", "-v", "0", "-c", RECOUNT_SCRIPT.format(door=door, times=RECOUNT_TIMES))
            recount = json.loads(output.strip().splitlines()[-1])
            return [p for p, _s in loads], [p for p, _s in paced], [p for p, _s in alone], cpu, recount


def _async_commit(url: str) -> None:
    """Commits of the bench database no longer wait for the disk: what a server with a fast disk would see."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    admin = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')


def report(loads, paced, alone, cpu: dict[str, common.CpuUse], recount: dict, args) -> bool:
    base = loads[0].rps
    commit = "synchronous_commit off" if args.async_commit else "synchronous commit"
    print(
        f"\nPostgreSQL ({commit}) · cache {'Redis' if args.redis_url else 'local memory'} · "
        f"gunicorn {args.workers} workers x {args.threads} threads · "
        f"{args.devices} devices · {args.tickets} tickets · {args.seconds:g} s per load in {args.rounds} rounds · "
        f"paced: a request every {args.pace_ms:g} ms per device, {args.paced_seconds:g} s per load · "
        f"{os.cpu_count()} CPUs"
    )
    columns = [("load", "<"), ("requests", ">"), ("req/s", ">"), ("p50 ms", ">"), ("p99 ms", ">"), ("ratio", ">")]
    columns += [("errors", ">")]
    rows = []
    for page in loads + [p for p in paced + alone if p.requests]:
        ratio = f"{page.rps / base if base else 0:.2f}" if page in loads else ""
        rows.append(
            [
                page.name,
                str(page.requests),
                f"{page.rps:.0f}",
                f"{page.percentile(50) * 1000:.1f}",
                f"{page.percentile(99) * 1000:.1f}",
                ratio,
                str(page.errors),
            ]
        )
    print(common.table(columns, rows, markdown=args.markdown))
    # Where the machine's time went under the closed loop: a scan's cost beside the trivial view's. At the same busy
    # share, a load reaches 0.3 of the trivial view's requests/s when its machine time per request is at most 1/0.3
    # (3.3) times the trivial view's.
    print("\nCPU per request, closed loop (µs): gunicorn, the database's backends, the simulated devices, the machine")
    columns = [("load", "<"), ("gunicorn", ">"), ("PostgreSQL", ">"), ("devices", ">"), ("machine", ">")]
    columns += [("x trivial view", ">"), ("machine busy", ">")]
    rows = []
    base_machine = None
    for page in loads:
        use = cpu.get(page.name)
        if use is None or not page.requests or use.machine_busy is None:
            continue
        machine = use.machine_busy / page.requests
        base_machine = base_machine or machine
        busy = f"{use.busy_share:.0%}" if use.busy_share is not None else ""
        per_request = [
            f"{seconds / page.requests * 1e6:.0f}" if seconds is not None else ""
            for seconds in (use.server, use.database, use.this_process)
        ]
        times = f"{machine / base_machine:.1f}" if base_machine else ""
        rows.append([page.name, *per_request, f"{machine * 1e6:.0f}", times, busy])
    print(common.table(columns, rows, markdown=args.markdown))
    print(
        f"\nThe door's counters counted afresh from its {recount['movements']} standing movements, in one process "
        f"({RECOUNT_TIMES} times, after the loads): median {recount['median'] * 1000:.1f} ms, "
        f"slowest {recount['max'] * 1000:.1f} ms; made after the answer has gone (checkin.counters)"
    )
    met = True
    # The target: the token path (as the door page sends scans); throughput closed-loop, p99 at a door's pace.
    for page, at_pace in zip(loads[1:3], paced[1:3], strict=True):
        ratio = page.rps / base if base else 0.0
        p99 = at_pace.percentile(99) if at_pace.requests else float("inf")
        page_met = ratio >= TARGET_RATIO and p99 < TARGET_P99_SECONDS and not page.errors and not at_pace.errors
        met &= page_met
        print(
            f"target for {page.name}: >= {TARGET_RATIO} of the trivial view's requests/s ({ratio:.2f}), "
            f"p99 < {TARGET_P99_SECONDS * 1000:.0f} ms at a door's pace ({p99 * 1000:.1f}): "
            f"{'met' if page_met else 'NOT met'}"
        )
    return met


def _rounds(port: int, loads, *, seconds: float, rounds: int, devices: int, cpu: dict | None = None, url="") -> None:
    """Give each load `seconds` in total, split into rounds; each round runs the loads in a new order. `cpu`: a
    CpuUse per load name, added to (`url`: the database whose backends count)."""
    for index in range(rounds):
        shift = index % len(loads)
        for page, send in loads[shift:] + loads[:shift]:
            before = common.cpu_now(url) if cpu is not None else None
            _timed(port, page, send, seconds=seconds / rounds, devices=devices)
            if before is not None:
                cpu[page.name] += common.cpu_used(before, common.cpu_now(url))


def _timed(port: int, page: Page, send, *, seconds: float, devices: int) -> None:
    """`devices` clients each send requests one after the other for `seconds`; adds to the page's figures."""
    deadline = time.perf_counter() + seconds
    errors = []

    def device(number: int):
        connection = http.client.HTTPConnection(common.HOST, port, timeout=10)
        name = f"d-bench-{number}-{secrets.token_hex(4)}"
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                outcome = send(connection, name)
            except (OSError, http.client.HTTPException):
                connection.close()
                errors.append(1)
                continue
            if outcome is None:  # nothing left to send
                break
            page.latencies.append(time.perf_counter() - started)
            if not outcome:
                errors.append(1)
        connection.close()

    page.seconds += common.run_clients(devices, device)
    page.errors += len(errors)


def _paced(port: int, page: Page, send, *, seconds: float, devices: int, pace: float) -> None:
    """`devices` clients each send a request every `pace` ms for `seconds`, from a random start within the first
    interval; a latency runs from the moment the request was due (a device held up by a slow answer counts it)."""
    interval = pace / 1000
    start = time.perf_counter() + 0.05
    deadline = start + seconds
    errors = []
    rng = random.Random(1)
    phases = [rng.uniform(0, interval) for _ in range(devices)]

    def device(number: int):
        connection = http.client.HTTPConnection(common.HOST, port, timeout=10)
        name = f"d-paced-{number}-{secrets.token_hex(4)}"
        due = start + phases[number]
        while due < deadline:
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            try:
                outcome = send(connection, name)
            except (OSError, http.client.HTTPException):
                connection.close()
                outcome = False
            if outcome is None:  # nothing left to send
                break
            page.latencies.append(time.perf_counter() - due)
            if not outcome:
                errors.append(1)
            due += interval
        connection.close()

    common.run_clients(devices, device)
    page.seconds += seconds
    page.errors += len(errors)


def _get(connection: http.client.HTTPConnection, path: str, auth: dict | None = None) -> bool:
    headers = {"Accept-Language": "en", **(auth or {})}
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    if response.will_close:
        connection.close()
    return response.status == 200


def _scan(connection, path: str, auth: dict, device: str, scans: Scans, *, fresh: bool) -> bool | None:
    """Post one scan; whether the answer was the expected one (None when there was nothing to scan)."""
    code = scans.next_fresh() if fresh else scans.next_repeat()
    if code is None:
        return None
    body = json.dumps({"device": device, "nonce": secrets.token_hex(8), "code": code, "kind": "entry"})
    headers = {"Content-Type": "application/json", "Accept-Language": "en", **auth}
    connection.request("POST", path, body=body, headers=headers)
    response = connection.getresponse()
    answer = response.read()
    if response.will_close:
        connection.close()
    if response.status != 200:
        return False
    answer = json.loads(answer)
    if fresh:
        if answer["ok"]:
            with scans.lock:
                scans.admitted.append(code)
        return answer["ok"] is True
    return answer["reason"] == "already_checked_in"


if __name__ == "__main__":
    sys.exit(main())
