"""Group "readings": portal submissions over HTTP, the bare-view ceiling, and the bulk import."""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from .common import BenchError, Context, Figure, Server, Session, gunicorn, log, login, require_wrk, wrk

LUA = Path(__file__).with_name("readings.lua")
FIRST_ACCOUNT = 7_000_000_000
BENCH_PHONE = "+79995550001"


def run(ctx: Context) -> list[Figure]:
    require_wrk()
    ctx.database()
    opts = ctx.options
    seed(ctx)
    user, meters = link_meters(opts.meters)
    figures = [*submit_queries(user, meters)]
    with gunicorn(ctx) as server:
        session = login(server.base_url, BENCH_PHONE, demo_password())
        figures += http_readings(ctx, server, session, meters)
        figures += bare_view(ctx, server)
    figures.append(share_of_bare_view(figures))
    if opts.profile:
        profile_submissions(user, meters)
    figures += bulk_import(opts.bulk_rows)
    return figures


def demo_password() -> str:
    from core.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


# --- Data -----------------------------------------------------------------------------------


def seed(ctx: Context) -> None:
    from django.db import connection

    from core.demo import seed_synthetic

    started = time.perf_counter()
    made = seed_synthetic(ctx.options.accounts, start=FIRST_ACCOUNT, progress=lambda n: log(f"  seeded {n} accounts"))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics, as a production database has them
    log(f"seeded {made} synthetic accounts in {time.perf_counter() - started:.1f} s")


def link_meters(count: int) -> tuple[Any, list[tuple[str, int]]]:
    """The bench user, linked to ``count`` single-rate synthetic meters: [(account number, meter id)]."""
    from customers.models import AccountLink
    from identity.models import User
    from metering.models import Meter

    meters = list(
        Meter.objects.filter(account__number__gte=str(FIRST_ACCOUNT), scheme=1, status=Meter.Status.ACTIVE)
        .order_by("account__number")
        .values_list("account__number", "id", "account_id")[:count]
    )
    if len(meters) < count:
        raise BenchError(f"only {len(meters)} single-rate meters among the synthetic accounts; seed more (--accounts)")
    user = User.objects.create_user(BENCH_PHONE, demo_password(), last_name="Нагрузочный", first_name="Тест")
    AccountLink.objects.bulk_create([AccountLink(user=user, account_id=account_id) for _, _, account_id in meters])
    log(f"bench user {BENCH_PHONE} linked to {len(meters)} single-rate meters")
    return user, [(number, meter_id) for number, meter_id, _ in meters]


def last_values(meter_ids: list[int]) -> dict[int, dict[str, int]]:
    """The highest counted value per meter and zone (values only grow in the bench data)."""
    from django.db.models import Max

    from metering.models import Reading

    result: dict[int, dict[str, int]] = {}
    for i in range(0, len(meter_ids), 10000):
        for row in (
            Reading.objects.filter(meter_id__in=meter_ids[i : i + 10000], state__in=Reading.COUNTED)
            .values("meter_id", "zone")
            .annotate(top=Max("value"))
            .order_by()
        ):
            result.setdefault(row["meter_id"], {})[row["zone"]] = row["top"]
    return result


def write_meters_file(path: Path, meters: list[tuple[str, int]]) -> None:
    values = last_values([meter_id for _, meter_id in meters])
    path.write_text("".join(f"{number} {meter_id} {values[meter_id]['total']}\n" for number, meter_id in meters))


def counters() -> tuple[int, int]:
    from django.db.models import Max

    from core.models import AuditEntry
    from metering.models import Reading

    return (
        Reading.objects.aggregate(top=Max("id"))["top"] or 0,
        AuditEntry.objects.aggregate(top=Max("id"))["top"] or 0,
    )


# --- HTTP -----------------------------------------------------------------------------------


