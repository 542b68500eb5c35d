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
import dataclasses
import http.client
import itertools
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
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


@dataclasses.dataclass
class Page:
    name: str
    path: str
    latencies: list[float] = dataclasses.field(default_factory=list)
    seconds: float = 0.0
    errors: int = 0

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else 0.0
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(p) - 1]


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
        env = _environment(tmp=Path(tmp), database=database, args=args)
        with _database(database=database, url=env["DATABASE_URL"]):
            _manage(env, "migrate", "--noinput")
            _manage(env, "load_demo")
            _manage(env, "collectstatic", "--noinput")
            community_path, event_path = _manage(env, "shell", "-v", "0", "-c", PAGES_SCRIPT).split()[-2:]
            pages = [
                Page("trivial view", "/healthz"),
                Page("home", "/"),
                Page("community", community_path),
                Page("event", event_path),
            ]
            with _gunicorn(env=env, tmp=Path(tmp), workers=args.workers) as port:
                for page in pages:
                    _check(port, page)
                # Warm up every worker's cache and database connection before measuring.
                _load(port, pages, seconds=max(2.0, args.seconds / 10), rounds=1, args=args)
                for page in pages:
                    page.latencies.clear()
                    page.seconds = 0.0
                    page.errors = 0
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
    width = max(len(p.path) for p in pages)
    header = f"{'page':<13} {'path':<{width}} {'requests':>9} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'ratio':>6}"
    print(f"{header} errors")
    for page in pages:
        print(
            f"{page.name:<13} {page.path:<{width}} {page.requests:>9} {page.rps:>8.0f} "
            f"{page.percentile(50) * 1000:>7.1f} {page.percentile(99) * 1000:>7.1f} "
            f"{page.rps / base if base else 0:>6.2f} {page.errors}"
        )
    event = pages[-1]
    ratio = event.rps / base if base else 0.0
    met = ratio >= TARGET_RATIO and not any(p.errors for p in pages)
    verdict = "met" if met else "NOT met"
    print(f"target: event page >= {TARGET_RATIO} of the trivial view's requests/s: {ratio:.2f}, {verdict}")
    return met


def _environment(*, tmp: Path, database: str, args) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_"))}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        MEDIA_ROOT=str(tmp / "media"),
        LOG_LEVEL="WARNING",
        REDIS_URL=args.redis_url,
        DATABASE_URL=f"sqlite:///{tmp / 'bench.sqlite3'}" if database == "sqlite" else args.postgres_url,
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


@contextlib.contextmanager
def _database(*, database: str, url: str):
    if database == "sqlite":
        yield
        return
    name = urlsplit(url).path.lstrip("/")
    if not name.startswith("bench"):
        raise SystemExit(f"refusing to create and drop {name!r}: the bench database's name must start with 'bench'")
    _postgres(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    try:
        yield
    finally:
        _postgres(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _postgres(url: str, *statements: str) -> None:
    import psycopg

    admin_url = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def _manage(env: dict, *command: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise SystemExit(f"manage.py {' '.join(command[:1])} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@contextlib.contextmanager
def _gunicorn(*, env: dict, tmp: Path, workers: int):
    port = _free_port()
    log = (tmp / "gunicorn.log").open("w")
    # The production config, except: no access log and no worker recycling, which would only add noise.
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "config/gunicorn.conf.py",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--threads",
        "1",
        "--access-logfile",
        "/dev/null",
        "--max-requests",
        "0",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_until_up(port, server, log_path=tmp / "gunicorn.log")
        yield port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=25)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _wait_until_up(port: int, server: subprocess.Popen, *, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log_path.read_text()}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            status, body = _get(port, "/healthz")
            if status == 200 and body == b"ok":
                return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer /healthz within 30 s:\n{log_path.read_text()}")


def _get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request("GET", path, headers={"Accept-Language": "en"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _check(port: int, page: Page) -> None:
    status, body = _get(port, page.path)
    if status != 200:
        raise SystemExit(f"{page.path} answered {status}, not 200: fix the page before benchmarking it")


def _load(port: int, pages: list[Page], *, seconds: float, rounds: int, args) -> None:
    """Give each page `seconds` of load in total, split into rounds; each round visits the pages in a new order."""
    for round_index in range(rounds):
        shift = round_index % len(pages)
        for page in pages[shift:] + pages[:shift]:
            budget = max(1, args.max_requests // rounds)
            _slice(port, page, seconds=seconds / rounds, budget=budget, concurrency=args.concurrency)


def _slice(port: int, page: Page, *, seconds: float, budget: int, concurrency: int) -> None:
    tickets = itertools.count()
    deadline = time.perf_counter() + seconds
    errors = []

    def client():
        # Keep-alive when the server allows it; gunicorn's sync workers close, and http.client reconnects.
        connection = http.client.HTTPConnection(HOST, port, timeout=10)
        headers = {"Accept-Language": "en", "Accept": "text/html"}
        while time.perf_counter() < deadline and next(tickets) < budget:
            started = time.perf_counter()
            try:
                connection.request("GET", page.path, headers=headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                connection.close()
                errors.append(1)
                continue
            page.latencies.append(time.perf_counter() - started)
            if response.status != 200:
                errors.append(1)
            if response.will_close:
                connection.close()
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    page.seconds += time.perf_counter() - started
    page.errors += len(errors)


if __name__ == "__main__":
    sys.exit(main())
