"""Group "billing": the close of a period for 1,000,000 accounts, its memory, and a bare SQL baseline.

The close goes through the real code path: ``billing.services.close_period`` in a coordinator
process hands its chunks (``BILLING_CHUNK_SIZE`` accounts each) to **real Celery workers**
(``celery -A abonent worker --concurrency 2``, prefork, Redis broker ``redis://127.0.0.1:6379/15``
on a queue of this run's own), which run the ``billing.close_chunk`` task as in production; the
coordinator polls the run until the last chunk marks it closed. The SQLite figure runs the same
``close_period`` in one process with Celery eager, the embedded default.

Synthetic data is made with set-based SQL (see :func:`generate`), not through the ORM: a per-account
plan drawn in Python with a fixed seed (COPY on PostgreSQL), then ``INSERT ... SELECT`` expanding it
into the Django tables. Its generation is not part of any figure (its time goes to stderr).

Run ``python -m bench billing``; children of this module (``python -m bench.billing close``)
do the Django work, so the bench process itself never connects Django to the billing database.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .common import PYTHON, ROOT, BenchError, Context, Figure, fresh_database, log
from .common import run as run_command

FIRST_NUMBER = 8_000_000_000  # account numbers of this group (``seed_synthetic`` uses 7 000 000 000 on)
BROKER_URL = "redis://127.0.0.1:6379/15"
SEED = 20261122
HISTORY_MONTHS = 6  # billed monthly readings before the period (enough for the average: >= 3 months)

# The mix of accounts (percent): a new reading this period; none (the 6-month average applies);
# none for 4 months (the norm applies); a late reading for the previous period plus this one.
KINDS = {"regular": 85, "average": 8, "norm": 2, "late": 5}
SCHEMES = {1: 70, 2: 20, 3: 10}
ZONE_SHARES = {  # per mille of the monthly use
    1: {"total": 1000},
    2: {"day": 650, "night": 350},
    3: {"peak": 250, "semipeak": 450, "night": 300},
}
PAYERS = 90  # percent of the accounts that paid last period's bill on the 10th of this one
DEBTORS = 5  # percent that did not and carry an old debt (an ``opening`` entry 4 periods back)


def run(ctx: Context) -> list[Figure]:
    opts = ctx.options
    pg = dataclasses.replace(ctx, db_name=os.environ.get("BENCH_BILLING_DB", "abonent_bench_billing"))
    figures = postgres_close(pg, opts.billing_accounts)
    figures += sqlite_close(ctx, opts.billing_sqlite_accounts)
    return figures


# --- Periods --------------------------------------------------------------------------------


def closing_period() -> tuple[dt.date, dt.date]:
    """(first, last day) of the period to close: last month in the company's time zone."""
    from zoneinfo import ZoneInfo

    today = dt.datetime.now(ZoneInfo(os.environ.get("ABONENT_TIME_ZONE", "Europe/Samara"))).date()
    last = today.replace(day=1) - dt.timedelta(days=1)
    return last.replace(day=1), last


