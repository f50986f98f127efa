"""Reads for documents and the money history: the ledger in a date range, months of charges and payments."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from billing.models import ChargeLine, LedgerEntry
from core.money import ZERO, kopecks, money_sum
from core.periods import Period
from customers.models import Account

Kind = LedgerEntry.Kind


@dataclass(frozen=True)
class Statement:
    """A reconciliation statement (акт сверки): the ledger of one account between two dates, inclusive.

    ``debit`` is what increased the debt (charges, recalculations up, penalties), ``credit`` what
    decreased it (payments, credits), both as positive amounts; closing = opening + debit - credit.
    """

    account: Account
    date_from: dt.date
    date_to: dt.date
    opening: Decimal
    entries: list[LedgerEntry]
    debit: Decimal
    credit: Decimal
    closing: Decimal


def statement(account: Account, *, date_from: dt.date, date_to: dt.date) -> Statement:
    ledger = LedgerEntry.objects.filter(account=account)
    opening = money_sum(ledger.filter(posted_on__lt=date_from))
    entries = list(ledger.filter(posted_on__gte=date_from, posted_on__lte=date_to).order_by("posted_on", "id"))
    debit = kopecks(sum((e.amount for e in entries if e.amount > 0), ZERO))
    credit = kopecks(sum((-e.amount for e in entries if e.amount < 0), ZERO))
    return Statement(account, date_from, date_to, opening, entries, debit, credit, kopecks(opening + debit - credit))


def history(account: Account, *, period_from: Period | None, period_to: Period | None) -> list[LedgerEntry]:
    """The account's entries in the bills of the periods (either end open), oldest first."""
    queryset = LedgerEntry.objects.filter(account=account)
    if period_from is not None:
        queryset = queryset.filter(period__gte=period_from)
    if period_to is not None:
        queryset = queryset.filter(period__lte=period_to)
    return list(queryset.order_by("period", "posted_on", "id"))


@dataclass(frozen=True)
class MonthMoney:
    period: Period
    charged: Decimal  # charges, recalculations, penalties, adjustments up
    paid: Decimal  # payments and credits, as a positive amount


def money_by_month(entries: list[LedgerEntry]) -> list[MonthMoney]:
    charged: dict[Period, Decimal] = defaultdict(lambda: ZERO)
    paid: dict[Period, Decimal] = defaultdict(lambda: ZERO)
    for entry in entries:
        if entry.kind == Kind.OPENING:
            continue
        if entry.amount < 0:
            paid[entry.period] += -entry.amount
        else:
            charged[entry.period] += entry.amount
    periods = sorted(set(charged) | set(paid))
    return [MonthMoney(p, kopecks(charged[p]), kopecks(paid[p])) for p in periods]


def billed_volume_by_month(
    account: Account, *, period_from: Period | None, period_to: Period | None
) -> tuple[list[tuple[Period, dict[str, int] | None]], list[str]]:
    """kWh charged per month and zone (the charges' lines, whatever their basis), and the zones seen."""
    lines = ChargeLine.objects.filter(entry__account=account, entry__kind=Kind.CHARGE)
    if period_from is not None:
        lines = lines.filter(entry__period__gte=period_from)
    if period_to is not None:
        lines = lines.filter(entry__period__lte=period_to)
    volumes: dict[Period, dict[str, int]] = {}
    zones: list[str] = []
    for period, zone, volume in lines.values_list("entry__period", "zone", "volume"):
        month = volumes.setdefault(period, {})
        month[zone] = month.get(zone, 0) + volume
        if zone not in zones:
            zones.append(zone)
    order = ["total", "day", "peak", "semipeak", "night"]
    zones.sort(key=order.index)
    return [(p, volumes[p]) for p in sorted(volumes)], zones
