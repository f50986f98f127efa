"""Writes of the billing engine: the close of a period, payments and staff adjustments, the preview.

The close runs in chunks of accounts (``BILLING_CHUNK_SIZE``), each one transaction and one
Celery task: in-process on the embedded default, spread over workers in production. A chunk locks
its accounts, skips those that already have a bill for the period and bills the rest, so running
it twice, in parallel or after a crash changes nothing that is done: the close is idempotent and
resumable. A period is closed once; there is no reopening (bills are immutable, corrections go
into the next period).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import sql
from core.audit import audit
from core.errors import DomainError
from core.money import ZERO, kopecks, money_sum
from core.periods import Period
from customers.models import Account
from metering.models import Meter, Reading

from . import engine, rules
from .models import Bill, BillingRun, ChargeLine, ConsumptionNorm, KeyRate, LedgerEntry, TariffCategory, TariffPrice

Kind = LedgerEntry.Kind

# --- Loading facts ------------------------------------------------------------------------------


def load_tariffs() -> engine.Tariffs:
    prices: dict[tuple[int, int, str], list] = defaultdict(list)
    for category, scheme, zone, valid_from, price, above in TariffPrice.objects.order_by("valid_from").values_list(
        "category_id", "scheme", "zone", "valid_from", "price", "price_above_norm"
    ):
        prices[(category, scheme, zone)].append((valid_from, price, above))
    norms: dict[tuple[int, int], list] = defaultdict(list)
    for category, residents, valid_from, kwh in ConsumptionNorm.objects.order_by("valid_from").values_list(
        "category_id", "residents", "valid_from", "kwh_per_resident"
    ):
        norms[(category, residents)].append((valid_from, kwh))
    return engine.Tariffs(
        prices=dict(prices),
        social_norms={
            pk: norm for pk, norm in TariffCategory.objects.values_list("id", "social_norm_kwh") if norm is not None
        },
        norms=dict(norms),
        key_rates=list(KeyRate.objects.order_by("valid_from").values_list("valid_from", "rate")),
    )


def _submissions(
    rows: Iterable[tuple], periods: Any = None, covers: dict[int, tuple[int, int]] | None = None
) -> dict[int, list[engine.SubmissionFacts]]:
    """(id, meter, zone, value, taken_on, period, state, submission) rows -> submissions per meter.

    ``periods`` turns the rows' period dates into ``Period`` (once per submission); without it the rows
    carry ``Period`` already. A submission is billed when it is stored so, or when ``covers`` (meter
    -> the month number of its account's latest bill and that bill's ``readings_through``) covers it.
    """
    grouped: dict[str, Any] = {}
    for row in rows:  # a submission's row, or the list of its rows (several zones)
        key = row[7]
        found = grouped.get(key)
        if found is None:
            grouped[key] = row
        elif type(found) is list:
            found.append(row)
        else:
            grouped[key] = [found, row]
    result: dict[int, list[engine.SubmissionFacts]] = defaultdict(list)
    billed_state = Reading.State.BILLED.value
    covers = covers or {}
    for parts in grouped.values():
        if type(parts) is list:
            first_id, meter_id, _zone, _value, taken_on, period, state, _submission = parts[0]
            first, last = min(p[0] for p in parts), max(p[0] for p in parts)
            values = {p[2]: p[3] for p in parts}
        else:  # most meters are single-rate: one reading per submission
            first_id, meter_id, zone, value, taken_on, period, state, _submission = parts
            first = last = first_id
            values = {zone: value}
        if periods is not None:
            period = periods[period]
        billed = state == billed_state
        if not billed:
            cover = covers.get(meter_id)
            billed = cover is not None and period.year * 12 + period.month <= cover[0] and last <= cover[1]
        result[meter_id].append(engine.SubmissionFacts(period, taken_on, first, values, billed))
    for subs in result.values():
        if len(subs) > 1:
            subs.sort(key=_submission_key)
    return result


def _submission_key(sub: engine.SubmissionFacts) -> tuple:
    return sub.key


def _settled(subs: Sequence[engine.SubmissionFacts], period: Period) -> bool:
    """Whether the recent readings alone are enough: billed last period, new ones this period only."""
    this = period.year * 12 + period.month  # month numbers: int comparisons, not Period ones
    unbilled = False
    billed_last = False
    for sub in subs:
        month = sub.period.year * 12 + sub.period.month
        if not sub.billed:
            if month != this:
                return False
            unbilled = True
        elif month == this - 1:
            billed_last = True
    return unbilled and billed_last


def _stretch_start(meter: engine.MeterFacts, subs: Sequence[engine.SubmissionFacts], period: Period) -> Period:
    """The first period the meter's readings may change (see ``engine.meter_stretch``)."""
    unbilled = [s.period for s in subs if not s.billed and s.period <= period]
    first_affected = min(unbilled, default=period)
    before = [s for s in subs if s.period < first_affected]
    return before[-1].period + 1 if before else Period.of(meter.installed_on)


