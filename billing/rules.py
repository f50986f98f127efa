"""Pure billing rules: due dates, rates in force, splits of volumes, averages and penalties.

No database here: every function takes plain values, so the rules are tested on their own and
the engine, the preview and the forecast all share them.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.conf import settings

from core.periods import Period

Dated = Sequence[tuple[dt.date, Decimal]]


def in_force(values: Dated, day: dt.date) -> Decimal | None:
    """The value of a dated table (oldest first) in force on ``day``: the latest started on or before it."""
    found = None
    for valid_from, value in values:
        if valid_from > day:
            break
        found = value
    return found


def due_date(period: Period) -> dt.date:
    """When the bill for ``period`` is due: a day of the next month, by the rule in force then."""
    return _due_date(period, tuple(settings.BILLING_PAYMENT_DUE_DAYS))


def vat_rate(period: Period) -> Decimal:
    return _vat_rate(period, tuple(settings.BILLING_VAT_RATES))


# Worked out once per period and table: the close asks them for every account.
@functools.lru_cache(maxsize=256)
def _due_date(period: Period, days: Dated) -> dt.date:
    following = period + 1
    day = in_force(days, following.first_day) or Decimal(10)
    return following.day(int(day))


@functools.lru_cache(maxsize=256)
def _vat_rate(period: Period, rates: Dated) -> Decimal:
    return in_force(rates, period.last_day) or Decimal(0)


def vat_included(amount: Decimal, rate: Decimal) -> Decimal:
    """The VAT part of a price that includes it (exact; round with ``kopecks``)."""
    return amount * rate / (100 + rate)


def whole(value: Decimal) -> int:
    """Round to whole kWh, half up: the unit volumes are billed in."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def split(total: int, weights: Sequence[int]) -> list[int]:
    """Split a whole volume in proportion to weights (days, volumes) so that the parts add up exactly.

    Largest remainder: each part gets its floor, the leftover units go to the largest fractions,
    earlier parts first on ties. A zero or negative weight sum gives everything to the last part.
    """
    if not weights:
        return []
    weight_sum = sum(weights)
    if weight_sum <= 0 or len(weights) == 1:  # one part (the common case: a month, a zone) takes it all
        return [0] * (len(weights) - 1) + [total]
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    floors = [magnitude * w // weight_sum for w in weights]
    leftover = magnitude - sum(floors)
    if leftover:
        remainders = [magnitude * w % weight_sum for w in weights]
        for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:leftover]:
            floors[index] += 1
    return [sign * part for part in floors]


def months_between(first: Period, last: Period) -> list[Period]:
    """The periods after ``first`` up to and including ``last``."""
    return [first + n for n in range(1, first.months_until(last) + 1)]


# --- Penalties --------------------------------------------------------------------------------


class Debt(NamedTuple):
    """What a bill added to the debt (its charges, net of recalculations) and when it was due.

    A named tuple (built in C): the close makes one per bill of the last months of every account.
    """

    due_on: dt.date
    amount: Decimal


@dataclass(frozen=True)
class PenaltyDay:
    day: dt.date
    rate: Decimal  # percent a year, after the cap
    base_first: Decimal  # overdue 31..90 days, charged at 1/300
    base_second: Decimal  # overdue 91 days and more, charged at 1/130
    amount: Decimal  # exact, not rounded


def penalty_rate(day: dt.date, key_rates: Dated) -> Decimal | None:
    """The key rate used for ``day``: the rate in force, capped until the cap's end date."""
    rate = in_force(key_rates, day)
    if rate is None:
        return None
    if day < settings.BILLING_PENALTY_RATE_CAP_UNTIL:
        return min(rate, settings.BILLING_PENALTY_RATE_CAP)
    return rate


class KeyRateMissing(LookupError):
    pass


def penalty_days(
    *,
    first_day: dt.date,
    last_day: dt.date,
    opening: Decimal,
    movements: Sequence[tuple[dt.date, Decimal]],
    debts: Sequence[Debt],
    key_rates: Dated,
) -> list[PenaltyDay]:
    """The penalty of every day from ``first_day`` to ``last_day`` inclusive (days without one omitted).

    ``opening`` is the debt without penalties at the start of ``first_day``; ``movements`` are later
    payments (negative) and other changes, by date; a payment stops the penalty on the day after it
    (the day of payment still counts). ``debts`` are the bills' additions with their due dates.

    Payments settle the oldest debt first, so the unpaid part of what fell due on or before a date
    is the debt less everything that fell due later (and never below zero). Penalties themselves
    bear no penalty: they are not in ``opening`` nor in ``debts``.
    """
    days = []
    for start, count, rate, base_first, base_second, amount in _penalty_stretches(
        first_day, last_day, opening, movements, debts, key_rates
    ):
        days += [PenaltyDay(start + dt.timedelta(days=n), rate, base_first, base_second, amount) for n in range(count)]
    return days


