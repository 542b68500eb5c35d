"""A sale burst: 1,000 buyers at once for 300 places, through gunicorn on PostgreSQL, free and paid (up to Checkout).

Run from the project folder (not part of the test suite):

    .venv/bin/python -m bench.sale --buyers 1000 --places 300 --clients 64

It creates the PostgreSQL database bench_sale, migrates it, collects the static files and adds a community with
two published events of `--places` places each, one ticket type each: free, and paid (15 EUR) (and two that never
sell out, for timing one request at a time). It starts the fake
Stripe server of the tests (tests/fakestripe/server.py) in this process on 127.0.0.1, then gunicorn with
config/gunicorn.conf.py (2 workers, DEBUG off) pointed at it, e-mails to Django's dummy backend and tasks left
queued in the database (no worker runs during the burst). For each event in turn: /healthz for a few seconds, the
burst, /healthz again. In the burst, `--clients` threads, each with its own connection, work through `--buyers`
buyer jobs; each buyer does what a browser does: GET the registration page (a fresh cookie jar: the CSRF cookie and
token), then POST the form it found there, filled in for one ticket with a name and e-mail of its own. A place
taken answers with a redirect (to the order page when free, to the fake Checkout page when paid); "sold out" is a
refusal; anything else (5xx, a connection error, another answer) is an error. It prints the tickets sold (counted
in the database afterwards), refusals, errors, tickets a minute, POST latency and /healthz beside it, the CPU the
burst cost (gunicorn, PostgreSQL, this process), then the cost of each kind of request taken alone; it stops
gunicorn and the fake Stripe and drops the database, even on failure or Ctrl-C. See docs/benchmarks.md.
"""

import argparse
import dataclasses
import http.client
import json
import os
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from bench import common
from bench.common import HOST, Page
from tests.fakestripe.server import FakeStripe

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/bench_sale"
TARGET_PER_MINUTE = 3000
PAID_PRICE = "15.00"
# What the site answers when the places are gone: the closed page ("This event is sold out.") or the form again
# with the service's refusal ("“General admission” is sold out."); the bench asks for English pages.
SOLD_OUT = b"is sold out."
SETUP_SCRIPT = """
import datetime as dt, json
from decimal import Decimal
from django.urls import reverse
from django.utils import timezone
from events.models import Community, Event, TicketType
now = timezone.now()
community = Community.objects.create(name="Sale bench", slug="sale-bench")
paths = {}
# The bursts' events, and two that never sell out for measuring one request at a time (--costs).
events = [("burst-free", "0", %(places)d), ("burst-paid", "%(price)s", %(places)d)]
events += [("costs-free", "0", 10**6), ("costs-paid", "%(price)s", 10**6)]
for slug, price, places in events:
    event = Event.objects.create(
        community=community, title=slug, slug=slug, capacity=places,
        start=now + dt.timedelta(days=30), end=now + dt.timedelta(days=30, hours=3),
        status=Event.Status.PUBLISHED, published_at=now, **%(event_settings)r,
    )
    TicketType.objects.create(event=event, name="General admission", price=Decimal(price), quantity=places)
    paths[slug] = reverse("attendees:register", kwargs={"community": community.slug, "event": event.slug})
print(json.dumps(paths))
"""
COUNT_SCRIPT = """
import json
from attendees.models import Order, Ticket
from events.models import Event
counts = {}
for event in Event.objects.filter(community__slug="sale-bench", slug__startswith="burst-"):
    orders = Order.objects.filter(event=event)
    counts[event.slug.removeprefix("burst-")] = {
        "orders": orders.count(),
        "confirmed_orders": orders.filter(status=Order.Status.CONFIRMED).count(),
        "holding_tickets": Ticket.objects.filter(order__event=event, order__status__in=Order.HOLDING).count(),
        "checkout_sessions": orders.exclude(stripe_checkout_session_id=None).count(),
        "seats_taken": event.seats_taken,
    }
print(json.dumps(counts))
"""