# --- Plain SQL of the close -------------------------------------------------------------------
#
# A chunk's facts are read with hand-written SQL into tuples: the ORM's per-row machinery (result
# iterators, converters per value, model field lookups, IN lists of thousands of parameters) cost
# more than the rest of the loading. PostgreSQL gives the Python values as they are (dates, Decimals),
# with id lists as one array parameter; SQLite goes through the ORM's own converters (its dates,
# decimals and aggregates come back as text and floats), so both give what the querysets gave.

_FACT_SQL = {
    # The residents by a lookup per account: for a few thousand accounts a join was planned as a
    # scan of every premise (80 ms a chunk of 5,000 on the bench's million).
    "accounts": """
        SELECT a.id, a.number, a.tariff_category_id,
               (SELECT p.residents FROM customers_premise p WHERE p.id = a.premise_id), a.opened_on
        FROM customers_account a WHERE a.id BETWEEN %s AND %s""",
    "meters": """
        SELECT id, account_id, scheme, digits, transformer_ratio, installed_on, removed_on, next_verification_on
        FROM metering_meter WHERE account_id BETWEEN %s AND %s""",
    # The submission as text: grouping by it needs only equality (a UUID object per row was a third
    # of the time spent loading a chunk's readings).
    "readings": """
        SELECT r.id, r.meter_id, r.zone, r.value, r.taken_on, r.period, r.state, CAST(r.submission AS text)
        FROM metering_reading r
        WHERE {meters} AND r.state IN (%s, %s) AND r.period <= %s{recent}""",
    "bills": "SELECT account_id, period FROM billing_bill WHERE {accounts} AND period >= %s",
    # Each account's latest bill, for which of its readings are billed: most have one for last period.
    "latest_bills": """
        SELECT account_id, period, readings_through FROM billing_bill
        WHERE account_id BETWEEN %s AND %s AND period >= %s""",
    "older_bills": """
        SELECT b.account_id, b.period, b.readings_through FROM billing_bill b
        WHERE {accounts} AND b.period = (SELECT MAX(c.period) FROM billing_bill c WHERE c.account_id = b.account_id)""",
    "lines": """
        SELECT e.account_id, e.for_period, l.meter_id, l.zone, l.basis, l.tier, l.date_from, l.date_to,
               l.volume, l.price, l.amount
        FROM billing_chargeline l JOIN billing_ledgerentry e ON e.id = l.entry_id
        WHERE {accounts} AND e.for_period >= %s AND e.for_period < %s
        ORDER BY e.account_id, e.period, e.id, l.id""",
    "opening": """
        SELECT account_id, SUM(amount), SUM(CASE WHEN kind <> %s THEN amount END)
        FROM billing_ledgerentry WHERE account_id BETWEEN %s AND %s AND period < %s GROUP BY account_id""",
    "movements": """
        SELECT account_id, kind, posted_on, amount FROM billing_ledgerentry
        WHERE account_id BETWEEN %s AND %s AND period = %s ORDER BY id""",
    "debts": """
        SELECT account_id, period, SUM(amount) FROM billing_ledgerentry
        WHERE account_id BETWEEN %s AND %s AND period >= %s AND period < %s AND kind NOT IN (%s, %s)
        GROUP BY account_id, period ORDER BY account_id, period""",
}

# What the ORM would convert in each query's columns (SQLite), by position: dates, decimals and sums
# of decimals. Ids, texts and periods (which the loader turns into ``Period`` itself) stay as they are.
_FACT_FIELDS: dict[str, dict[int, tuple[Any, str]]] = {
    "accounts": {4: (Account, "opened_on")},
    "meters": {5: (Meter, "installed_on"), 6: (Meter, "removed_on"), 7: (Meter, "next_verification_on")},
    "readings": {4: (Reading, "taken_on")},
    "bills": {},
    "latest_bills": {},
    "older_bills": {},
    "lines": {
        6: (ChargeLine, "date_from"),
        7: (ChargeLine, "date_to"),
        9: (ChargeLine, "price"),
        10: (ChargeLine, "amount"),
    },
    "opening": {1: (LedgerEntry, "amount"), 2: (LedgerEntry, "amount")},
    "movements": {2: (LedgerEntry, "posted_on"), 3: (LedgerEntry, "amount")},
    "debts": {2: (LedgerEntry, "amount")},
}


