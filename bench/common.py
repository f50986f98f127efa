"""What every group needs: the bench database, gunicorn, wrk, figures."""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/postgres"
SECRET_KEY = "bench-only-secret-key-not-for-production-" + "0123456789abcdef" * 2


class BenchError(RuntimeError):
    """A benchmark cannot run (missing tool, server did not start...); the message says why."""


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    target: str = ""  # e.g. ">=500"; empty when the figure has no target

    def line(self) -> str:
        value = f"{self.value:.0f}" if abs(self.value) >= 100 or self.value == int(self.value) else f"{self.value:.1f}"
        return f"{self.name}: {value} {self.unit}"

    def missed(self) -> bool:
        if not self.target:
            return False
        op, bound = re.fullmatch(r"(>=|<=|<|>)(.+)", self.target).groups()  # type: ignore[union-attr]
        limit = float(bound)
        return not {
            ">=": self.value >= limit,
            "<=": self.value <= limit,
            "<": self.value < limit,
            ">": self.value > limit,
        }[op]


@dataclass
class Options:
    duration: int = 12  # seconds per measured wrk run
    warmup: int = 3
    threads: int = 2  # wrk threads
    connections: int = 16
    workers: int = 3  # gunicorn; on 2 cores 2-3 sync workers beat gthread (GIL contention), see bench/__init__
    worker_threads: int = 1  # gunicorn gthread threads per worker; 1 = sync worker
    no_prepared_statements: bool = False  # gunicorn without DB_PREPARED_STATEMENTS=1 (the production setting)
    meters: int = 4000  # single-rate meters the HTTP benchmark spreads submissions over
    accounts: int = 10000  # synthetic accounts seeded
    bulk_rows: int = 50000
    profile: bool = False  # cProfile one in-process submission loop after the HTTP run
    billing_accounts: int = 1_000_000  # group billing: accounts closed on PostgreSQL
    billing_sqlite_accounts: int = 100_000  # group billing: accounts closed on SQLite
    billing_workers: int = 2  # group billing: Celery worker processes (prefork concurrency)
    billing_chunk_size: int = 0  # group billing: BILLING_CHUNK_SIZE for the run; 0 = the settings' default
    sms_phones: int = 2000  # group sms: phones (each linked to one synthetic account); even
    sms_bodies: int = 40000  # group sms: signed bodies written for the measured run


@dataclass
class Context:
    options: Options
    tmp: Path
    pg_url: str = field(default_factory=lambda: os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL))
    db_name: str = field(default_factory=lambda: os.environ.get("BENCH_DB", "abonent_bench"))
    _db_ready: bool = False

    @property
    def database_url(self) -> str:
        parts = urllib.parse.urlsplit(self.pg_url)
        return urllib.parse.urlunsplit(parts._replace(path="/" + self.db_name))

    def server_env(self) -> dict[str, str]:
        """Environment of every Django process of the benchmark (this one included)."""
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("BENCH_SETTINGS", "bench.settings"),
            "DATABASE_URL": self.database_url,
            "DJANGO_DEBUG": "0",
            "SECRET_KEY": SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
            "ABONENT_VAR_DIR": str(self.tmp / "var"),
            "CELERY_BROKER_URL": "",
            "REDIS_URL": "",
        }

    def database(self) -> None:
        """Create the bench database afresh, migrate it and set Django up in this process (once per run)."""
        if self._db_ready:
            return
        fresh_database(self.pg_url, self.db_name)
        env = self.server_env()
        log(f"migrating {self.db_name}")
        run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env=env, timeout=300)
        os.environ.update(env)
        import django

        django.setup()
        self._db_ready = True


def run(cmd: Sequence[str], *, env: dict[str, str] | None = None, timeout: float) -> str:
    """Run a command to completion within ``timeout`` seconds; its stdout, or BenchError with its output."""
    try:
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"{cmd[0]} did not finish in {timeout:.0f} s: {' '.join(cmd)}") from exc
    if done.returncode != 0:
        raise BenchError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


# --- PostgreSQL ---------------------------------------------------------------------------------