@dataclasses.dataclass
class Burst:
    kind: str
    buyers: int
    sold_answers: int = 0  # redirects to the order page or to Checkout
    refused_at_form: int = 0  # the registration page already said "sold out"
    refused_at_submit: int = 0  # the form was posted and the answer was "sold out"
    errors: Counter = dataclasses.field(default_factory=Counter)  # reason -> count
    post_latencies: list[float] = dataclasses.field(default_factory=list)
    get_latencies: list[float] = dataclasses.field(default_factory=list)
    seconds: float = 0.0  # from the first buyer's request to the last buyer's answer
    sold_out_after: float | None = None  # when the last place-taking answer came back
    sold: int = 0  # counted in the database afterwards
    checks: list[str] = dataclasses.field(default_factory=list)  # disagreements between answers and database
    checkout_sessions: int = 0  # Checkout Sessions the fake Stripe opened during the burst
    # CPU seconds used during the burst by this process (the buyers and the fake Stripe), gunicorn (master and
    # workers) and the PostgreSQL backends serving it (None when they cannot be seen: no /proc, a remote server).
    client_cpu: float = 0.0
    server_cpu: float | None = None
    postgres_cpu: float | None = None
    machine_busy: float | None = None  # share of the machine's CPUs busy during the burst (everything on it)

    @property
    def cpu(self) -> float | None:
        if self.server_cpu is None or self.postgres_cpu is None:
            return None
        return self.client_cpu + self.server_cpu + self.postgres_cpu

    @property
    def cpu_bound_per_minute(self) -> float | None:
        """Tickets a minute if the burst's CPU work had all the machine's cores to itself and nothing waited."""
        cpu = self.cpu
        return self.sold / (cpu / (os.cpu_count() or 1)) * 60 if cpu else None

    @property
    def refused(self) -> int:
        return self.refused_at_form + self.refused_at_submit

    @property
    def error_count(self) -> int:
        return sum(self.errors.values()) + len(self.checks)

    @property
    def per_minute(self) -> float:
        return self.sold / self.seconds * 60 if self.seconds else 0.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=1000, help="buyers in each burst (default 1000)")
    parser.add_argument("--places", type=int, default=300, help="places of each event (default 300)")
    parser.add_argument("--clients", type=int, default=64, help="client threads, one connection each (default 64)")
    parser.add_argument("--runs", default="free,paid", help="which bursts, in order (default free,paid)")
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds a burst may take (default 120)")
    parser.add_argument("--baseline-seconds", type=float, default=5.0, help="/healthz before and after (default 5)")
    parser.add_argument("--baseline-clients", type=int, default=4, help="clients loading /healthz (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (default 1)")
    parser.add_argument(
        "--max-per-order",
        type=int,
        default=None,
        help="the events' 'most tickets in one registration' setting (default: the site's default)",
    )
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL, help="database created then dropped")
    parser.add_argument(
        "--costs", type=int, default=100, help="then time each kind of request this many times, one at a time (0: no)"
    )
    parser.add_argument("--markdown", action="store_true", help="print the tables in Markdown")
    args = parser.parse_args(argv)
    runs = [run for run in args.runs.split(",") if run]
    if not runs or set(runs) - {"free", "paid"}:
        parser.error("--runs takes free, paid or both, separated by a comma")

    bursts, baselines, costs = run(runs=runs, args=args)
    return 0 if report(bursts=bursts, baselines=baselines, costs=costs, args=args) else 1