def _fact_rows(name: str, params: Sequence[Any], ids: Sequence[int] = (), **parts: str) -> list[tuple]:
    """The rows of one of the loader's queries; ``ids`` fill its ``{accounts}`` or ``{meters}`` list
    (account or meter ids), which comes first among its parameters."""
    query = _FACT_SQL[name]
    listed = next((key for key in _ID_COLUMNS if "{" + key + "}" in query), None)
    pieces = list(_id_lists(_ID_COLUMNS[listed], ids)) if listed else [("", [])]
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        for clause, id_params in pieces:
            if listed:
                parts[listed] = clause
            cursor.execute(query.format(**parts), [*id_params, *params])
            rows += cursor.fetchall()
    if connection.vendor == "postgresql":
        return rows
    converters = {index: _converter(*field) for index, field in _FACT_FIELDS[name].items()}
    return [tuple(converters[i](v) if i in converters else v for i, v in enumerate(row)) for row in rows]


_ID_COLUMNS = {"accounts": "account_id", "meters": "r.meter_id"}


def _id_lists(column: str, ids: Sequence[int]) -> Iterator[tuple[str, list[Any]]]:
    """``column = ANY(array)`` on PostgreSQL (one parameter); ``IN (...)`` lists within SQLite's limit."""
    if connection.vendor == "postgresql":
        yield f"{column} = ANY(%s)", [list(ids)]
        return
    size = (connection.features.max_query_params or 999) - 10
    for start in range(0, len(ids), size):
        part = list(ids[start : start + size])
        yield f"{column} IN (" + ", ".join(["%s"] * len(part)) + ")", part


def _converter(model: Any, name: str) -> Any:
    """The ORM's conversion of a raw value of this field (``None`` stays ``None``)."""
    columns = sql.columns(model, "t", [model._meta.get_field(name).attname])
    return lambda value: columns.values((value,))[0]


class _Periods(dict):
    """Dates of a period column -> ``Period`` (a handful per chunk)."""

    def __missing__(self, day: Any) -> Period | None:
        if day is None:
            return None
        if isinstance(day, str):  # SQLite
            day = dt.date.fromisoformat(day[:10])
        period = self[day] = Period.of(day)
        return period