def penalty_total(
    *,
    first_day: dt.date,
    last_day: dt.date,
    opening: Decimal,
    movements: Sequence[tuple[dt.date, Decimal]],
    debts: Sequence[Debt],
    key_rates: Dated,
) -> Decimal:
    """The sum of :func:`penalty_days`' amounts (exact, not rounded), without a ``PenaltyDay`` per day.

    Added day by day in the same order, so it is the very same Decimal as summing the days.
    """
    total = Decimal(0)
    ordered = sorted(movements) if len(movements) > 1 else movements
    if _never_overdue(first_day, last_day, opening, ordered, debts, settings.BILLING_PENALTY_FIRST_DAY):
        return total  # the common case, decided before the walk is set up
    for _start, count, _rate, _first, _second, amount in _penalty_stretches(
        first_day, last_day, opening, ordered, debts, key_rates
    ):
        for _ in range(count):
            total += amount
    return total


def _penalty_stretches(
    first_day: dt.date,
    last_day: dt.date,
    opening: Decimal,
    movements: Sequence[tuple[dt.date, Decimal]],
    debts: Sequence[Debt],
    key_rates: Dated,
) -> Iterator[tuple[dt.date, int, Decimal, Decimal, Decimal, Decimal]]:
    """(first day, number of days, rate, base at 1/300, base at 1/130, amount of each day) of every stretch
    of days that bear a penalty, in order.

    A day's penalty depends only on the balance (which a movement changes from the next day), on which
    debts are 31 and 91 days overdue (which change on a due date plus those days) and on the rate
    (which changes on a key rate's date and when the cap ends). Between those dates every day is the
    same, so each stretch is worked out once: the day-by-day walk, without redoing equal days.
    """
    first_threshold = settings.BILLING_PENALTY_FIRST_DAY
    ordered = sorted(movements)
    if _never_overdue(first_day, last_day, opening, ordered, debts, first_threshold):
        return  # the common case (a bill not yet due, or paid in time): no need to walk the days
    second_threshold = settings.BILLING_PENALTY_SECOND_DAY
    first_divisor = Decimal(settings.BILLING_PENALTY_FIRST_DIVISOR)
    second_divisor = Decimal(settings.BILLING_PENALTY_SECOND_DIVISOR)
    one_day = dt.timedelta(days=1)
    changes = {first_day, last_day + one_day, settings.BILLING_PENALTY_RATE_CAP_UNTIL}
    changes.update(day + one_day for day, _amount in ordered)
    for debt in debts:
        if debt.amount > 0:
            changes.add(debt.due_on + dt.timedelta(days=first_threshold))
            changes.add(debt.due_on + dt.timedelta(days=second_threshold))
    changes.update(valid_from for valid_from, _rate in key_rates)
    bounds = sorted(day for day in changes if first_day <= day <= last_day + one_day)
    balance = opening
    moved = 0
    for start, end in itertools.pairwise(bounds):
        while moved < len(ordered) and ordered[moved][0] < start:
            balance += ordered[moved][1]
            moved += 1
        if balance <= 0:
            continue
        overdue_first = _unpaid_due_by(balance, debts, start - dt.timedelta(days=first_threshold))
        if overdue_first <= 0:
            continue
        overdue_second = _unpaid_due_by(balance, debts, start - dt.timedelta(days=second_threshold))
        rate = penalty_rate(start, key_rates)
        if rate is None:
            raise KeyRateMissing(start)
        base_first = overdue_first - overdue_second
        amount = (base_first / first_divisor + overdue_second / second_divisor) * rate / 100
        yield start, (end - start).days, rate, base_first, overdue_second, amount


def _never_overdue(
    first_day: dt.date,
    last_day: dt.date,
    opening: Decimal,
    ordered: Sequence[tuple[dt.date, Decimal]],
    debts: Sequence[Debt],
    first_threshold: int,
) -> bool:
    """Whether no day from ``first_day`` to ``last_day`` has any debt overdue (so no penalty at all).

    The debts not yet overdue on the last day are also not overdue on any earlier day; when they
    cover the highest balance the stretch can reach, ``_unpaid_due_by`` is zero on every day.
    """
    not_overdue_after = last_day - dt.timedelta(days=first_threshold)
    cover = Decimal(0)
    for debt in debts:  # plain loops: asked for nearly every account of a close
        if debt.due_on > not_overdue_after and debt.amount > 0:
            cover += debt.amount
    balance = peak = opening
    for day, amount in ordered:
        if day >= last_day:  # a movement counts from the next day on: after the stretch
            break
        balance += amount
        if balance > peak:
            peak = balance
    return peak <= cover


def _unpaid_due_by(balance: Decimal, debts: Sequence[Debt], last_due: dt.date) -> Decimal:
    """The part of the debt that fell due on or before ``last_due`` (oldest paid first)."""
    newer = sum((debt.amount for debt in debts if debt.due_on > last_due and debt.amount > 0), Decimal(0))
    return max(balance - newer, Decimal(0))