def run(*, runs: list[str], args) -> tuple[list[Burst], list[Page], list[list[str]]]:
    fake = FakeStripe(api_key="sk_test_" + secrets.token_hex(12), webhook_secret="whsec_" + secrets.token_hex(16))
    fake.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-sale-") as tmp:
            tmp = Path(tmp)
            env = common.environment(
                tmp=tmp,
                database_url=args.postgres_url,
                # No worker runs during the burst: the e-mail tasks wait in the database, and would go nowhere.
                EMAIL_URL="dummymail://",
                TASKS_BACKEND="django_tasks_db.DatabaseBackend",
                STRIPE_SECRET_KEY=fake.api_key,
                STRIPE_WEBHOOK_SECRET=fake.webhook_secret,
                STRIPE_API_BASE=fake.base_url,
            )
            with common.postgres_database(args.postgres_url):
                common.manage(env, "migrate", "--noinput")
                common.manage(env, "collectstatic", "--noinput")
                settings = {"max_tickets_per_order": args.max_per_order} if args.max_per_order else {}
                script = SETUP_SCRIPT % {"places": args.places, "price": PAID_PRICE, "event_settings": settings}
                paths = json.loads(common.manage(env, "shell", "-v", "0", "-c", script).splitlines()[-1])
                bursts, baselines = [], []
                with common.gunicorn(env=env, tmp=tmp, workers=args.workers, threads=args.threads) as port:
                    _warm_up(port, [paths[f"burst-{kind}"] for kind in runs], args=args)
                    for kind in runs:
                        expected = f"{fake.base_url}/pay/" if kind == "paid" else "/orders/"
                        baselines.append(_baseline(port, f"/healthz before {kind}", args=args))
                        sessions = len(fake.sessions)
                        burst = _burst(port, kind=kind, path=paths[f"burst-{kind}"], expected=expected, args=args)
                        burst.checkout_sessions = len(fake.sessions) - sessions
                        bursts.append(burst)
                        baselines.append(_baseline(port, f"/healthz after {kind}", args=args))
                    costs = _costs(port, paths=paths, sold_out=paths[f"burst-{runs[0]}"], fake=fake, args=args)
                counts = json.loads(common.manage(env, "shell", "-v", "0", "-c", COUNT_SCRIPT).splitlines()[-1])
                for burst in bursts:
                    _check_database(burst, counts[burst.kind], places=args.places)
                return bursts, baselines, costs
    finally:
        fake.stop()


def _warm_up(port: int, paths: list[str], *, args) -> None:
    """Every worker loads its code, templates and database connection before anything is measured."""
    for path in paths:
        common.check(port, Page("register", path))
    warm = Page("warm-up", "/healthz")
    common.timed_load(port, warm, seconds=1.0, budget=10_000, concurrency=args.baseline_clients)
    for path in paths:
        common.timed_load(port, Page("warm-up", path), seconds=1.0, budget=40, concurrency=args.workers * 2)


def _baseline(port: int, name: str, *, args) -> Page:
    page = Page(name, "/healthz")
    common.timed_load(port, page, seconds=args.baseline_seconds, budget=1_000_000, concurrency=args.baseline_clients)
    return page


def _costs(port: int, *, paths: dict, sold_out: str, fake: FakeStripe, args) -> list[list[str]]:
    """Where the time goes: each kind of request alone, `args.costs` times in a row (after 10 unmeasured), with the
    CPU it cost gunicorn and PostgreSQL and the time it took; rows for the table."""
    if args.costs <= 0:
        return []
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    numbers = iter(range(1_000_000, 2_000_000))

    def page(path):
        return lambda: _request(connection, "GET", path, headers={"Accept-Language": "en", "Accept": "text/html"})

    def buyer(kind):
        expected = f"{fake.base_url}/pay/" if kind == "paid" else "/orders/"

        def buy():
            outcome, reason, _timings = _buy(
                connection, port=port, path=paths[f"costs-{kind}"], number=next(numbers), expected=expected
            )
            if outcome != "sold":
                raise SystemExit(f"--costs: a buyer of the {kind} event got {outcome} {reason}")

        return buy

    kinds = [
        ("/healthz", page("/healthz")),
        ("registration page (free)", page(paths["costs-free"])),
        ("buyer: page, then form posted (free)", buyer("free")),
        ("registration page (paid)", page(paths["costs-paid"])),
        ("buyer: page, then form posted, Checkout (paid)", buyer("paid")),
        ("sold-out page", page(sold_out)),
    ]
    rows = []
    for name, request in kinds:
        for _ in range(10):
            request()
        before = common.cpu_now(args.postgres_url)
        started = time.perf_counter()
        for _ in range(args.costs):
            request()
        seconds = time.perf_counter() - started
        used = common.cpu_used(before, common.cpu_now(args.postgres_url))
        cpus = [used.server or 0.0, used.database or 0.0]
        rows.append([name, *(f"{cpu / args.costs * 1000:.1f}" for cpu in cpus), f"{seconds / args.costs * 1000:.1f}"])
    connection.close()
    return rows


