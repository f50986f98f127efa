"""Group "sms": SMS commands through the signed webhook ``POST /sms/inbound`` on PostgreSQL.

* ``sms_commands_per_s`` / ``sms_p99_ms`` -- inbound SMS answered per second through gunicorn
  (same configuration as the readings group), driven by wrk with ``bench/sms.lua``. The mix is the
  one a short number sees: half ``001#`` (readings, accepted through ``submit_readings``), a quarter
  ``003#`` (latest readings and the window), a quarter ``004#`` (last payment), each from one of
  ``--sms-phones`` phones, every phone linked to one synthetic account (70 % single-rate, 20 %
  day/night, 10 % three-zone). Bodies are JSON, signed beforehand in Python (HMAC-SHA256 under the
  demo secret) and written to a file the script replays, a fresh ``message_id`` per request; the
  per-phone limit is lifted for the run. Every request also stores its ``InboundSms`` row and
  "sends" the reply (the local SMS backend writes a row: in production a broker message instead).
  The rate is the number of inbound rows the database gained divided by the run's duration.
* ``sms_001_queries`` / ``sms_003_queries`` / ``sms_004_queries`` -- SQL statements of one webhook
  call of each command, counted in-process.

Runs on its own database ``abonent_bench_sms`` when run alone (``make bench BENCH=sms``), on the
shared one with other groups (``make bench``); its accounts and phones do not overlap theirs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

from .common import BenchError, Context, Figure, Server, gunicorn, log, require_wrk, wrk

LUA = Path(__file__).with_name("sms.lua")
FIRST_ACCOUNT = 7_300_000_000
PHONE_PREFIX = "+7996"  # + 7 digits
SECRET = "demo-sms-secret"  # bench.settings uses the demo default of SMS_WEBHOOK_SECRET
MIX = ("001", "003", "001", "004")  # per round of all phones: 1/2 readings, 1/4 info, 1/4 payment


def run(ctx: Context) -> list[Figure]:
    require_wrk()
    if not ctx._db_ready and "BENCH_DB" not in os.environ:
        ctx.db_name = "abonent_bench_sms"
    os.environ["SMS_RATE_LIMIT"] = str(10**9)  # one phone sends many times in a run; the limit is tested elsewhere
    ctx.database()
    opts = ctx.options
    phones = seed(opts.sms_phones)
    stream = Stream(phones)
    figures = queries_per_command(stream)
    with gunicorn(ctx) as server:
        figures += http_sms(ctx, server, stream)
    return figures


# --- Data -----------------------------------------------------------------------------------


class Phone:
    def __init__(self, number: str, account: str, scheme: int, values: list[int]) -> None:
        self.number, self.account, self.scheme, self.values = number, account, scheme, values


def seed(count: int) -> list[Phone]:
    """``count`` synthetic accounts, each linked to a user with its own phone, each with a payment."""
    import datetime as dt
    from decimal import Decimal

    from django.db import connection
    from django.utils import timezone

    from billing.models import LedgerEntry
    from channels.replies import SMS_ZONES
    from channels.selectors import latest_readings
    from core.demo import seed_synthetic
    from core.periods import Period
    from customers.models import Account, AccountLink
    from identity.models import User
    from metering.models import Meter

    if count % 2:
        raise BenchError("--sms-phones must be even (each wrk thread keeps its phones in order)")
    started = time.perf_counter()
    seed_synthetic(count, start=FIRST_ACCOUNT, progress=lambda n: log(f"  seeded {n} accounts"))
    numbers = [str(FIRST_ACCOUNT + i) for i in range(count)]
    accounts = dict(Account.objects.filter(number__in=numbers).values_list("number", "id"))
    phone_of = {number: f"{PHONE_PREFIX}{i:07d}" for i, number in enumerate(numbers)}
    existing = set(User.objects.filter(phone__in=phone_of.values()).values_list("phone", flat=True))
    users = User.objects.bulk_create(
        [User(phone=phone, password="!", last_name="СМС") for phone in phone_of.values() if phone not in existing]
    )
    if users:
        by_phone = {user.phone: user.pk for user in users}
        AccountLink.objects.bulk_create(
            [
                AccountLink(user_id=by_phone[phone_of[n]], account_id=accounts[n])
                for n in numbers
                if phone_of[n] in by_phone
            ]
        )
        today = timezone.localdate()
        LedgerEntry.objects.bulk_create(
            [
                LedgerEntry(
                    account_id=accounts[n],
                    kind=LedgerEntry.Kind.PAYMENT,
                    period=Period.of(today),
                    amount=-Decimal("1234.56"),
                    posted_on=today - dt.timedelta(days=3),
                    reference=f"bench-sms:{n}",
                )
                for n in numbers
                if phone_of[n] in by_phone
            ]
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    phones = []
    for meter in Meter.objects.filter(account__number__in=numbers, status=Meter.Status.ACTIVE).select_related(
        "account"
    ):
        latest = latest_readings(meter)
        values = [latest[zone].value for zone in SMS_ZONES[meter.scheme]]
        phones.append(Phone(phone_of[meter.account.number], meter.account.number, meter.scheme, values))
    phones.sort(key=lambda p: p.number)
    schemes = Counter(p.scheme for p in phones)
    log(f"{len(phones)} phones linked to one account each (schemes {dict(sorted(schemes.items()))}) "
        f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
    return phones


class Stream:
    """Signed webhook bodies in sending order: round after round over every phone."""

    def __init__(self, phones: list[Phone]) -> None:
        self.phones = phones
        self.sent = 0
        self.run = f"{time.time_ns():x}"

    def next_body(self, code: str | None = None) -> tuple[str, bytes]:
        index, round_ = self.sent % len(self.phones), self.sent // len(self.phones)
        phone = self.phones[index]
        code = code or MIX[(index + round_) % len(MIX)]  # every round mixes them; every phone cycles through them
        if code == "001":
            phone.values = [v + 1 + (self.sent + i) % 5 for i, v in enumerate(phone.values)]
            text = "001#" + ";".join(str(v) for v in phone.values)
        else:
            text = code + "#"
        body = json.dumps({"from": phone.number, "text": text, "message_id": f"bench-{self.run}-{self.sent}"})
        self.sent += 1
        return hmac.new(SECRET.encode(), body.encode(), hashlib.sha256).hexdigest(), body.encode()

    def write(self, path: Path, count: int) -> None:
        with path.open("wb") as out:
            for _ in range(count):
                signature, body = self.next_body()
                out.write(signature.encode() + b" " + body + b"\n")


# --- Measurements ---------------------------------------------------------------------------


def queries_per_command(stream: Stream) -> list[Figure]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    figures = []
    for code in ("001", "003", "004"):
        signature, body = stream.next_body(code)
        with CaptureQueriesContext(connection) as queries:
            response = client.post("/sms/inbound", body, content_type="application/json", HTTP_X_SIGNATURE=signature)
        reply = response.json().get("reply", "") if response.status_code == 200 else response.content.decode()
        if response.status_code != 200:
            raise BenchError(f"in-process {code}# answered {response.status_code}: {reply}")
        log(f"queries of {code}#: {len(queries)} ({reply})")
        for query in queries.captured_queries:
            log(f"    {query['sql'][:150]}")
        figures.append(Figure(f"sms_{code}_queries", len(queries), "queries"))
    stream.sent += len(stream.phones) - stream.sent % len(stream.phones)  # the HTTP run starts a new round
    return figures


def inbound_top() -> int:
    from django.db.models import Max

    from channels.models import InboundSms

    return InboundSms.objects.aggregate(top=Max("id"))["top"] or 0


def http_sms(ctx: Context, server: Server, stream: Stream) -> list[Figure]:
    from channels.models import InboundSms

    opts = ctx.options
    bodies = ctx.tmp / "sms-bodies.txt"

    def load(duration: int, count: int) -> Any:
        stream.write(bodies, count)
        return wrk(
            server.base_url + "/",
            threads=opts.threads,
            connections=opts.connections,
            duration=duration,
            script=LUA,
            script_args=[str(bodies), str(opts.threads)],
        )

    log(f"warm-up: sms, {opts.warmup} s")
    warm = load(opts.warmup, max(2000, opts.sms_bodies // 4))
    if warm.errors or set(warm.statuses) - {200}:
        raise BenchError(f"warm-up had failures: statuses {warm.statuses}, errors {warm.errors}\n{warm.output}")
    time.sleep(0.5)
    before = inbound_top()
    log(f"sms: wrk -t{opts.threads} -c{opts.connections} -d{opts.duration}s against {server.description}")
    result = load(opts.duration, opts.sms_bodies)
    time.sleep(0.5)
    rows = InboundSms.objects.filter(id__gt=before)
    answered = rows.count()
    outcomes = Counter(rows.values_list("outcome", flat=True))
    commands = Counter(text[:3] for text in rows.values_list("text", flat=True))
    log(
        f"sms: wrk {result.requests} requests in {result.duration_s:.1f} s ({result.rps:.0f}/s), "
        f"statuses {dict(sorted(result.statuses.items()))}, socket errors {result.socket_errors or 'none'}; "
        f"database: {answered} new inbound SMS, commands {dict(sorted(commands.items()))}, "
        f"outcomes {dict(outcomes.most_common())}; p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms"
    )
    if result.requests > opts.sms_bodies:
        log(f"sms: WARNING the run replayed its {opts.sms_bodies} bodies (repeats are answered from the store)")
    unexpected = {k: v for k, v in outcomes.items() if k not in {"accepted", "info", "payment"}}
    if unexpected:
        log(f"sms: WARNING unexpected outcomes {unexpected}")
    figures = [
        Figure("sms_commands_per_s", answered / result.duration_s, "commands/s"),
        Figure("sms_p99_ms", result.p99_ms, "ms"),
    ]
    if result.errors or unexpected:
        figures.append(Figure("sms_errors", result.errors + sum(unexpected.values()), "requests", "<=0"))
    return figures
