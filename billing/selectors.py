"""Reads of money for pages and the API: balance, bills, a bill's lines, the penalty forecast; and
which readings the bills have taken into account."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Prefetch, Q, QuerySet

from core import sql
from core.money import ZERO, kopecks, money_sum
from core.periods import Period
from customers.models import Account
from metering.models import Reading

from . import rules
from .models import Bill, ChargeLine, KeyRate, LedgerEntry

Kind = LedgerEntry.Kind

# --- Which readings are billed ------------------------------------------------------------------
#
# A close writes nothing to the readings it bills. A reading is billed once its account has a bill,
# for the reading's period or a later one, whose ``readings_through`` is at least the reading's id:
# the close records there the highest reading id when it billed the account. Readings taken over
# already billed (history from a previous system, bills issued before ``readings_through``) keep
# the stored state BILLED.
#
# Why this holds: every write of readings locks the account's row (``metering.services``), and so
# does a close's chunk before it reads the readings and that highest id. So every reading of the
# account with a lower id was committed and read by the chunk (its period up to the bill's: used;
# a later one: not covered), and every reading written afterwards gets a higher id. Later bills
# record higher ids, so an account's latest bill covers whatever an earlier one did. The rule is
# written three times, for three kinds of reader, and tests/billing/test_billed_readings.py checks
# that they agree: as an ORM expression (pages), as SQL (the hot path of a submission) and in
# ``billing.services.load_facts`` (the close and the preview, from each account's latest bill).


def covered_by_bill() -> Exists:
    """Whether a bill took the reading into account (for a queryset of readings)."""
    return Exists(
        Bill.objects.filter(
            account_id=OuterRef("meter__account_id"),
            period__gte=OuterRef("period"),
            readings_through__gte=OuterRef("pk"),
        )
    )


def with_billed(readings: QuerySet[Reading]) -> QuerySet[Reading]:
    """The readings, each with ``billed``: stored as billed, or accepted and taken into a bill."""
    billed = Q(state=Reading.State.BILLED) | (Q(state=Reading.State.ACCEPTED) & covered_by_bill())
    return readings.annotate(billed=ExpressionWrapper(billed, output_field=BooleanField()))


def as_shown(readings: QuerySet[Reading], limit: int | None = None) -> list[Reading]:
    """The (first ``limit``) readings with the state a customer sees: an accepted reading a bill
    took into account is "billed"."""
    rows: list[Any] = list(with_billed(readings)[:limit])  # with the annotation ``billed``
    for row in rows:
        if row.billed:
            row.state = Reading.State.BILLED
    return rows


def covered_sql(reading: str, account_id: str) -> str:
    """``covered_by_bill`` as SQL, for the reading aliased ``reading`` of the account ``account_id``
    (an SQL expression)."""
    return (
        f"EXISTS (SELECT 1 FROM {sql.table(Bill)} b WHERE b.{sql.column(Bill, 'account')} = {account_id}"
        f" AND b.{sql.column(Bill, 'period')} >= {reading}.{sql.column(Reading, 'period')}"
        f" AND b.{sql.column(Bill, 'readings_through')} >= {reading}.{sql.column(Reading, 'id')})"
    )


def balance(account: Account) -> Decimal:
    """Above zero: the debt; below zero: the overpayment (advance). Everything posted, now."""
    return money_sum(LedgerEntry.objects.filter(account=account))


@dataclass(frozen=True)
class PenaltyForecast:
    starts_on: dt.date  # the first day a penalty accrues if nothing is paid
    per_day: Decimal  # on that day, in roubles (exact)
    by_date: dt.date
    total: Decimal  # accrued from tomorrow to ``by_date``, in kopecks


def penalty_forecast(account: Account, *, today: dt.date, days: int = 45) -> PenaltyForecast | None:
    """The penalty that will accrue over the next ``days`` if the debt is not paid (None: none will)."""
    rows = list(LedgerEntry.objects.filter(account=account).values_list("kind", "period", "amount"))
    base = kopecks(sum((amount for kind, _, amount in rows if kind != Kind.PENALTY), ZERO))
    if base <= 0:
        return None
    per_period: dict[Period, Decimal] = defaultdict(lambda: ZERO)
    for kind, period, amount in rows:
        if kind not in (Kind.PAYMENT, Kind.PENALTY):
            per_period[period] += amount
    forecast = rules.penalty_days(
        first_day=today + dt.timedelta(days=1),
        last_day=today + dt.timedelta(days=days),
        opening=base,
        movements=[],
        debts=[rules.Debt(rules.due_date(period), amount) for period, amount in per_period.items()],
        key_rates=list(KeyRate.objects.order_by("valid_from").values_list("valid_from", "rate")),
    )
    if not forecast:
        return None
    last = today + dt.timedelta(days=days)
    return PenaltyForecast(forecast[0].day, forecast[0].amount, last, kopecks(sum(d.amount for d in forecast)))


def last_bill(account: Account) -> Bill | None:
    return Bill.objects.filter(account=account).order_by("-period").first()


def bills(account: Account, *, period_from: Period | None = None, period_to: Period | None = None) -> list[Bill]:
    queryset = Bill.objects.filter(account=account).order_by("-period")
    if period_from is not None:
        queryset = queryset.filter(period__gte=period_from)
    if period_to is not None:
        queryset = queryset.filter(period__lte=period_to)
    return list(queryset)


@dataclass
class BillDetail:
    bill: Bill
    charge_lines: list[ChargeLine] = field(default_factory=list)
    recalculations: list[LedgerEntry] = field(default_factory=list)
    payments: list[LedgerEntry] = field(default_factory=list)
    adjustments: list[LedgerEntry] = field(default_factory=list)
    penalties: list[LedgerEntry] = field(default_factory=list)


def bill_detail(account: Account, period: Period) -> BillDetail | None:
    """The bill of a period with everything it lists, in three queries."""
    return bill_details([account.pk], period).get(account.pk)


# Accounts per round of bill_details' queries: SQLite's limit of parameters in a statement.
BILL_DETAILS_BATCH = 500


def bill_details(account_ids: Sequence[int], period: Period) -> dict[int, BillDetail]:
    """``bill_detail`` of many accounts at once (mass printing, e-bills): three queries per 500 accounts.

    Accounts without a bill for the period are left out.
    """
    details: dict[int, BillDetail] = {}
    ids = list(account_ids)
    for start in range(0, len(ids), BILL_DETAILS_BATCH):
        found = {
            bill.account_id: BillDetail(bill)
            for bill in Bill.objects.filter(account_id__in=ids[start : start + BILL_DETAILS_BATCH], period=period)
        }
        if not found:
            continue
        entries = (
            LedgerEntry.objects.filter(account_id__in=list(found), period=period)
            .order_by("account_id", "kind", "for_period", "posted_on", "id")
            .prefetch_related(Prefetch("lines", queryset=ChargeLine.objects.select_related("meter")))
        )
        for entry in entries:
            detail = found[entry.account_id]
            if entry.kind == Kind.CHARGE:
                detail.charge_lines.extend(entry.lines.all())
            elif entry.kind == Kind.RECALCULATION:
                detail.recalculations.append(entry)
            elif entry.kind == Kind.PAYMENT:
                detail.payments.append(entry)
            elif entry.kind == Kind.PENALTY:
                detail.penalties.append(entry)
            else:
                detail.adjustments.append(entry)
        details.update(found)
    return details


def movements(account: Account, *, since: Period) -> list[LedgerEntry]:
    """Entries from a period on, newest first: the account's history of charges and payments."""
    return list(LedgerEntry.objects.filter(account=account, period__gte=since).order_by("-period", "-posted_on", "-id"))