def _burst(port: int, *, kind: str, path: str, expected: str, args) -> Burst:
    burst = Burst(kind=kind, buyers=args.buyers)
    lock = threading.Lock()
    jobs = iter(range(1, args.buyers + 1))
    started = time.perf_counter()
    deadline = started + args.time_limit

    def client():
        connection = http.client.HTTPConnection(HOST, port, timeout=60)
        while time.perf_counter() < deadline:
            with lock:
                number = next(jobs, None)
            if number is None:
                break
            outcome, reason, timings = _buy(connection, port=port, path=path, number=number, expected=expected)
            with lock:
                burst.get_latencies += timings[:1]
                burst.post_latencies += timings[1:]
                if outcome == "sold":
                    burst.sold_answers += 1
                    burst.sold_out_after = time.perf_counter() - started
                elif outcome == "refused_at_form":
                    burst.refused_at_form += 1
                elif outcome == "refused_at_submit":
                    burst.refused_at_submit += 1
                else:
                    burst.errors[reason] += 1
        connection.close()

    threads = [threading.Thread(target=client, name=f"buyer-{i}") for i in range(args.clients)]
    before = common.cpu_now(args.postgres_url)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    burst.seconds = time.perf_counter() - started
    used = common.cpu_used(before, common.cpu_now(args.postgres_url))
    burst.client_cpu = used.this_process
    burst.server_cpu, burst.postgres_cpu, burst.machine_busy = used.server, used.database, used.busy_share
    not_run = sum(1 for _ in jobs)
    if not_run:
        burst.errors[f"not run within the {args.time_limit:g} s limit"] += not_run
    return burst


def _buy(connection, *, port: int, path: str, number: int, expected: str) -> tuple[str, str, list[float]]:
    """One buyer, as a browser with no cookies yet: (outcome, reason for an error, [GET latency, POST latency])."""
    origin = f"http://{HOST}:{port}"
    headers = {"Accept": "text/html", "Accept-Language": "en", "User-Agent": "bench.sale"}
    timings = []
    try:
        status, response_headers, body, seconds = _request(connection, "GET", path, headers=headers)
        timings.append(seconds)
        if status != 200:
            return "error", f"GET answered {status}", timings
        fields = form_fields(body.decode())
        if fields is None:
            return ("refused_at_form", "", timings) if SOLD_OUT in body else ("error", "GET: no form", timings)
        cookies = SimpleCookie()
        for header in response_headers.get_all("Set-Cookie") or []:
            cookies.load(header)
        if "csrftoken" not in cookies:
            return "error", "GET: no CSRF cookie", timings
        filled = fill_in(fields, name=f"Buyer {number}", email=f"buyer{number}@bench.example")
        if filled is None:
            return "error", "GET: unexpected form fields", timings
        post_headers = {
            **headers,
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{key}={morsel.value}" for key, morsel in cookies.items()),
            "Origin": origin,
            "Referer": origin + path,
        }
        status, response_headers, body, seconds = _request(
            connection, "POST", path, headers=post_headers, body=urlencode(filled)
        )
        timings.append(seconds)
    except (OSError, http.client.HTTPException) as exc:
        connection.close()
        return "error", f"connection: {type(exc).__name__}", timings
    location = response_headers.get("Location", "")
    if status == 302 and location.startswith(expected):
        return "sold", "", timings
    if status in (200, 409) and SOLD_OUT in body:
        return "refused_at_submit", "", timings
    return "error", f"POST answered {status}" + (f" to {location[:40]}" if location else ""), timings


def _request(connection, method: str, path: str, *, headers: dict, body: str | None = None):
    started = time.perf_counter()
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    content = response.read()
    seconds = time.perf_counter() - started
    if response.will_close:  # gunicorn's sync workers close after each answer; the next request reconnects
        connection.close()
    return response.status, response.headers, content, seconds


