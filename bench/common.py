"""What the benchmarks share: a throw-away database, gunicorn in the background, a timed load loop and the tables."""

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
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (1..99) of `values`, interpolated between the two nearest values; 0.0 when empty."""
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


@dataclasses.dataclass
class Page:
    """A page loaded by `timed_load`; a `NEW` in its path becomes a new number at each request, so that every request
    asks for an address no cache has seen."""

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
        return percentile(self.latencies, p)

    def reset(self) -> None:
        self.latencies.clear()
        self.seconds = 0.0
        self.errors = 0


def machine_cpu() -> tuple[float, float] | None:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat; None where there is none."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields) - idle) / ticks, sum(fields) / ticks


def process_cpu(pids) -> dict[int, float]:
    """CPU seconds (user + system) each live process of `pids` has used so far, from /proc; the others left out."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
        used[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return used


@dataclasses.dataclass
class CpuUse:
    """CPU seconds used between two `cpu_now()`: by the server (this process's children: gunicorn), by the
    database's backends, by this process (the simulated clients), and by the whole machine, busy and in all. None
    where /proc showed no such process (or no /proc)."""

    server: float | None = 0.0
    database: float | None = 0.0
    this_process: float = 0.0
    machine_busy: float | None = 0.0
    machine_total: float | None = 0.0

    @property
    def busy_share(self) -> float | None:
        """The share of the machine's CPUs that were busy, everything running on it."""
        if not self.machine_total or self.machine_busy is None:
            return None
        return self.machine_busy / self.machine_total

    def __add__(self, other: "CpuUse") -> "CpuUse":
        def plus(a, b):
            return None if a is None or b is None else a + b

        return CpuUse(*(plus(getattr(self, f.name), getattr(other, f.name)) for f in dataclasses.fields(self)))


def cpu_now(postgres_url: str) -> tuple:
    """Where the CPU counters stand: this process's children, the database's backends, this process, the machine."""
    return (
        process_cpu(descendants(os.getpid())),
        process_cpu(postgres_backends(postgres_url)),
        time.process_time(),
        machine_cpu(),
    )


def cpu_used(before: tuple, after: tuple) -> CpuUse:
    """What was used between two `cpu_now()`; a process that started in between counts from zero."""

    def processes(index: int) -> float | None:
        if not after[index]:
            return None
        return sum(seconds - before[index].get(pid, 0.0) for pid, seconds in after[index].items())

    machine = (after[3][0] - before[3][0], after[3][1] - before[3][1]) if before[3] and after[3] else (None, None)
    return CpuUse(processes(0), processes(1), after[2] - before[2], *machine)


def descendants(pid: int) -> list[int]:
    """The processes below `pid` (children, their children...), from /proc; empty where there is none."""
    parents = {}
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else []:
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def postgres_backends(url: str) -> list[int]:
    """The server processes serving the database `url` names (PostgreSQL runs one per connection)."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_admin_url(url), autocommit=True) as connection:
        rows = connection.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [name]).fetchall()
    return [pid for (pid,) in rows]


def table(columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[str]], *, markdown: bool = False) -> str:
    """Rows of already formatted cells under `columns` ((title, "<" or ">") each), as aligned text or Markdown."""
    if markdown:
        rule = ["---:" if align == ">" else "---" for _title, align in columns]
        lines = [[title for title, _align in columns], rule, *rows]
        return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)
    widths = [max([len(title), *(len(row[i]) for row in rows)]) for i, (title, _align) in enumerate(columns)]
    aligns = [align for _title, align in columns]
    lines = []
    for cells in [[title for title, _align in columns], *rows]:
        line = " ".join(f"{cell:{align}{width}}" for cell, align, width in zip(cells, aligns, widths, strict=True))
        lines.append(line.rstrip())
    return "\n".join(lines)


def environment(*, tmp: Path, database_url: str, redis_url: str = "", **extra: str) -> dict:
    """The environment gunicorn and manage.py run with: production settings (DEBUG off), on this machine, over http."""
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
        REDIS_URL=redis_url,
        DATABASE_URL=database_url,
        PYTHONDONTWRITEBYTECODE="1",
        **extra,
    )
    return env


@contextlib.contextmanager
def postgres_database(url: str):
    """Create the PostgreSQL database `url` names (dropping a leftover first), and drop it at the end, always."""
    name = urlsplit(url).path.lstrip("/")
    if not name.startswith("bench"):
        raise SystemExit(f"refusing to create and drop {name!r}: the bench database's name must start with 'bench'")
    # Dropping WITH (FORCE) would pull the database from under a run still going: one run at a time.
    if _sessions(url, name):
        raise SystemExit(f"the database {name!r} is in use: is another bench run going? Wait for it to finish.")
    _postgres(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    try:
        yield
    finally:
        _postgres(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _postgres(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(_admin_url(url), autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def _sessions(url: str, name: str) -> int:
    """How many sessions are connected to the database `name`."""
    import psycopg

    with psycopg.connect(_admin_url(url), autocommit=True) as connection:
        return connection.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name]).fetchone()[0]


def _admin_url(url: str) -> str:
    return urlsplit(url)._replace(path="/postgres").geturl()


def manage(env: dict, *command: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise SystemExit(f"manage.py {' '.join(command[:1])} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@contextlib.contextmanager
def gunicorn(*, env: dict, tmp: Path, workers: int, threads: int = 1):
    """gunicorn with config/gunicorn.conf.py on 127.0.0.1 (a free port, yielded), stopped at the end, always."""
    port = free_port()
    log_path = tmp / "gunicorn.log"
    log = log_path.open("w")
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
        str(threads),
        "--access-logfile",
        "/dev/null",
        "--max-requests",
        "0",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_until_up(port, server, log_path=log_path)
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _wait_until_up(port: int, server: subprocess.Popen, *, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log_path.read_text()}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            status, body = get(port, "/healthz")
            if status == 200 and body == b"ok":
                return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer /healthz within 30 s:\n{log_path.read_text()}")


def get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request("GET", path, headers={"Accept-Language": "en"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def check(port: int, page: Page) -> None:
    status, _body = get(port, page.path)
    if status != 200:
        raise SystemExit(f"{page.path} answered {status}, not 200: fix the page before benchmarking it")


def run_clients(count: int, client: Callable[[int], None]) -> float:
    """Run `client(0)` to `client(count - 1)` at once, one thread each; the seconds until the last returned."""
    threads = [threading.Thread(target=client, args=(number,)) for number in range(count)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def timed_load(
    port: int,
    page: Page,
    *,
    seconds: float,
    concurrency: int,
    budget: int | None = None,
    headers: dict | None = None,
    timeout: float = 10,
) -> None:
    """`concurrency` clients GET `page` for `seconds` (at most `budget` requests), anonymous unless `headers` carry
    a session cookie; adds to the page's figures."""
    tickets, numbers = itertools.count(), itertools.count()
    deadline = time.perf_counter() + seconds
    errors = []
    headers = {"Accept-Language": "en", "Accept": "text/html", **(headers or {})}

    def client(_number: int):
        # Keep-alive when the server allows it; gunicorn's sync workers close, and http.client reconnects.
        connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
        while time.perf_counter() < deadline and (budget is None or next(tickets) < budget):
            started = time.perf_counter()
            try:
                connection.request("GET", page.path.replace(NEW, str(next(numbers))), headers=headers)
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

    page.seconds += run_clients(concurrency, client)
    page.errors += len(errors)


NEW = "{n}"
PAGE_COLUMNS = [("page", "<"), ("path", "<"), ("requests", ">"), ("req/s", ">"), ("p50 ms", ">"), ("p99 ms", ">")]
PAGE_COLUMNS += [("ratio", ">"), ("errors", ">")]


def page_rows(pages: Sequence[Page]) -> list[list[str]]:
    """The rows of PAGE_COLUMNS, each page's requests/s as a ratio to the first page's (the trivial view)."""
    base = pages[0].rps if pages else 0
    return [
        [
            page.name,
            page.path,
            str(page.requests),
            f"{page.rps:.0f}",
            f"{page.percentile(50) * 1000:.1f}",
            f"{page.percentile(99) * 1000:.1f}",
            f"{page.rps / base if base else 0:.2f}",
            str(page.errors),
        ]
        for page in pages
    ]