def submit_queries(user: Any, meters: list[tuple[str, int]]) -> list[Figure]:
    """SQL queries of one portal submission (first of the day and a same-day correction), in-process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    number, meter_id = meters[-1]
    value = last_values([meter_id])[meter_id]["total"]
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    counts = []
    for step in (3, 6):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                f"/a/{number}/meters/{meter_id}/readings/", {"total": value + step, "action": "submit"}
            )
        if response.status_code != 302:
            raise BenchError(f"in-process submission answered {response.status_code}, not 302")
        counts.append(len(queries))
        log(f"queries of a submission ({'first' if step == 3 else 'correction'}): {len(queries)}")
        for query in queries.captured_queries:
            log(f"    {query['sql'][:150]}")
    return [
        Figure("readings_submit_queries", counts[0], "queries"),
        Figure("readings_correction_queries", counts[1], "queries"),
    ]


def http_readings(ctx: Context, server: Server, session: Session, meters: list[tuple[str, int]]) -> list[Figure]:
    from core.models import AuditEntry
    from metering.models import Reading

    opts = ctx.options
    meters_file = ctx.tmp / "meters.txt"
    headers = [
        f"Cookie: {session.cookie}",
        f"X-CSRFToken: {session.csrftoken}",
        f"Referer: {server.base_url}/",
    ]

    order = list(meters)

    def load(duration: int):
        write_meters_file(meters_file, order)
        return wrk(
            server.base_url + "/",
            threads=opts.threads,
            connections=opts.connections,
            duration=duration,
            script=LUA,
            script_args=[str(meters_file), str(opts.threads)],
            headers=headers,
        )

    log(f"warm-up: readings, {opts.warmup} s")
    warm = load(opts.warmup)
    if warm.errors or set(warm.statuses) - {302}:
        raise BenchError(f"warm-up had failures: statuses {warm.statuses}, errors {warm.errors}\n{warm.output}")
    time.sleep(0.5)  # let in-flight submissions commit before the values are read again
    # The measured run starts with the meters the warm-up did not reach: first submissions of the day.
    used = min(warm.requests + opts.connections, len(order))
    order = order[used:] + order[:used]
    readings_before, audit_before = counters()
    log(f"readings: wrk -t{opts.threads} -c{opts.connections} -d{opts.duration}s against {server.description}")
    result = load(opts.duration)
    time.sleep(0.5)
    accepted = Reading.objects.filter(id__gt=readings_before, source=Reading.Source.PORTAL).count()
    actions = Counter(AuditEntry.objects.filter(id__gt=audit_before).values_list("action", flat=True))
    log(
        f"readings: wrk {result.requests} requests in {result.duration_s:.1f} s ({result.rps:.0f}/s), "
        f"statuses {dict(sorted(result.statuses.items()))}, non-2xx/3xx {result.non_2xx_3xx}, "
        f"socket errors {result.socket_errors or 'none'}; database: {accepted} new readings "
        f"({actions['reading.submitted']} first of the day, {actions['reading.corrected']} same-day corrections); "
        f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms"
    )
    if result.errors:
        log(f"readings: {result.errors} failed requests (non-2xx/3xx or socket errors)")
    redirects = result.statuses.get(302, 0)
    if abs(accepted - redirects) > opts.connections:
        log(f"readings: WARNING database gained {accepted} readings but wrk saw {redirects} redirects")
    figures = [
        Figure("readings_http_rps", accepted / result.duration_s, "req/s", ">=500"),
        Figure("readings_http_p99_ms", result.p99_ms, "ms", "<50"),
    ]
    if result.errors:
        figures.append(Figure("readings_http_errors", result.errors, "requests", "<=0"))
    return figures


def share_of_bare_view(figures: list[Figure]) -> Figure:
    """Submissions per second as a share of the bare view's, measured side by side: a figure that
    depends on the code more than on how fast the machine is that day."""
    rate = {f.name: f.value for f in figures}
    return Figure("readings_http_share_of_bare_view", 100 * rate["readings_http_rps"] / rate["bare_view_rps"], "%")


def bare_view(ctx: Context, server: Server) -> list[Figure]:
    opts = ctx.options
    url = server.base_url + "/bench/bare"
    wrk(url, threads=opts.threads, connections=opts.connections, duration=max(1, opts.warmup - 1))
    log(f"bare view: wrk -t{opts.threads} -c{opts.connections} -d{opts.duration}s against {server.description}")
    result = wrk(url, threads=opts.threads, connections=opts.connections, duration=opts.duration)
    log(
        f"bare view: {result.requests} requests, {result.rps:.0f}/s, p50 {result.p50_ms:.1f} ms, "
        f"p99 {result.p99_ms:.1f} ms, errors {result.errors}"
    )
    if result.errors:
        raise BenchError(f"bare view had {result.errors} failed requests:\n{result.output}")
    return [
        Figure("bare_view_rps", result.rps, "req/s"),
        Figure("bare_view_p99_ms", result.p99_ms, "ms"),
    ]


def profile_submissions(user: Any, meters: list[tuple[str, int]], count: int = 300) -> None:
    """cProfile of ``count`` portal submissions through the whole Django stack, in-process."""
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    chosen = meters[:count]
    values = last_values([meter_id for _, meter_id in chosen])
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for number, meter_id in chosen:
        client.cookies.pop("messages", None)  # as a browser that follows the redirect: no pile of messages
        client.post(
            f"/a/{number}/meters/{meter_id}/readings/", {"total": values[meter_id]["total"] + 2, "action": "submit"}
        )
    profiler.disable()
    elapsed = time.perf_counter() - started
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(40)
    stats.sort_stats("tottime").print_stats(25)
    log(f"profile: {count} in-process submissions in {elapsed:.2f} s ({elapsed / count * 1000:.2f} ms each)")
    print(out.getvalue(), file=sys.stderr)


# --- Bulk -----------------------------------------------------------------------------------


def bulk_import(total_rows: int) -> list[Figure]:
    """``total_rows`` ImportRows spread round-robin over every synthetic meter, values growing per meter."""
    from django.utils import timezone

    from metering.models import Meter, Reading
    from metering.services import ImportRow, import_readings

    meters = list(
        Meter.objects.filter(account__number__gte=str(FIRST_ACCOUNT), status=Meter.Status.ACTIVE)
        .order_by("account__number")
        .values_list("id", "account__number", "serial", "scheme")
    )
    if not meters:
        raise BenchError("no synthetic meters to import readings for")
    from metering.zones import ZONES_BY_SCHEME

    values = last_values([meter_id for meter_id, *_ in meters])
    today = timezone.localdate()
    rows = []
    for line in range(total_rows):
        meter_id, number, serial, scheme = meters[line % len(meters)]
        current = values[meter_id]
        for i, zone in enumerate(ZONES_BY_SCHEME[scheme]):
            current[zone] += 1 + (line + i) % 5
        rows.append(
            ImportRow(
                line=line + 1,
                account=number,
                serial=serial,
                values=[current[zone] for zone in ZONES_BY_SCHEME[scheme]],
                taken_on=today,
            )
        )
    per_meter = total_rows / len(meters)
    log(f"bulk: import_readings of {total_rows} rows over {len(meters)} meters ({per_meter:.1f} rows per meter)")
    before = Reading.objects.count()
    started = time.perf_counter()
    report = import_readings(rows, channel=Reading.Source.IMPORT)
    elapsed = time.perf_counter() - started
    stored = Reading.objects.count() - before
    log(
        f"bulk: {report.accepted} accepted, {len(report.rejected)} rejected, {stored} reading rows stored "
        f"in {elapsed:.2f} s"
    )
    for code, n in Counter(code for _, code, _ in report.rejected).most_common(5):
        log(f"bulk: rejected {n} x {code}")
    if report.accepted + len(report.rejected) != total_rows:
        raise BenchError(f"import reported {report.accepted} + {len(report.rejected)} rows of {total_rows}")
    return [
        Figure("readings_bulk_rows_per_s", total_rows / elapsed, "rows/s", ">=20000"),
        Figure("readings_bulk_rejected", len(report.rejected), "rows", "<=0"),
    ]