class _FormParser(HTMLParser):
    """The fields a browser submits from the registration form (`<form data-register>`), in page order.

    As in a browser: disabled fields and fields of a disabled fieldset are left out (the holder blocks the page
    does not show), unchecked boxes too; a select sends its selected option, or its first.
    """

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = False
        self.fields: list[tuple[str, str]] = []
        self._in_form = False
        self._fieldsets: list[bool] = []
        self._select: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and "data-register" in attrs:
            self._in_form = self.found = True
            return
        if not self._in_form:
            return
        if tag == "fieldset":
            self._fieldsets.append("disabled" in attrs)
            return
        name = attrs.get("name")
        disabled = "disabled" in attrs or any(self._fieldsets)
        if tag == "input" and name and not disabled:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "reset", "image", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value", "on") or ""))
                return
            self.fields.append((name, attrs.get("value") or ""))
        elif tag == "select":
            self._select = {"name": name, "send": bool(name) and not disabled, "options": []}
        elif tag == "option" and self._select is not None:
            self._select["options"].append([attrs.get("value"), "", "selected" in attrs])
        elif tag == "textarea":
            self._textarea = {"name": name, "send": bool(name) and not disabled, "text": ""}

    def handle_data(self, data):
        if self._select is not None and self._select["options"]:
            self._select["options"][-1][1] += data
        elif self._textarea is not None:
            self._textarea["text"] += data

    def handle_endtag(self, tag):
        if tag == "form" and self._in_form:
            self._in_form = False
        elif tag == "fieldset" and self._fieldsets:
            self._fieldsets.pop()
        elif tag == "select" and self._select is not None:
            select, self._select = self._select, None
            chosen = [o for o in select["options"] if o[2]] or select["options"][:1]
            if select["send"]:
                self.fields += [
                    (select["name"], value if value is not None else text.strip()) for value, text, _ in chosen
                ]
        elif tag == "textarea" and self._textarea is not None:
            textarea, self._textarea = self._textarea, None
            if textarea["send"]:
                self.fields.append((textarea["name"], textarea["text"].removeprefix("\n")))


def form_fields(page: str) -> list[tuple[str, str]] | None:
    """What a browser would post from the registration form on `page`, before typing; None without the form."""
    parser = _FormParser()
    parser.feed(page)
    parser.close()
    return parser.fields if parser.found else None


def fill_in(fields: list[tuple[str, str]], *, name: str, email: str) -> list[tuple[str, str]] | None:
    """The form as the buyer sends it: their name and e-mail typed in, one ticket (the page's default).

    None when the form is not the one expected (no CSRF token, not one ticket type preset to 1): the bench would
    measure something else."""
    names = [field for field, _value in fields]
    quantities = [value for field, value in fields if field.startswith("quantity_")]
    if "csrfmiddlewaretoken" not in names or "buyer_name" not in names or "buyer_email" not in names:
        return None
    if quantities != ["1"]:
        return None
    typed = {"buyer_name": name, "buyer_email": email}
    return [(field, typed.get(field, value)) for field, value in fields]


def _check_database(burst: Burst, counts: dict, *, places: int) -> None:
    """Tickets sold from the database; any disagreement with what the buyers were told counts as an error."""
    burst.sold = counts["confirmed_orders"] if burst.kind == "free" else counts["holding_tickets"]
    if burst.sold != burst.sold_answers:
        burst.checks.append(f"{burst.sold_answers} buyers were told they had a place, the database holds {burst.sold}")
    if counts["seats_taken"] != counts["holding_tickets"]:
        burst.checks.append(f"seats_taken {counts['seats_taken']} != {counts['holding_tickets']} tickets held")
    if counts["orders"] != burst.sold:
        burst.checks.append(f"{counts['orders']} orders for {burst.sold} tickets sold")
    if burst.kind == "paid" and not counts["checkout_sessions"] == burst.sold == burst.checkout_sessions:
        burst.checks.append(
            f"{counts['checkout_sessions']} orders with a Checkout Session, {burst.checkout_sessions} sessions opened "
            f"at the fake Stripe, "
            f"{burst.sold} tickets held"
        )
    if burst.sold > places:
        burst.checks.append(f"oversold: {burst.sold} tickets for {places} places")