def load_facts(account_ids: Sequence[int], period: Period, *, complete: bool = False) -> dict[int, engine.AccountFacts]:
    """Everything ``engine.bill_account`` needs for these accounts, in a handful of set-based queries.

    Most meters were billed last period and have a new reading this period: for them the last two
    periods' readings are enough. The others (missing or late readings) get their whole history and
    what was posted for the periods their readings may revise. ``complete`` loads everything for all.

    Which readings are billed is told by each account's latest bill (see ``billing.selectors``); the
    recent readings are those of the last two periods and those no bill of last period covers, so a
    meter whose account has no bill for last period gets its whole history too.
    """
    if not account_ids:
        return {}
    low, high = min(account_ids), max(account_ids)
    wanted = set(account_ids)
    periods = _Periods()
    first_day = period.first_day
    facts: dict[int, engine.AccountFacts] = {}
    for pk, number, category, residents, opened_on in _fact_rows("accounts", [low, high]):
        if pk in wanted:
            facts[pk] = engine.AccountFacts(pk, number, category, residents, opened_on)

    meters: dict[int, engine.MeterFacts] = {}
    meter_account: dict[int, int] = {}
    for pk, account_id, scheme, digits, ratio, installed, removed, verification in _fact_rows("meters", [low, high]):
        if account_id in facts:
            meters[pk] = engine.MeterFacts(pk, scheme, digits, ratio, installed, removed, verification)
            meter_account[pk] = account_id
            facts[account_id].meters.append(meters[pk])

    latest: dict[int, tuple[Period, int | None]] = {}  # account -> its latest bill's period, readings_through
    previous = period - 1
    for account_id, bill_period, through in _fact_rows("latest_bills", [low, high, previous.first_day]):
        if account_id in facts:
            bill_period = periods[bill_period]
            if account_id not in latest or bill_period > latest[account_id][0]:
                latest[account_id] = (bill_period, through)
    older = [pk for pk in facts if pk not in latest]
    if older:
        for account_id, bill_period, through in _fact_rows("older_bills", [], ids=older):
            latest[account_id] = (periods[bill_period], through)
    covers = {}
    for meter_id, account_id in meter_account.items():
        found = latest.get(account_id)
        if found is not None and found[1] is not None:
            covers[meter_id] = (found[0].year * 12 + found[0].month, found[1])
    recent_accounts = {pk for pk, (bill_period, _through) in latest.items() if bill_period == previous}
    # Below the lowest readings_through of last period's bills, every accepted reading of an earlier
    # period is covered (for the accounts billed last period); a bill without one: every accepted reading.
    covered_below = min((latest[pk][1] or 0 for pk in recent_accounts), default=0)

    accepted, billed = Reading.State.ACCEPTED.value, Reading.State.BILLED.value

    def readings(
        meter_ids: Sequence[int], recent: str = "", params: Sequence[Any] = ()
    ) -> dict[int, list[engine.SubmissionFacts]]:
        # By the meters' ids, not by a join on the accounts' range: for a range the planner's
        # estimate grows with the chunk, and from about 10,000 accounts it read the whole table
        # (1.5 s instead of 0.07 s); an id list is always looked up in the readings' index.
        if not meter_ids:
            return {}
        rows = _fact_rows("readings", [accepted, billed, first_day, *params], ids=meter_ids, recent=recent)
        return _submissions(rows, periods, covers)

    if complete:
        subs = readings(list(meters))
    else:
        subs = readings(
            list(meters),
            " AND (r.period >= %s OR (r.state = %s AND r.id > %s))",
            [previous.first_day, accepted, covered_below],
        )
    history_needed = [
        m
        for m in meters
        if complete or meter_account[m] not in recent_accounts or not _settled(subs.get(m, []), period)
    ]
    if history_needed and not complete:  # the rest of their history: what the recent readings left out
        rest = readings(
            history_needed,
            " AND r.period < %s AND (r.state <> %s OR r.id <= %s)",
            [previous.first_day, accepted, covered_below],
        )
        for meter_id, meter_subs in rest.items():
            merged = subs[meter_id] = meter_subs + subs.get(meter_id, [])
            merged.sort(key=_submission_key)
    for meter_id, meter_subs in subs.items():
        facts[meter_account[meter_id]].submissions[meter_id] = meter_subs

    # What may be revised: lines posted for periods the irregular meters' readings reach back to.
    starts: dict[int, Period] = {}
    for meter_id in history_needed:
        start = _stretch_start(meters[meter_id], subs.get(meter_id, []), period)
        if start < period:
            account_id = meter_account[meter_id]
            starts[account_id] = min(start, starts.get(account_id, start))
    if starts:
        since = min(starts.values()).first_day
        for account_id, billed_period in _fact_rows("bills", [since], ids=list(starts)):
            facts[account_id].billed_periods.add(periods[billed_period])
        for line in _fact_rows("lines", [since, first_day], ids=list(starts)):
            for_period = periods[line[1]]
            assert for_period is not None  # charge and recalculation entries always have one
            facts[line[0]].posted.setdefault(for_period, []).append(engine.PostedLine(*line[2:]))

    # Money: balances before the period, this period's movements, recent bills' debts.
    for account_id, total, base in _fact_rows("opening", [Kind.PENALTY.value, low, high, first_day]):
        if account_id in facts:
            account = facts[account_id]
            account.opening_total, account.opening_base = kopecks(total), kopecks(base or 0)
    for account_id, kind, posted_on, amount in _fact_rows("movements", [low, high, first_day]):
        if account_id in facts:
            facts[account_id].movements.append((kind, posted_on, amount))
    debtors = {pk for pk, f in facts.items() if f.opening_base > 0 or any(m[2] > 0 for m in f.movements)}
    if debtors:
        # By the range, like the queries above: after a close nearly every account owes its last bill.
        excluded = [Kind.PAYMENT.value, Kind.PENALTY.value]
        due: dict[Any, dt.date] = {}  # the due date of each bill's period, worked out once
        for account_id, debt_period, amount in _fact_rows(
            "debts", [low, high, (period - 6).first_day, first_day, *excluded]
        ):
            if account_id in debtors:
                if debt_period not in due:
                    due[debt_period] = rules.due_date(periods[debt_period])
                facts[account_id].debts.append(rules.Debt(due[debt_period], kopecks(amount)))
    return facts


# --- The close of a period ----------------------------------------------------------------------


def billable_accounts(period: Period):
    return Account.objects.filter(status=Account.Status.ACTIVE, opened_on__lte=period.last_day)


def unbilled_accounts(period: Period):
    return billable_accounts(period).exclude(bills__period=period)