def month(first: dt.date, offset: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + offset
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(first: dt.date) -> dt.date:
    return month(first, 1) - dt.timedelta(days=1)


def due_on(period: dt.date) -> dt.date:
    """``billing.rules.due_date`` with the default settings (the 15th of the next month since 03.2026)."""
    following = month(period, 1)
    return following.replace(day=15 if following >= dt.date(2026, 3, 1) else 10)


# --- Data -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Dialect:
    name: str  # "postgresql" | "sqlite"

    def date(self, day: dt.date) -> str:
        return f"DATE '{day}'" if self.name == "postgresql" else f"'{day}'"

    def stamp(self, moment: dt.datetime) -> str:
        if self.name == "postgresql":
            return f"TIMESTAMPTZ '{moment.isoformat()}'"
        return f"'{moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=' ')}'"

    def submission(self, account: str, number: str) -> str:
        """A deterministic UUID per (account, month): the zones of one submission share it."""
        if self.name == "postgresql":
            return f"(lpad(to_hex({account}), 16, '0') || lpad(to_hex({number}), 16, '0'))::uuid"
        return f"printf('%016x%016x', {account}, {number})"  # Django keeps UUIDs as 32 hex digits here

    def money(self, expression: str) -> str:
        return f"round(({expression})::numeric, 2)" if self.name == "postgresql" else f"round({expression}, 2)"


def plan_rows(count: int) -> Iterator[tuple]:
    """(i, kind, scheme, category index, residents, usage, start, payer, debtor, debt) per account."""
    rng = random.Random(SEED)
    kinds, kind_weights = list(KINDS), list(KINDS.values())
    schemes, scheme_weights = list(SCHEMES), list(SCHEMES.values())
    for i in range(1, count + 1):
        kind = rng.choices(kinds, kind_weights)[0]
        scheme = rng.choices(schemes, scheme_weights)[0]
        roll = rng.randrange(100)
        debtor = roll < DEBTORS
        payer = not debtor and roll < DEBTORS + PAYERS
        yield (
            i,
            kind,
            scheme,
            rng.randrange(3),
            rng.randint(1, 5),
            rng.randint(80, 450),
            rng.randint(1000, 20000),
            payer,
            debtor,
            rng.randint(1000, 8000) if debtor else 0,
        )


def month_rows(period: dt.date) -> list[tuple]:
    """(kind, month number, period, taken on, billed) of every counted submission per kind of account.

    Month numbers count from 12 periods before the closed one (the values grow by the usage each month).
    A reading last period's close billed arrived before it; the others (this period's, and the late
    accounts' reading for last period) after it. All are stored accepted: a close does not write to
    the readings it bills (last period's bills cover the billed ones, see ``generate``).
    """
    rows = []

    def add(kind: str, offsets: Iterable[int], billed: bool) -> None:
        for offset in offsets:
            first = month(period, offset)
            rows.append((kind, 12 + offset, first, first.replace(day=20), billed))

    history = range(-HISTORY_MONTHS, 0)
    add("regular", history, True)
    add("regular", [0], False)
    add("average", history, True)
    add("norm", range(-HISTORY_MONTHS - 3, -3), True)
    add("late", range(-HISTORY_MONTHS, -1), True)
    add("late", [-1, 0], False)
    return rows


def value_sql(number: str) -> str:
    """The meter's value of zone ``z`` in month ``number``: grows by the zone's share of the usage, plus noise < 10."""
    return f"(p.start + p.usage * z.share / 1000 * {number} + (p.i * 7 + {number} * 3) % 10)"


def generate(execute: Any, copy_rows: Any, dialect: Dialect, count: int, period: dt.date) -> None:
    """Accounts, meters, readings and last period's bills, charges and payments for ``count`` accounts.

    ``execute(sql)`` runs one statement; ``copy_rows(table, columns, rows)`` loads rows into a table.
    The ids of customers, premises, accounts and meters are the plan's ``i``; every id sequence is
    moved past what was inserted afterwards (PostgreSQL).
    """
    previous = month(period, -1)
    now = dt.datetime.now(dt.UTC)
    d, stamp = dialect.date, dialect.stamp
    execute(
        "CREATE TABLE bench_plan (i bigint PRIMARY KEY, kind varchar(10), scheme int, category int, residents int,"
        " usage int, start int, payer boolean, debtor boolean, debt int)"
    )
    copy_rows(
        "bench_plan",
        ("i", "kind", "scheme", "category", "residents", "usage", "start", "payer", "debtor", "debt"),
        plan_rows(count),
    )
    execute("CREATE TABLE bench_month (kind varchar(10), number int, period date, taken_on date, billed boolean)")
    copy_rows("bench_month", ("kind", "number", "period", "taken_on", "billed"), month_rows(period))
    execute("CREATE TABLE bench_zone (scheme int, zone varchar(10), share int)")
    copy_rows(
        "bench_zone",
        ("scheme", "zone", "share"),
        [(s, zone, share) for s, zones in ZONE_SHARES.items() for zone, share in zones.items()],
    )
    # The price in force last period for each (category index, scheme, zone), from seed_tariffs().
    execute("CREATE TABLE bench_category (category int, id bigint)")
    execute(
        "INSERT INTO bench_category SELECT rn - 1, id FROM"
        " (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM billing_tariffcategory) c"
    )
    execute(
        "CREATE TABLE bench_price AS SELECT c.category, t.scheme, t.zone, t.price FROM billing_tariffprice t"
        " JOIN bench_category c ON c.id = t.category_id WHERE t.valid_from = (SELECT max(u.valid_from)"
        " FROM billing_tariffprice u WHERE u.category_id = t.category_id AND u.scheme = t.scheme"
        f" AND u.zone = t.zone AND u.valid_from <= {d(previous)})"
    )

    execute(
        "INSERT INTO customers_customer (id, kind, last_name, first_name, middle_name, organization, inn, kpp,"
        " phone, email, created_at)"
        f" SELECT i, 'household', 'Абонент', 'Счёт ' || i, '', '', '', '', '', '', {stamp(now)} FROM bench_plan"
    )
    execute(
        "INSERT INTO customers_premise (id, address, residents, rooms, locality, stove, electric_heating)"
        " SELECT i, 'г. Самара, ул. Расчётная, д. ' || (i % 500 + 1) || ', кв. ' || (i % 97 + 1), residents, 2,"
        " 'town', 'gas', FALSE FROM bench_plan"
    )
    execute(
        "INSERT INTO customers_account (id, number, status, district_code, bill_code, connection_kw, opened_on,"
        " tariff_category_id, customer_id, premise_id)"
        f" SELECT p.i, CAST({FIRST_NUMBER} + p.i AS varchar(10)), 'active', '63', '000000', NULL,"
        f" {d(dt.date(2020, 1, 1))}, c.id, p.i, p.i FROM bench_plan p JOIN bench_category c ON c.category = p.category"
    )
    installed = month(period, -24).replace(day=5)
    execute(
        "INSERT INTO metering_meter (id, serial, model, digits, transformer_ratio, scheme, installed_on,"
        " next_verification_on, status, removed_on, account_id)"
        f" SELECT i, 'B' || ({FIRST_NUMBER} + i), 'Синтетический', 6, 1, scheme, {d(installed)},"
        f" {d(installed.replace(year=installed.year + 16))}, 'active', NULL, i FROM bench_plan"
    )
    late_submitted = dt.datetime.combine(period.replace(day=22), dt.time(9), dt.UTC)
    for billed in ("TRUE", "FALSE"):  # as they arrive: month by month, last period's close in between
        execute(
            "INSERT INTO metering_reading (zone, value, taken_on, submitted_at, period, source, state,"
            " rejection_reason, submission, rollover, unchanged, implausible_confirmed, entered_by_id, meter_id)"
            f" SELECT z.zone, {value_sql('m.number')}, m.taken_on, {stamp(late_submitted)}, m.period, 'portal',"
            f" 'accepted', '', {dialect.submission('p.i', 'm.number')}, FALSE, FALSE, FALSE, NULL, p.i"
            " FROM bench_plan p JOIN bench_month m ON m.kind = p.kind JOIN bench_zone z ON z.scheme = p.scheme"
            f" WHERE m.billed = {billed} ORDER BY m.number, p.i, z.zone"
        )
        if billed == "TRUE":
            execute("CREATE TABLE bench_billed AS SELECT max(id) AS through FROM metering_reading")

    # Last period was closed: a run, a charge per account with its lines, a bill; most paid it this period.
    execute(
        "INSERT INTO billing_billingrun (id, period, state, accounts_total, failures, started_at, finished_at,"
        f" started_by_id) VALUES (1, {d(previous)}, 'closed', {count}, '{{}}', {stamp(now)}, {stamp(now)}, NULL)"
    )
    number = 12 - 1  # last period's month number in ``month_rows``
    # By the readings for accounts that had them; by the average for those whose reading was late or
    # missing (the norm accounts' last reading was 4 periods back, within 3 periods the average applies).
    actual = "p.kind IN ('regular', 'average')"
    volume = f"CASE WHEN {actual} THEN {value_sql(str(number))} - {value_sql(str(number - 1))} ELSE p.usage * z.share / 1000 END"
    execute(
        "CREATE TABLE bench_line AS SELECT p.i, z.zone, "
        f"CASE WHEN {actual} THEN 'actual' ELSE 'average' END AS basis, {volume} AS volume,"
        f" CASE WHEN {actual} THEN {value_sql(str(number - 1))} END AS previous_value,"
        f" CASE WHEN {actual} THEN {value_sql(str(number))} END AS current_value, pr.price"
        " FROM bench_plan p JOIN bench_zone z ON z.scheme = p.scheme"
        " JOIN bench_price pr ON pr.category = p.category AND pr.scheme = p.scheme AND pr.zone = z.zone"
    )
    execute(
        "INSERT INTO billing_ledgerentry (id, kind, period, for_period, amount, posted_on, created_at, reason,"
        " reference, account_id, created_by_id, run_id)"
        f" SELECT i, 'charge', {d(previous)}, {d(previous)}, sum({dialect.money('volume * price')}),"
        f" {d(month_end(previous))}, {stamp(now)}, '', NULL, i, NULL, 1 FROM bench_line GROUP BY i"
    )
    execute(
        "INSERT INTO billing_chargeline (zone, basis, tier, date_from, date_to, previous_value, current_value,"
        " volume, price, amount, meter_id, entry_id)"
        f" SELECT zone, basis, '', {d(previous)}, {d(month_end(previous))}, previous_value, current_value, volume,"
        f" price, {dialect.money('volume * price')}, i, i FROM bench_line ORDER BY i, zone"
    )
    debt_period = month(period, -4)
    execute(
        "INSERT INTO billing_ledgerentry (id, kind, period, for_period, amount, posted_on, created_at, reason,"
        " reference, account_id, created_by_id, run_id)"
        f" SELECT {2 * count} + i, 'opening', {d(debt_period)}, NULL, debt, {d(debt_period)}, {stamp(now)},"
        " 'Входящий остаток (синтетический)', NULL, i, NULL, NULL FROM bench_plan WHERE debtor"
    )
    execute(
        "INSERT INTO billing_bill (id, period, number, issued_at, due_on, opening_balance, charged, recalculated,"
        " penalties, paid, adjusted, closing_balance, vat, vat_rate, account_id, run_id, readings_through)"
        f" SELECT e.account_id, e.period, '{previous:%Y%m}' || a.number, {stamp(now)}, {d(due_on(previous))},"
        " p.debt, e.amount, 0, 0, 0, 0, p.debt + e.amount,"
        f" {dialect.money('e.amount * 22 / 122')}, 22, e.account_id, 1, b.through"
        " FROM billing_ledgerentry e JOIN customers_account a ON a.id = e.account_id"
        " JOIN bench_plan p ON p.i = e.account_id CROSS JOIN bench_billed b"
        f" WHERE e.kind = 'charge' AND e.period = {d(previous)}"
    )
    execute(
        "INSERT INTO billing_ledgerentry (id, kind, period, for_period, amount, posted_on, created_at, reason,"
        " reference, account_id, created_by_id, run_id)"
        f" SELECT {count} + e.account_id, 'payment', {d(period)}, NULL, -e.amount, {d(period.replace(day=10))},"
        f" {stamp(now)}, '', 'bench-' || e.account_id, e.account_id, NULL, NULL"
        " FROM billing_ledgerentry e JOIN bench_plan p ON p.i = e.account_id"
        f" WHERE p.payer AND e.kind = 'charge' AND e.period = {d(previous)}"
    )
    if dialect.name == "postgresql":
        for table in (
            "customers_customer",
            "customers_premise",
            "customers_account",
            "metering_meter",
            "metering_reading",
            "billing_billingrun",
            "billing_ledgerentry",
            "billing_chargeline",
            "billing_bill",
        ):
            execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


# --- PostgreSQL -----------------------------------------------------------------------------


def billing_env(ctx: Context, database_url: str, **extra: str) -> dict[str, str]:
    env = ctx.server_env()
    env.update({"DATABASE_URL": database_url, **extra})
    if ctx.options.billing_chunk_size:
        env["BILLING_CHUNK_SIZE"] = str(ctx.options.billing_chunk_size)
    return env


def postgres_close(ctx: Context, count: int) -> list[Figure]:
    import psycopg

    period, _last = closing_period()
    fresh_database(ctx.pg_url, ctx.db_name)
    env = billing_env(ctx, ctx.database_url, CELERY_BROKER_URL=BROKER_URL)
    log(f"migrating {ctx.db_name}")
    run_command([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env=env, timeout=300)
    seed_tariffs(env)
    started = time.perf_counter()
    with psycopg.connect(ctx.database_url, autocommit=True) as conn:

        def execute(sql: str) -> None:
            began = time.perf_counter()
            conn.execute(sql)  # type: ignore[arg-type]  # composed here from constants, not user input
            log(f"  {time.perf_counter() - began:6.1f} s  {sql[:90]}")

        def copy_rows(table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
            with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[arg-type]
                for row in rows:
                    copy.write_row(row)

        # Consistent by construction: no foreign-key trigger per inserted row (superuser, this session
        # only), and the big tables' secondary indexes built once at the end rather than row by row.
        conn.execute("SET session_replication_role = replica")
        with without_indexes(execute, conn, BIG_TABLES):
            generate(execute, copy_rows, Dialect("postgresql"), count, period)
        conn.execute("RESET session_replication_role")
        execute("VACUUM ANALYZE")  # visibility map and planner statistics, as a settled production database has
        log(f"generated {count} accounts in {time.perf_counter() - started:.1f} s; {table_sizes(conn)}")
        baseline_s = sql_baseline(conn, period)
    result = close_with_workers(ctx, env, period)
    with psycopg.connect(ctx.database_url, autocommit=True) as conn:

        def rows(sql: str) -> Iterator[tuple]:
            with conn.transaction(), conn.cursor(name="bench_rows") as cursor:  # server-side: streamed
                cursor.execute(sql)  # type: ignore[arg-type]
                yield from cursor

        verify(conn, Dialect("postgresql"), period, count, rows=rows)
    return [
        Figure(
            "billing_close_1m_s" if count == 1_000_000 else f"billing_close_{count}_s", result["seconds"], "s", "<60"
        ),
        Figure("billing_close_peak_mb", result["peak_mb"], "MB", "<1024"),
        Figure(
            "billing_sql_baseline_1m_s" if count == 1_000_000 else f"billing_sql_baseline_{count}_s", baseline_s, "s"
        ),
    ]


BIG_TABLES = ("metering_reading", "billing_ledgerentry", "billing_chargeline", "billing_bill", "customers_account")


@contextlib.contextmanager
def without_indexes(execute: Any, conn: Any, tables: Sequence[str]) -> Iterator[None]:
    """Drop the tables' indexes that back no constraint; create them again (same definitions) on exit."""
    definitions = [
        (name, definition)
        for name, definition in conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public'"
            " AND i.tablename = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [list(tables)],
        ).fetchall()
    ]
    for name, _definition in definitions:
        execute(f'DROP INDEX "{name}"')
    yield
    for _name, definition in definitions:
        execute(definition)


def seed_tariffs(env: dict[str, str]) -> None:
    run_command(
        [PYTHON, "manage.py", "shell", "-c", "from core.demo import seed_tariffs; seed_tariffs()"], env=env, timeout=120
    )


def table_sizes(conn: Any) -> str:
    rows = conn.execute(
        "SELECT relname, n_live_tup FROM pg_stat_user_tables WHERE relname IN ('customers_account',"
        " 'metering_reading', 'billing_ledgerentry', 'billing_chargeline', 'billing_bill') ORDER BY relname"
    ).fetchall()
    return ", ".join(f"{name} {rows_:,}" for name, rows_ in rows)


def sql_baseline(conn: Any, period: dt.date) -> float:
    """One ``INSERT ... SELECT``: each meter zone's last two counted readings, volume x price in force, rounded.

    The bare set-based limit the engine is compared to: no estimates, recalculations, penalties,
    ledger or bills, just the arithmetic of the common case over the same rows.
    """
    conn.execute(
        "CREATE TABLE bench_baseline (account_id bigint, meter_id bigint, zone varchar(10), volume bigint,"
        " price numeric(10, 4), amount numeric(14, 2))"
    )
    sql = f"""
        INSERT INTO bench_baseline
        SELECT m.account_id, r.meter_id, r.zone, r.value - r.previous, pr.price, round((r.value - r.previous) * pr.price, 2)
        FROM (
            SELECT meter_id, zone, value,
                   lead(value) OVER w AS previous, row_number() OVER w AS position
            FROM metering_reading
            WHERE state IN ('accepted', 'billed') AND period <= DATE '{period}'
            WINDOW w AS (PARTITION BY meter_id, zone ORDER BY taken_on DESC, id DESC)
        ) r
        JOIN metering_meter m ON m.id = r.meter_id
        JOIN customers_account a ON a.id = m.account_id
        JOIN LATERAL (
            SELECT t.price FROM billing_tariffprice t
            WHERE t.category_id = a.tariff_category_id AND t.scheme = m.scheme AND t.zone = r.zone
              AND t.valid_from <= DATE '{month_end(period)}'
            ORDER BY t.valid_from DESC LIMIT 1
        ) pr ON TRUE
        WHERE r.position = 1 AND r.previous IS NOT NULL
    """
    started = time.perf_counter()
    conn.execute(sql)
    elapsed = time.perf_counter() - started
    rows = conn.execute("SELECT count(*), sum(amount) FROM bench_baseline").fetchone()
    log(f"SQL baseline: {rows[0]:,} meter zones, {rows[1]} ₽ in {elapsed:.1f} s")
    return elapsed


def close_with_workers(ctx: Context, env: dict[str, str], period: dt.date) -> dict[str, Any]:
    """Celery workers up (not timed), then the coordinator's ``close_period`` until the run is closed."""
    opts = ctx.options
    queue = f"bench-billing-{os.getpid()}"
    worker_log = ctx.tmp / "celery-billing.log"
    celery_bin = Path(PYTHON).parent / "celery"
    cmd = [
        str(celery_bin) if celery_bin.exists() else "celery",
        "-A",
        "abonent",
        "worker",
        "--pool",
        "prefork",
        "--concurrency",
        str(opts.billing_workers),
        "-Q",
        queue,
        "-n",
        f"{queue}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel",
        "INFO",
        "--logfile",
        str(worker_log),
    ]
    worker = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        wait_ready(worker, worker_log)
        log(f"celery: {opts.billing_workers} prefork workers on queue {queue}; coordinator: close_period")
        pool = children(worker.pid)
        database = urllib.parse.urlsplit(env["DATABASE_URL"]).path.lstrip("/")
        cpu_before = {"workers": cpu_seconds(pool), "machine": machine_cpu_seconds()}
        with BackendCpu(database) as server:
            result = coordinator(env, period, queue)
        cpu = {
            "workers": cpu_seconds(pool) - cpu_before["workers"],
            "PostgreSQL": server.seconds,
            "ended": server.ended_seconds,
            "machine": machine_cpu_seconds() - cpu_before["machine"],
        }
        workers_kb = {pid: peak_rss_kb(pid) for pid in [worker.pid, *children(worker.pid)]}
    finally:
        stop(worker)
    tasks = sum(1 for line in worker_log.read_text().splitlines() if "succeeded in" in line)
    peak_kb = result["coordinator_peak_kb"] + sum(workers_kb.values())
    log(
        f"close: {result['bills']:,} bills in {result['seconds']:.1f} s ({result['chunks']} chunks, {tasks} tasks"
        f" succeeded); peak RSS MB: coordinator {result['coordinator_peak_kb'] / 1024:.0f}, celery "
        + ", ".join(f"{pid}: {kb / 1024:.0f}" for pid, kb in workers_kb.items())
    )
    log(
        f"close: CPU seconds: worker processes {cpu['workers']:.0f}, their PostgreSQL backends"
        f" {cpu['PostgreSQL']:.0f}, whole machine {cpu['machine']:.0f} of {os.cpu_count() * result['seconds']:.0f}"
        f" available; PostgreSQL processes that ended meanwhile, their whole life (parallel query workers,"
        f" but also other databases' connections) {cpu['ended']:.0f}"
    )
    if result["failures"]:
        raise BenchError(f"the close listed failures: {dict(list(result['failures'].items())[:5])}")
    return {**result, "peak_mb": peak_kb / 1024}


def coordinator(env: dict[str, str], period: dt.date, queue: str = "") -> dict[str, Any]:
    """``python -m bench.billing close`` (its stderr passed through); what it reports."""
    cmd = [
        PYTHON,
        "-m",
        "bench.billing",
        "close",
        "--period",
        f"{period:%Y-%m}",
        *(["--queue", queue] if queue else []),
    ]
    done = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, timeout=3600)
    if done.returncode != 0:
        raise BenchError(f"the coordinator failed ({done.returncode}):\n{done.stdout}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def wait_ready(worker: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise BenchError(f"celery worker exited ({worker.returncode}):\n{read_tail(log_path)}")
        if log_path.exists() and " ready." in log_path.read_text():
            return
        time.sleep(0.2)
    raise BenchError(f"celery worker not ready in {timeout:.0f} s (is Redis at {BROKER_URL}?):\n{read_tail(log_path)}")


def read_tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text().splitlines()[-lines:]) if path.exists() else "(no log)"


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)  # warm shutdown of the worker and its pool (its own session)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def cpu_seconds(pids: Iterable[int]) -> float:
    """User + system CPU time of the processes so far (those that are gone count nothing)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds() -> float:
    """CPU time spent by the whole machine (every core, not idle nor waiting for I/O) so far."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class BackendCpu:
    """CPU time of the PostgreSQL backends serving ``database`` while the block runs, sampled twice a
    second (a worker's connection may be closed and opened again: each backend counts its last sample).

    Parallel query workers live for one query, too briefly to be sampled: ``ended_seconds`` is the CPU
    of every server process that ended meanwhile, which the postmaster collects (its children's times):
    over their whole life, and whatever their database, so on a shared server only an upper bound.
    """

    def __init__(self, database: str) -> None:
        self.database = database
        self.last: dict[int, float] = {}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while True:
            for pid in backends(self.database):
                self.last[pid] = cpu_seconds([pid])
            if self.done.wait(0.5):
                return

    def __enter__(self) -> BackendCpu:
        self.postmaster = postmaster_pid()
        self.reaped_before = reaped_cpu_seconds(self.postmaster)
        self.before = {pid: cpu_seconds([pid]) for pid in backends(self.database)}
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()
        self.ended_seconds = reaped_cpu_seconds(self.postmaster) - self.reaped_before

    @property
    def seconds(self) -> float:
        return sum(cpu - self.before.get(pid, 0.0) for pid, cpu in self.last.items())