def report(*, bursts: list[Burst], baselines: list[Page], costs: list[list[str]], args) -> bool:
    print(
        f"\nSale burst · PostgreSQL · gunicorn {args.workers} workers × {args.threads} threads · "
        f"{args.buyers} buyers from {args.clients} client threads · {args.places} places"
        + (f" · at most {args.max_per_order} tickets a registration" if args.max_per_order else "")
        + f" · {os.cpu_count()} CPUs"
    )
    columns = [("run", "<"), ("sold", ">"), ("refused", ">"), ("errors", ">"), ("burst s", ">")]
    columns += [("sold out at s", ">"), ("tickets/min", ">"), ("POST p50 ms", ">"), ("POST p99 ms", ">")]
    columns += [("GET p50 ms", ">"), ("GET p99 ms", ">")]
    rows = [
        [
            burst.kind,
            str(burst.sold),
            str(burst.refused),
            str(burst.error_count),
            f"{burst.seconds:.1f}",
            f"{burst.sold_out_after:.1f}" if burst.sold_out_after is not None else "-",
            f"{burst.per_minute:.0f}",
            f"{common.percentile(burst.post_latencies, 50) * 1000:.0f}",
            f"{common.percentile(burst.post_latencies, 99) * 1000:.0f}",
            f"{common.percentile(burst.get_latencies, 50) * 1000:.0f}",
            f"{common.percentile(burst.get_latencies, 99) * 1000:.0f}",
        ]
        for burst in bursts
    ]
    print(common.table(columns, rows, markdown=args.markdown))
    for burst in bursts:
        print(
            f"{burst.kind}: refused {burst.refused_at_form} on the registration page, {burst.refused_at_submit} "
            f"on submitting; {len(burst.post_latencies)} forms posted"
        )
        if burst.cpu is not None:
            print(
                f"  CPU s: gunicorn {burst.server_cpu:.1f}, PostgreSQL {burst.postgres_cpu:.1f}, "
                f"buyers and fake Stripe {burst.client_cpu:.1f}: {burst.cpu / max(burst.sold, 1) * 1000:.0f} ms "
                f"a ticket sold; {os.cpu_count()} idle cores would sell at most "
                f"{burst.cpu_bound_per_minute:.0f} tickets a minute"
            )
        if burst.machine_busy is not None:
            print(
                f"  the machine's CPUs were {burst.machine_busy:.0%} busy during the burst (everything running on it)"
            )
        for reason, count in sorted(burst.errors.items()):
            print(f"  error ×{count}: {reason}")
        for check in burst.checks:
            print(f"  error: {check}")
    print(f"\n/healthz with {args.baseline_clients} clients, {args.baseline_seconds:g} s before and after each burst")
    columns = [("trivial view", "<"), ("requests", ">"), ("req/s", ">"), ("p50 ms", ">"), ("p99 ms", ">")]
    columns += [("errors", ">")]
    rows = [
        [
            page.name,
            str(page.requests),
            f"{page.rps:.0f}",
            f"{page.percentile(50) * 1000:.1f}",
            f"{page.percentile(99) * 1000:.1f}",
            str(page.errors),
        ]
        for page in baselines
    ]
    print(common.table(columns, rows, markdown=args.markdown))
    if costs:
        print(f"\nOne request at a time, {args.costs} of each, after the bursts: CPU per request, and time per request")
        columns = [("request", "<"), ("gunicorn CPU ms", ">"), ("PostgreSQL CPU ms", ">"), ("ms", ">")]
        print(common.table(columns, costs, markdown=args.markdown))
    ok = True
    for burst in bursts:
        met = burst.sold == args.places and burst.error_count == 0 and burst.per_minute >= TARGET_PER_MINUTE
        met = met and burst.sold + burst.refused == burst.buyers
        ok &= met
        print(
            f"target ({burst.kind}): exactly {args.places} sold, 0 errors, >= {TARGET_PER_MINUTE} tickets a minute: "
            f"{burst.sold} sold, {burst.error_count} errors, {burst.per_minute:.0f} a minute, "
            f"{'met' if met else 'NOT met'}"
        )
    return ok


if __name__ == "__main__":
    sys.exit(main())
