"""Reads of money for pages and the API: balance, bills, a bill's lines, the penalty forecast."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch

from core.money import ZERO, kopecks, money_sum
from core.periods import Period
from customers.models import Account

from . import rules
from .models import Bill, ChargeLine, KeyRate, LedgerEntry

Kind = LedgerEntry.Kind


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