def postmaster_pid() -> int | None:
    """The local PostgreSQL server's main process (the parent of its backends), if visible."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if command and command[0].endswith(b"/postgres") and b"-D" in command:
                return int(entry.name)
    return None


def reaped_cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of the process's children that have ended (cutime, cstime)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def backends(database: str) -> list[int]:
    """PostgreSQL server processes connected to ``database`` (local server, as root or postgres)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if title.startswith("postgres: ") and f" postgres {database} " in title:  # "postgres: 15/main: postgres DB"
                found.append(int(entry.name))
    return found


def peak_rss_kb(pid: int | str = "self") -> int:
    """The process's peak resident set (VmHWM), kB."""
    match = re.search(r"^VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
    return int(match.group(1)) if match else 0


def verify(conn: Any, dialect: Dialect, period: dt.date, count: int, *, rows: Any) -> None:
    """The close's results, checked set-based: one bill per account, bills reconcile to the ledger,
    the common case equals the SQL baseline (PostgreSQL); the mix of what was posted, and a
    fingerprint of it, to stderr. ``rows(sql)`` iterates over a big result without holding it."""
    d = dialect.date

    def one(sql: str) -> Any:
        return conn.execute(sql).fetchone()

    bills = one(f"SELECT count(*) FROM billing_bill WHERE period = {d(period)}")[0]
    if bills != count:
        raise BenchError(f"{bills} bills for {count} accounts")
    unbalanced = one(
        "SELECT count(*) FROM billing_bill b JOIN (SELECT account_id, sum(amount) AS total FROM billing_ledgerentry"
        f" WHERE period <= {d(period)} GROUP BY account_id) l ON l.account_id = b.account_id"
        f" WHERE b.period = {d(period)} AND abs(b.closing_balance - l.total) >= 0.005"
    )[0]
    if unbalanced:
        raise BenchError(f"{unbalanced} bills do not reconcile to the ledger")
    if dialect.name == "postgresql":
        differ = one(
            "SELECT count(*) FROM bench_plan p JOIN billing_ledgerentry e ON e.account_id = p.i"
            f" AND e.kind = 'charge' AND e.period = {d(period)}"
            " JOIN (SELECT account_id, sum(amount) AS amount FROM bench_baseline GROUP BY account_id) s"
            " ON s.account_id = p.i WHERE p.kind = 'regular' AND e.amount <> s.amount"
        )[0]
        if differ:
            raise BenchError(f"{differ} regular accounts charged differently from the SQL baseline")
    kinds = conn.execute(
        f"SELECT kind, count(*), sum(amount) FROM billing_ledgerentry WHERE period = {d(period)} AND run_id IS NOT NULL"
        " GROUP BY kind ORDER BY kind"
    ).fetchall()
    bases = conn.execute(
        "SELECT l.basis, count(*) FROM billing_chargeline l JOIN billing_ledgerentry e ON e.id = l.entry_id"
        f" WHERE e.period = {d(period)} GROUP BY l.basis ORDER BY l.basis"
    ).fetchall()
    log(
        f"checks: {bills:,} bills reconcile to the ledger"
        + ("; regular accounts' charges equal the SQL baseline's" if dialect.name == "postgresql" else "")
        + "; entries "
        + ", ".join(f"{k} {n:,} ({s:,.2f} ₽)" for k, n, s in kinds)
        + "; lines "
        + ", ".join(f"{b} {n:,}" for b, n in bases)
    )
    digest = fingerprint(
        rows(
            "SELECT e.account_id, e.kind, e.for_period, e.amount, l.meter_id, l.zone, l.basis, l.tier, l.date_from,"
            " l.volume, l.price, l.amount FROM billing_ledgerentry e"
            " LEFT JOIN billing_chargeline l ON l.entry_id = e.id"
            f" WHERE e.period = {d(period)} AND e.run_id IS NOT NULL"
            " ORDER BY e.account_id, e.kind, e.for_period, l.meter_id, l.zone, l.basis, l.tier, l.date_from"
        )
    )
    log(f"fingerprint of what the close posted: {digest}")


def fingerprint(rows: Iterable[tuple]) -> str:
    """A digest of every entry and line posted (amounts, volumes, prices): equal digests, equal results."""
    import hashlib
    from decimal import Decimal

    digest = hashlib.sha256()
    for row in rows:
        for value in row:
            if isinstance(value, float | Decimal):  # SQLite gives floats, PostgreSQL Decimals
                value = Decimal(str(value)).quantize(Decimal("0.0001"))
            digest.update(f"{value}|".encode())
        digest.update(b"\n")
    return digest.hexdigest()[:16]


# --- SQLite ---------------------------------------------------------------------------------


def sqlite_close(ctx: Context, count: int) -> list[Figure]:
    period, _last = closing_period()
    path = ctx.tmp / "billing.sqlite3"
    env = billing_env(ctx, f"sqlite:///{path}", CELERY_BROKER_URL="")
    log(f"SQLite: migrating {path}")
    run_command([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env=env, timeout=300)
    seed_tariffs(env)
    started = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    try:

        def execute(sql: str) -> None:
            conn.execute(sql)

        def copy_rows(table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
            marks = ", ".join("?" * len(columns))
            conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

        conn.execute("BEGIN")
        generate(execute, copy_rows, Dialect("sqlite"), count, period)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()
    log(f"SQLite: generated {count} accounts in {time.perf_counter() - started:.1f} s")
    result = coordinator(env, period)
    log(
        f"SQLite close: {result['bills']:,} bills in {result['seconds']:.1f} s, in-process (eager),"
        f" peak RSS {result['coordinator_peak_kb'] / 1024:.0f} MB"
    )
    if result["failures"]:
        raise BenchError(f"the SQLite close listed failures: {dict(list(result['failures'].items())[:5])}")
    conn = sqlite3.connect(path)
    try:
        verify(conn, Dialect("sqlite"), period, count, rows=conn.execute)
    finally:
        conn.close()
    name = "billing_close_100k_sqlite_s" if count == 100_000 else f"billing_close_{count}_sqlite_s"
    return [Figure(name, result["seconds"], "s")]


# --- The coordinator (a child process with Django) ------------------------------------------


def coordinate(period_text: str, queue: str | None) -> dict[str, Any]:
    """``close_period`` for the period, then wait until the workers have closed it; timings and peak memory."""
    import django

    django.setup()
    from billing.models import Bill, BillingRun
    from billing.services import close_period
    from core.periods import Period

    if queue:
        from abonent.celery import app

        app.conf.task_default_queue = queue  # this run's workers only, whoever else uses the broker
    period = Period.parse(period_text)
    started = time.perf_counter()
    run = close_period(period=period)
    handed = time.perf_counter() - started
    while run.state != BillingRun.State.CLOSED:
        time.sleep(0.1)
        run.refresh_from_db()
    elapsed = time.perf_counter() - started
    chunk_count = (run.accounts_total + settings_chunk_size() - 1) // settings_chunk_size()
    print(
        f"[bench] coordinator: chunks handed over in {handed:.1f} s, closed after {elapsed:.1f} s",
        file=sys.stderr,
        flush=True,
    )
    return {
        "seconds": elapsed,
        "bills": Bill.objects.filter(period=period).count(),
        "chunks": chunk_count,
        "failures": run.failures,
        "coordinator_peak_kb": peak_rss_kb(),
    }


def settings_chunk_size() -> int:
    from django.conf import settings

    return settings.BILLING_CHUNK_SIZE


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.billing")
    parser.add_argument("command", choices=["close"])
    parser.add_argument("--period", required=True)
    parser.add_argument("--queue")
    args = parser.parse_args(argv)
    print(json.dumps(coordinate(args.period, args.queue)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