@transaction.atomic
def start_close(*, period: Period, actor: Any = None, today: dt.date | None = None) -> tuple[BillingRun, bool]:
    """Open (or resume) the close of ``period``; returns the run and whether it was created now."""
    today = today or timezone.localdate()
    if today <= period.last_day:
        raise DomainError(
            "period_not_over",
            _("Период %(period)s ещё не закончился: закрыть его можно с %(date)s.")
            % {"period": period.label, "date": f"{(period + 1).first_day:%d.%m.%Y}"},
        )
    run = BillingRun.objects.select_for_update().filter(period=period).first()
    if run is not None:
        if run.state == BillingRun.State.CLOSED:
            raise DomainError(
                "period_closed",
                _("Период %(period)s уже закрыт: счета выставлены, исправления попадут в следующий период.")
                % {"period": period.label},
            )
        return run, False
    later = BillingRun.objects.filter(period__gt=period).order_by("period").first()
    if later is not None:
        raise DomainError(
            "later_period_closed",
            _("Уже закрыт более поздний период (%(later)s): период %(period)s закрыть нельзя.")
            % {"later": later.period.label, "period": period.label},
        )
    if (
        BillingRun.objects.exists()
        and not BillingRun.objects.filter(period=period - 1, state=BillingRun.State.CLOSED).exists()
    ):
        raise DomainError(
            "previous_not_closed",
            _("Сначала закройте предыдущий период (%(previous)s).") % {"previous": (period - 1).label},
        )
    try:
        with transaction.atomic():
            run = BillingRun.objects.create(
                period=period,
                accounts_total=billable_accounts(period).count(),
                started_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
    except IntegrityError:  # started at the same moment elsewhere: resume that one
        return BillingRun.objects.get(period=period), False
    audit(
        "billing.close_started", actor=actor, obj=run, changes={"period": str(period), "accounts": run.accounts_total}
    )
    return run, True


def chunks(period: Period, size: int | None = None) -> list[tuple[int, int]]:
    """Ranges of account ids (inclusive) still to bill, ``size`` accounts each."""
    return list(iter_chunks(period, size))


def iter_chunks(period: Period, size: int | None = None) -> Iterator[tuple[int, int]]:
    """The ranges of :func:`chunks`, the first as soon as its ids are read: the workers start on it
    while the rest (one query, read as it streams) are counted off."""
    size = size or settings.BILLING_CHUNK_SIZE
    accounts = unbilled_accounts(period).order_by("pk").values_list("pk", flat=True)
    first = list(accounts[:size])
    if not first:
        return
    yield (first[0], first[-1])
    if len(first) < size:
        return
    batch: list[int] = []
    for pk in accounts.filter(pk__gt=first[-1]).iterator(chunk_size=10000):
        batch.append(pk)
        if len(batch) == size:
            yield (batch[0], batch[-1])
            batch = []
    if batch:
        yield (batch[0], batch[-1])


@dataclass
class ChunkResult:
    billed: int
    skipped: int
    failures: dict[str, str]


def close_accounts(run: BillingRun, first_id: int, last_id: int) -> ChunkResult:
    """Bill every account with an id in the range that has no bill for the run's period yet."""
    tariffs = load_tariffs()
    with _collector_paused():
        billed, skipped, failures, billed_numbers = _bill_chunk(run, first_id, last_id, tariffs)
    if failures or run.failures:
        with transaction.atomic():
            locked = BillingRun.objects.select_for_update().get(pk=run.pk)
            merged = {n: m for n, m in locked.failures.items() if n not in billed_numbers}
            merged.update(failures)
            locked.failures = merged
            locked.save(update_fields=["failures"])
    return ChunkResult(billed, skipped, failures)


def _bill_chunk(
    run: BillingRun, first_id: int, last_id: int, tariffs: engine.Tariffs
) -> tuple[int, int, dict[str, str], set[str]]:
    """The chunk's transaction: (accounts billed, skipped, failures, numbers billed).

    Its facts and bills are this function's own, so they are gone (freed by reference counting)
    before the collector runs again (see ``_collector_paused``).
    """
    period = run.period
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # A chunk's queries each read a few thousand rows by index: parallel workers (processes
            # started per query) cost more CPU than they save, and the close already has a worker per core.
            # The commit does not wait for its WAL to reach the disk: a chunk lost in a server crash is
            # lost whole (one transaction), and the close bills its accounts again when resumed; the
            # run's own commits stay synchronous, and each one makes every earlier chunk durable too.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
                cursor.execute("SET LOCAL synchronous_commit = off")
        ids = list(
            billable_accounts(period)
            .filter(pk__range=(first_id, last_id))
            .select_for_update()
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        done = set(
            Bill.objects.filter(period=period, account__id__range=(first_id, last_id)).values_list(
                "account_id", flat=True
            )
        )
        todo = [pk for pk in ids if pk not in done]
        # After the accounts' locks: every reading of theirs up to this id is committed and is read
        # below, every later one gets a higher id (see ``billing.selectors``).
        through = Reading.objects.aggregate(highest=models.Max("id"))["highest"]
        facts = load_facts(todo, period)
        bills: list[tuple[engine.AccountFacts, engine.AccountBill]] = []
        failures: dict[str, str] = {}
        for pk in todo:
            try:
                bills.append((facts[pk], engine.bill_account(facts[pk], period, tariffs)))
            except DomainError as error:
                failures[facts[pk].number] = error.message
        _write(run, bills, through)
    billed_numbers = {f.number for f, _ in bills} if failures or run.failures else set()
    return len(bills), len(done), failures, billed_numbers


# Columns the close writes; the others keep their defaults (NULL: no reference, nobody entered it).
ENTRY_FIELDS = ("account_id", "kind", "period", "for_period", "amount", "posted_on", "created_at", "reason", "run_id")
LINE_FIELDS = (
    "entry_id", "meter_id", "zone", "basis", "tier", "date_from", "date_to", "previous_value", "current_value",
    "volume", "price", "amount",
)  # fmt: skip
BILL_FIELDS = (
    "account_id", "period", "number", "run_id", "issued_at", "due_on", "opening_balance", "charged", "recalculated",
    "penalties", "paid", "adjusted", "closing_balance", "vat", "vat_rate", "readings_through",
)  # fmt: skip


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a chunk is billed.

    A chunk makes some hundred thousand small objects (facts, lines, rows); the collector ran over
    them again and again, a fifth of the chunk's CPU time (measured on the bench). They are freed by
    reference counting as usual, before the collector is on again (``_bill_chunk`` holds them):
    otherwise its first run after the chunk scanned them all once more. The few cycles left are
    collected after the chunk, and the chunk's size bounds what waits for it.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _write(
    run: BillingRun, bills: Sequence[tuple[engine.AccountFacts, engine.AccountBill]], readings_through: int | None
) -> None:
    """Post the chunk's ledger entries, their lines and the bills (which cover the readings up to
    ``readings_through``: nothing is written to the readings, see ``billing.selectors``).

    Rows are plain tuples. On PostgreSQL they go in by COPY, several times faster than INSERT for a
    chunk's thousands of rows (no SQL text, parameters or model instances per row); the entries' ids
    are drawn from their sequence first so the lines can point at them. Elsewhere (SQLite, the
    embedded default) ``bulk_create``.
    """
    period = run.period
    copy = connection.vendor == "postgresql"
    # COPY takes text: the timestamp and the few dates every row of the chunk shares are formatted
    # once instead of per value (half of psycopg's formatting of a bill's row).
    day: Any = _IsoDays() if copy else _SameDays()
    first_day, posted_on = day[period.first_day], day[period.last_day]
    number_prefix = f"{period.year}{period.month:02d}"
    now = timezone.now()
    stamp = now.isoformat() if copy else now
    entries: list[tuple] = []
    lines: list[tuple[int, engine.LineDraft]] = []  # (index of the entry in ``entries``, line)
    documents: list[tuple] = []
    for facts, bill in bills:
        for draft in bill.entries:
            if draft.lines:
                index = len(entries)
                lines += [(index, line) for line in draft.lines]
            entries.append(
                (facts.id, draft.kind, first_day, day[draft.for_period.first_day], draft.amount, posted_on, stamp, "",
                 run.pk)
            )  # fmt: skip
        charged, recalculated, penalties, closing, vat = bill.figures()
        documents.append(
            (facts.id, first_day, number_prefix + facts.number, run.pk, stamp, day[bill.due_on], bill.opening_total,
             charged, recalculated, penalties, bill.paid, bill.adjusted, closing, vat, bill.vat_rate, readings_through)
        )  # fmt: skip
    if copy:
        ids = _next_ids(LedgerEntry, len(entries))
        _copy(LedgerEntry, ("id", *ENTRY_FIELDS), [(pk, *row) for pk, row in zip(ids, entries, strict=True)])
    else:
        created = LedgerEntry.objects.bulk_create(
            [LedgerEntry(**dict(zip(ENTRY_FIELDS, row, strict=True))) for row in entries], batch_size=1000
        )
        ids = [entry.pk for entry in created]
    line_rows = [
        (ids[index], x.meter_id, x.zone, x.basis, x.tier, day[x.date_from], day[x.date_to], x.previous_value,
         x.current_value, x.volume, x.price, x.amount)
        for index, x in lines
    ]  # fmt: skip
    if copy:
        _copy(ChargeLine, LINE_FIELDS, line_rows)
        _copy(Bill, BILL_FIELDS, documents)
        return
    ChargeLine.objects.bulk_create(
        [ChargeLine(**dict(zip(LINE_FIELDS, row, strict=True))) for row in line_rows], batch_size=1000
    )
    Bill.objects.bulk_create([Bill(**dict(zip(BILL_FIELDS, row, strict=True))) for row in documents], batch_size=1000)


class _IsoDays(dict):
    """Dates -> their ISO text, each formatted once (COPY)."""

    def __missing__(self, day: dt.date) -> str:
        text = self[day] = day.isoformat()
        return text


class _SameDays:
    """Dates as they are (``bulk_create``)."""

    def __getitem__(self, day: dt.date) -> dt.date:
        return day


def _next_ids(model: Any, count: int) -> list[int]:
    """``count`` new primary keys from the table's sequence (PostgreSQL), as an INSERT would take them."""
    if not count:
        return []
    with connection.cursor() as cursor:
        # One array, not a row per id: a chunk's ten thousand rows were most of this call's time.
        cursor.execute(
            "SELECT array_agg(nextval(pg_get_serial_sequence(%s, 'id'))) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return cursor.fetchone()[0]


def _copy(model: Any, fields: Sequence[str], rows: Sequence[tuple]) -> None:
    """COPY rows (values in the order of ``fields``) into the model's table (PostgreSQL, psycopg 3).

    Dates and timestamps come as ISO text (see ``_write``); every column's type is declared once, so
    psycopg does not look a dumper up for each of a chunk's hundred thousand values.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    found = [model._meta.get_field(name) for name in fields]
    columns = ", ".join(quote(field.column) for field in found)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            copy.set_types([_copy_type(field) for field in found])
            for row in rows:
                copy.write_row(row)


def _copy_type(field: Any) -> str:
    """The type ``_copy`` declares for a column: text for dates and timestamps (``_write`` formats them),
    the column's own type without its modifiers otherwise (``numeric(14,2)`` -> ``numeric``)."""
    if isinstance(field, models.DateField):  # DateTimeField and PeriodField are DateFields too
        return "text"
    return field.db_type(connection).split("(")[0]


def finish_if_complete(run: BillingRun, *, actor: Any = None) -> bool:
    """Mark the run closed once every billable account has its bill; True when it is (now or before)."""
    with transaction.atomic():
        run = BillingRun.objects.select_for_update().get(pk=run.pk)
        if run.state == BillingRun.State.CLOSED:
            return True
        if not _everything_billed(run.period):
            return False
        run.state = BillingRun.State.CLOSED
        run.finished_at = timezone.now()
        run.failures = {}
        run.save(update_fields=["state", "finished_at", "failures"])
        audit(
            "billing.close_finished",
            actor=actor,
            obj=run,
            changes={"period": str(run.period), "bills": progress(run)[0]},
        )
    return True


def _everything_billed(period: Period) -> bool:
    """Whether every billable account has its bill for the period.

    Asked after every chunk, so it must stay cheap while the close runs. Chunks are handed out from
    the lowest account ids, so the highest one is billed last: while it has no bill the answer is
    "no" after two index lookups. Only then the full check, and as a count: a NOT EXISTS with LIMIT 1
    (``exists()``) let the planner, whose statistics do not know this period's bills yet, probe the
    accounts one by one against a scan of all bills, which took up to 30 s per chunk on the bench's
    100,000 accounts; a count is planned as one hash anti-join over the accounts and bills.
    """
    top = billable_accounts(period).order_by("-pk").values_list("pk", flat=True).first()
    if top is not None and not Bill.objects.filter(account_id=top, period=period).exists():
        return False
    return unbilled_accounts(period).count() == 0


def progress(run: BillingRun) -> tuple[int, int]:
    """(bills issued, accounts to bill) for a progress bar."""
    return Bill.objects.filter(period=run.period).count(), run.accounts_total


def close_period(*, period: Period, actor: Any = None, today: dt.date | None = None) -> BillingRun:
    """Start or resume the close and hand its chunks to the workers (in-process on the embedded default)."""
    from .tasks import close_chunk

    run, _created = start_close(period=period, actor=actor, today=today)
    ranges = iter_chunks(period)
    first = next(ranges, None)
    if first is None:
        finish_if_complete(run, actor=actor)
    else:
        close_chunk.delay(run.pk, *first)  # the workers begin while the other ranges are counted off
        for first_id, last_id in list(ranges):
            close_chunk.delay(run.pk, first_id, last_id)
    run.refresh_from_db()
    return run


# --- Money movements outside the close ----------------------------------------------------------


def open_period_for(account: Account, day: dt.date) -> Period:
    """The bill a movement on ``day`` belongs to: its month, or the next one without a bill yet."""
    period = Period.of(day)
    issued = set(Bill.objects.filter(account=account, period__gte=period).values_list("period", flat=True))
    while period in issued:
        period += 1
    return period


def post_payment(
    *, account: Account, amount: Decimal, paid_on: dt.date, reference: str, actor: Any = None, reason: str = ""
) -> tuple[LedgerEntry, bool]:
    """Record a confirmed payment once per reference; returns the entry and whether it is new."""
    amount = kopecks(amount)
    if amount <= 0:
        raise DomainError("amount_not_positive", _("Сумма платежа должна быть больше нуля."), field="amount")
    with transaction.atomic():
        Account.objects.select_for_update().filter(pk=account.pk).first()
        existing = LedgerEntry.objects.filter(reference=reference).first()
        if existing is not None:
            if existing.account_id != account.pk or existing.amount != -amount:
                raise DomainError(
                    "reference_conflict",
                    _("Платёж %(reference)s уже учтён с другой суммой или на другом счёте.") % {"reference": reference},
                )
            return existing, False
        entry = LedgerEntry.objects.create(
            account=account,
            kind=Kind.PAYMENT,
            period=open_period_for(account, paid_on),
            amount=-amount,
            posted_on=paid_on,
            reference=reference,
            reason=reason,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit(
            "billing.payment",
            actor=actor,
            account=account,
            obj=entry,
            changes={"amount": str(amount), "reference": reference, "period": str(entry.period)},
        )
    return entry, True


def post_adjustment(
    *, account: Account, amount: Decimal, reason: str, actor: Any, day: dt.date | None = None, opening: bool = False
) -> LedgerEntry:
    """A staff correction of the balance (or an opening balance taken over), with its reason, audited."""
    amount = kopecks(amount)
    if not reason.strip():
        raise DomainError("reason_required", _("Укажите основание корректировки."), field="reason")
    if amount == 0:
        raise DomainError("amount_zero", _("Сумма корректировки не может быть нулевой."), field="amount")
    day = day or timezone.localdate()
    with transaction.atomic():
        Account.objects.select_for_update().filter(pk=account.pk).first()
        entry = LedgerEntry.objects.create(
            account=account,
            kind=Kind.OPENING if opening else Kind.ADJUSTMENT,
            period=open_period_for(account, day),
            amount=amount,
            posted_on=day,
            reason=reason.strip(),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit(
            "billing.adjustment",
            actor=actor,
            account=account,
            obj=entry,
            changes={"amount": str(amount), "kind": entry.kind, "period": str(entry.period)},
            reason=entry.reason,
        )
    return entry


# --- Preview of typed readings ------------------------------------------------------------------


@dataclass
class ChargePreview:
    period: Period
    lines: list[engine.LineDraft]
    recalculations: list[engine.EntryDraft]
    balance: Decimal  # now, before this charge: above zero a debt, below an overpayment

    @property
    def charge(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def recalculated(self) -> Decimal:
        return sum((entry.amount for entry in self.recalculations), ZERO)

    @property
    def to_pay(self) -> Decimal:
        return max(self.balance + self.charge + self.recalculated, ZERO)


def preview_charge(*, meter: Meter, period: Period, taken_on: dt.date, values: dict[str, int]) -> ChargePreview:
    """What the close of ``period`` would charge for this meter if these readings were accepted."""
    account = meter.account
    facts = load_facts([account.pk], period, complete=True)[account.pk]
    typed = engine.SubmissionFacts(period, taken_on, 2**62, dict(values), billed=False)
    facts.submissions[meter.pk] = [*facts.submissions.get(meter.pk, []), typed]
    bill = engine.bill_account(facts, period, load_tariffs(), penalties=False)
    lines = [line for e in bill.entries if e.kind == Kind.CHARGE for line in e.lines if line.meter_id == meter.pk]
    recalculations = []
    for entry in bill.entries:
        mine = [line for line in entry.lines if line.meter_id == meter.pk]
        if entry.kind == Kind.RECALCULATION and mine:
            recalculations.append(
                engine.EntryDraft(entry.kind, entry.for_period, sum((x.amount for x in mine), ZERO), mine)
            )
    balance = money_sum(LedgerEntry.objects.filter(account=account))
    return ChargePreview(period, lines, recalculations, balance)
