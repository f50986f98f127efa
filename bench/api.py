"""Group "api": readings submitted through the REST API with a personal token, over HTTP and in-process."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from .common import BenchError, Context, Figure, Server, gunicorn, log, require_wrk, wrk
from .readings import FIRST_ACCOUNT, seed, write_meters_file

LUA = Path(__file__).with_name("api.lua")
API_PHONE = "+79995550002"


def run(ctx: Context) -> list[Figure]:
    require_wrk()
    ctx.database()
    # The benchmark's single token sends far more than a customer's allowance a minute.
    os.environ["API_RATE_WRITE_PER_MINUTE"] = os.environ["API_RATE_READ_PER_MINUTE"] = "100000000"
    from django.conf import settings

    settings.API_RATE_WRITE_PER_MINUTE = settings.API_RATE_READ_PER_MINUTE = 100_000_000
    seed(ctx)
    _user, token, meters = api_user(ctx.options.meters)
    figures = [submit_queries(token, meters)]
    with gunicorn(ctx) as server:
        figures += http_submissions(ctx, server, token, meters)
    return figures


def api_user(count: int) -> tuple[Any, str, list[tuple[str, int]]]:
    """A user linked to ``count`` single-rate synthetic meters, with a write token."""
    from api.services import create_token
    from core.demo import DEMO_PASSWORD
    from customers.models import AccountLink
    from identity.models import User
    from metering.models import Meter

    meters = list(
        Meter.objects.filter(account__number__gte=str(FIRST_ACCOUNT), scheme=1, status=Meter.Status.ACTIVE)
        .order_by("-account__number")  # the other end from group readings' meters
        .values_list("account__number", "id", "account_id")[:count]
    )
    if len(meters) < count:
        raise BenchError(f"only {len(meters)} single-rate meters among the synthetic accounts; seed more (--accounts)")
    user = User.objects.create_user(API_PHONE, DEMO_PASSWORD, last_name="Нагрузочный", first_name="API")
    AccountLink.objects.bulk_create([AccountLink(user=user, account_id=account_id) for _, _, account_id in meters])
    token = create_token(user=user, name="bench", scope="write").raw
    log(f"API user {API_PHONE} linked to {len(meters)} single-rate meters, with a write token")
    return user, token, [(number, meter_id) for number, meter_id, _ in meters]


def submit_queries(token: str, meters: list[tuple[str, int]]) -> Figure:
    """SQL statements of one API submission once the token, windows and prices are cached, in-process."""
    import json

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from .readings import last_values

    number, meter_id = meters[-1]
    value = last_values([meter_id])[meter_id]["total"]
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
    url = f"/api/v1/accounts/{number}/meters/{meter_id}/readings/"
    client.post(url + "preview/", json.dumps({"values": {"total": value + 1}}), content_type="application/json")
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            url, json.dumps({"values": {"total": value + 2}}), content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="bench-queries",
        )  # fmt: skip
    if response.status_code != 201:
        raise BenchError(f"in-process API submission answered {response.status_code}: {response.content[:300]!r}")
    log(f"queries of an API submission: {len(queries)}")
    for query in queries.captured_queries:
        log(f"    {query['sql'][:150]}")
    return Figure("api_submit_queries", len(queries), "queries")


def probe(server: Server, token: str, number: str) -> None:
    """One authenticated read before the load, so a refused token is reported with its answer."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"{server.base_url}/api/v1/accounts/{number}/", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
    except urllib.error.HTTPError as error:
        raise BenchError(f"the API refused the bench token: {error.code} {error.read()[:300]!r}") from error


def http_submissions(ctx: Context, server: Server, token: str, meters: list[tuple[str, int]]) -> list[Figure]:
    from core.models import AuditEntry
    from metering.models import Reading

    opts = ctx.options
    meters_file = ctx.tmp / "api-meters.txt"
    order = list(meters)

    def load(duration: int, run_id: str):
        write_meters_file(meters_file, order)
        return wrk(
            server.base_url + "/",
            threads=opts.threads,
            connections=opts.connections,
            duration=duration,
            script=LUA,
            script_args=[str(meters_file), str(opts.threads), run_id],
            headers=[f"Authorization: Bearer {token}"],
        )

    probe(server, token, meters[0][0])
    log(f"warm-up: API readings, {opts.warmup} s")
    warm = load(opts.warmup, "warm")
    if warm.errors or set(warm.statuses) - {201}:
        raise BenchError(f"warm-up had failures: statuses {warm.statuses}, errors {warm.errors}\n{warm.output}")
    time.sleep(0.5)
    used = min(warm.requests + opts.connections, len(order))
    order = order[used:] + order[:used]
    before = Reading.objects.order_by("-id").values_list("id", flat=True).first() or 0
    audit_before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    log(f"API readings: wrk -t{opts.threads} -c{opts.connections} -d{opts.duration}s against {server.description}")
    result = load(opts.duration, "run")
    time.sleep(0.5)
    accepted = Reading.objects.filter(id__gt=before, source=Reading.Source.API).count()
    submitted = AuditEntry.objects.filter(id__gt=audit_before, action="reading.submitted", channel="api").count()
    log(
        f"API readings: wrk {result.requests} requests in {result.duration_s:.1f} s ({result.rps:.0f}/s), "
        f"statuses {dict(sorted(result.statuses.items()))}, socket errors {result.socket_errors or 'none'}; "
        f"database: {accepted} new readings ({submitted} first of the day); "
        f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms"
    )
    figures = [
        Figure("api_readings_rps", accepted / result.duration_s, "req/s", ">=500"),
        Figure("api_readings_p99_ms", result.p99_ms, "ms", "<50"),
    ]
    if result.errors:
        figures.append(Figure("api_readings_errors", result.errors, "requests", "<=0"))
    return figures
