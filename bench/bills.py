"""Group ``bills``: bill PDFs rendered per second in one process, and that process's peak memory.

* ``bills_pdf_per_s_per_core`` -- ``documents.services.bill_pdfs``, the mass-printing path the
  e-bill chunks use (the figures of 500 bills in three queries, then per bill the reportlab canvas
  and the payment QR), for every bill of a closed period, one after the other in one process, so
  one core: bills divided by the wall time of the loop. Target: >= 150. The CPU time of the loop
  (``time.process_time``) goes to stderr: on a shared machine it is the steadier figure.
* ``bills_pdf_peak_mb`` -- that process's peak resident set (``getrusage`` ``ru_maxrss``) after the
  loop; the PDFs are not kept, as the e-bill chunks do not keep them.

The database is the billing group's synthetic one on SQLite (``BENCH_BILLS_ACCOUNTS`` accounts,
default 2,000; a year of readings each), closed in-process by ``bench.billing``'s coordinator;
the renderer runs in a child process of its own so its memory is the renderer's alone.
"""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from typing import Any

from .billing import Dialect, billing_env, closing_period, coordinator, generate, seed_tariffs
from .common import PYTHON, ROOT, BenchError, Context, Figure, log
from .common import run as run_command


def run(ctx: Context) -> list[Figure]:
    count = int(os.environ.get("BENCH_BILLS_ACCOUNTS", "2000"))
    period, _last = closing_period()
    path = ctx.tmp / "bills.sqlite3"
    env = billing_env(ctx, f"sqlite:///{path}", CELERY_BROKER_URL="")
    log(f"bills: migrating {path}")
    run_command([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env=env, timeout=300)
    seed_tariffs(env)
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
    closed = coordinator(env, period)
    log(f"bills: {closed['bills']:,} bills issued for {period:%Y-%m}")
    cmd = [PYTHON, "-m", "bench.bills", f"{period:%Y-%m}"]
    done = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, timeout=1800)
    if done.returncode != 0:
        raise BenchError(f"the renderer failed ({done.returncode}):\n{done.stdout}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    log(
        f"bills: {result['bills']:,} PDFs in {result['seconds']:.1f} s ({result['cpu_seconds']:.1f} CPU-s,"
        f" {result['bills'] / result['cpu_seconds']:.0f} bills per CPU-second), {result['mean_kb']:.0f} kB each,"
        f" first (fonts loaded) {result['first_ms']:.0f} ms"
    )
    return [
        Figure("bills_pdf_per_s_per_core", result["bills"] / result["seconds"], "bills/s", ">=150"),
        Figure("bills_pdf_peak_mb", result["peak_kb"] / 1024, "MB"),
    ]


def render(period_text: str) -> dict[str, Any]:
    """Render every bill of the period once, in this process; timings and peak memory."""
    import django

    django.setup()
    from billing.models import Bill
    from core.periods import Period
    from customers.models import Account
    from documents.services import bill_pdfs

    period = Period.parse(period_text)
    account_ids = list(Bill.objects.filter(period=period).order_by("account_id").values_list("account_id", flat=True))
    if not account_ids:
        raise BenchError(f"no bills for {period_text}")
    total_bytes = 0
    first_ms = 0.0
    made = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    accounts = Account.objects.filter(pk__in=account_ids).select_related("customer", "premise").order_by("pk")
    for _account, _name, pdf in bill_pdfs(period, accounts.iterator(2000)):
        total_bytes += len(pdf)
        if made == 0:
            first_ms = (time.perf_counter() - started) * 1000
        made += 1
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    if made != len(account_ids):
        raise BenchError(f"{made} PDFs for {len(account_ids)} bills")
    return {
        "bills": len(account_ids),
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "first_ms": first_ms,
        "mean_kb": total_bytes / len(account_ids) / 1024,
        "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


if __name__ == "__main__":
    print(json.dumps(render(sys.argv[1])))