def fresh_database(pg_url: str, name: str) -> None:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise BenchError(f"bad database name {name!r}")
    try:
        import psycopg
    except ImportError as exc:
        raise BenchError("psycopg is not installed in this environment (make install-dev)") from exc
    try:
        with psycopg.connect(pg_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        raise BenchError(f"PostgreSQL is not reachable at {pg_url} (set BENCH_PG_URL): {exc}".strip()) from exc
    log(f"database {name} created afresh")


# --- gunicorn -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen
    log_path: Path
    description: str


@contextlib.contextmanager
def gunicorn(ctx: Context) -> Iterator[Server]:
    """gunicorn serving the project with ``bench.settings`` on a free port; always stopped on exit."""
    opts = ctx.options
    port = free_port()
    log_path = ctx.tmp / f"gunicorn-{port}.log"
    if opts.worker_threads > 1:
        kind = ["--worker-class", "gthread", "--threads", str(opts.worker_threads), "--keep-alive", "5"]
        description = f"gunicorn gthread {opts.workers}x{opts.worker_threads}"
    else:
        kind = ["--worker-class", "sync"]
        description = f"gunicorn sync x{opts.workers}"
    if not opts.no_prepared_statements:
        description += ", prepared statements"
    gunicorn_bin = Path(PYTHON).parent / "gunicorn"
    cmd = [
        str(gunicorn_bin) if gunicorn_bin.exists() else "gunicorn",
        "abonent.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(opts.workers),
        *kind,
        "--timeout",
        "30",
        "--graceful-timeout",
        "5",
        "--no-control-socket",
        "--error-logfile",
        str(log_path),
        "--log-level",
        "warning",
    ]
    # As production runs it: persistent connections (CONN_MAX_AGE, the settings' default) with
    # prepared statements (see DB_PREPARED_STATEMENTS in abonent/settings.py).
    env = {**ctx.server_env(), "DB_PREPARED_STATEMENTS": "0" if opts.no_prepared_statements else "1"}
    with open(log_path, "wb") as out:
        try:
            process = subprocess.Popen(
                cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        except FileNotFoundError as exc:
            raise BenchError("gunicorn is not installed in this environment (make install-dev)") from exc
    server = Server(f"http://127.0.0.1:{port}", process, log_path, description)
    try:
        wait_ready(server, timeout=30)
        log(f"{description} on {server.base_url}")
        yield server
    finally:
        stop(process)


def wait_ready(server: Server, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchError(
                f"gunicorn exited with {server.process.returncode}:\n{server.log_path.read_text()[-3000:]}"
            )
        try:
            with urllib.request.urlopen(server.base_url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer /healthz in {timeout:.0f} s:\n{server.log_path.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    """TERM the process group (gunicorn master and workers), KILL it if it lingers."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


# --- A logged-in session ------------------------------------------------------------------------


@dataclass
class Session:
    sessionid: str
    csrftoken: str

    @property
    def cookie(self) -> str:
        return f"sessionid={self.sessionid}; csrftoken={self.csrftoken}"


def login(base_url: str, phone: str, password: str) -> Session:
    """Log in through the real login page; the session and CSRF cookies the browser would hold."""
    jar = http.cookiejar.CookieJar()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    with opener.open(base_url + "/login/", timeout=10) as response:
        page = response.read().decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not match:
        raise BenchError("no CSRF token on the login page")
    data = urllib.parse.urlencode(
        {"username": phone, "password": password, "csrfmiddlewaretoken": match.group(1)}
    ).encode()
    request = urllib.request.Request(base_url + "/login/", data=data, headers={"Referer": base_url + "/login/"})
    try:
        opener.open(request, timeout=10)
        raise BenchError("login did not redirect: wrong phone or password?")
    except urllib.error.HTTPError as exc:
        if exc.code != 302:
            raise BenchError(f"login answered {exc.code}") from exc
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "sessionid" not in cookies or "csrftoken" not in cookies:
        raise BenchError(f"login set no session: cookies {sorted(cookies)}")
    return Session(cookies["sessionid"], cookies["csrftoken"])


# --- wrk ----------------------------------------------------------------------------------------


@dataclass
class WrkResult:
    requests: int
    duration_s: float
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx_3xx: int
    socket_errors: dict[str, int]
    statuses: dict[int, int]
    output: str

    @property
    def errors(self) -> int:
        return self.non_2xx_3xx + sum(self.socket_errors.values())


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise BenchError("wrk is not installed (apt-get install wrk); the HTTP benchmarks need it")
    return path


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS_MS[unit]


def wrk(
    url: str,
    *,
    threads: int,
    connections: int,
    duration: int,
    script: Path | None = None,
    script_args: Sequence[str] = (),
    headers: Sequence[str] = (),
) -> WrkResult:
    """One wrk run (redirects are never followed); latency percentiles from ``--latency``."""
    cmd = [require_wrk(), "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--latency"]
    cmd += ["--timeout", "5s"]
    for header in headers:
        cmd += ["-H", header]
    if script is not None:
        cmd += ["-s", str(script)]
    cmd.append(url)
    if script_args:
        cmd += ["--", *script_args]
    out = run(cmd, timeout=duration + 30)
    requests = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", out)
    if requests is None:
        raise BenchError(f"cannot read wrk output:\n{out}")
    duration_s = _ms(requests.group(2) + requests.group(3)) / 1000
    percentiles = dict(re.findall(r"^\s+(\d+)%\s+([\d.]+(?:us|ms|s|m))\s*$", out, re.M))
    p99 = re.search(r"^P99_US=([\d.]+)$", out, re.M)  # the script's own, finer than wrk's two decimals
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    statuses = {int(code): int(n) for code, n in re.findall(r"^STATUS (\d+) (\d+)$", out, re.M)}
    return WrkResult(
        requests=int(requests.group(1)),
        duration_s=duration_s,
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        p50_ms=_ms(percentiles["50"]),
        p99_ms=float(p99.group(1)) / 1000 if p99 else _ms(percentiles["99"]),
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=dict(zip(("connect", "read", "write", "timeout"), map(int, socket_errors.groups()), strict=True))
        if socket_errors
        else {},
        statuses=statuses,
        output=out,
    )


def calibration() -> Figure:
    """How fast this machine runs plain Python today: the best of five runs of a fixed workload.

    The machine behind "this 2-core machine" is not the same from one session to the next: on
    2026-12-01 the same code measured ``bare_view_rps`` 903-956 in one session and 516-907 in the
    next. Every run prints this figure first, so that runs on different days can be compared.
    The workload is the kind of work a request does in Python: dicts, attributes, strings and
    ``Decimal`` arithmetic, on one core (lower is faster).
    """
    from decimal import Decimal

    class Row:
        __slots__ = ("key", "value")

        def __init__(self, key: str, value: Decimal) -> None:
            self.key, self.value = key, value

    def workload() -> Decimal:
        total = Decimal(0)
        seen: dict[str, Row] = {}
        price = Decimal("5.6700")
        for i in range(60_000):
            row = Row(f"zone-{i % 7}:{i}", Decimal(i % 997) * price)
            seen[row.key] = row
            total += row.value.quantize(Decimal("0.01"))
        return total

    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        workload()
        best = min(best, time.perf_counter() - started)
    return Figure("machine_calibration_ms", best * 1000, "ms")


def make_tmp() -> Path:
    return Path(tempfile.mkdtemp(prefix="abonent-bench-"))
