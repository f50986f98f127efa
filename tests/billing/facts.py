"""Plain facts for the billing engine's tests: tariffs, meters and submissions without a database."""

import datetime as dt
import itertools
from decimal import Decimal

from billing import engine
from core.periods import Period

CATEGORY = 1
D = Decimal
_order = itertools.count(1)


def tariffs(prices=None, *, social_norm=None, norms=None, key_rates=None):
    """Prices from 2020 on (the factories' ones) unless given: {(scheme, zone): [(from, price[, above])]}."""
    prices = prices or {
        (1, "total"): [(dt.date(2020, 1, 1), D("6.00"))],
        (2, "day"): [(dt.date(2020, 1, 1), D("7.00"))],
        (2, "night"): [(dt.date(2020, 1, 1), D("3.50"))],
        (3, "peak"): [(dt.date(2020, 1, 1), D("8.00"))],
        (3, "semipeak"): [(dt.date(2020, 1, 1), D("6.00"))],
        (3, "night"): [(dt.date(2020, 1, 1), D("3.50"))],
    }
    table = {
        (CATEGORY, scheme, zone): [(p[0], p[1], p[2] if len(p) > 2 else None) for p in rows]
        for (scheme, zone), rows in prices.items()
    }
    return engine.Tariffs(
        prices=table,
        social_norms={CATEGORY: social_norm} if social_norm is not None else {},
        norms={
            (CATEGORY, r): [(dt.date(2020, 1, 1), D(kwh))]
            for r, kwh in (norms or {r: "60" for r in range(1, 6)}).items()
        },
        key_rates=key_rates or [(dt.date(2020, 1, 1), D("16"))],
    )


def meter(pk=1, scheme=1, *, installed=dt.date(2025, 1, 10), verification_due=None, removed=None, ratio=1, digits=6):
    return engine.MeterFacts(pk, scheme, digits, ratio, installed, removed, verification_due)


def sub(period, values, *, billed=True, day=20):
    """A submission for ``period`` ("YYYY-MM") taken on ``day`` of that month."""
    p = Period.parse(period)
    order = next(_order)
    return engine.SubmissionFacts(p, p.day(day), order, dict(values), billed)


def account(meters, submissions, *, residents=2, opened=dt.date(2020, 1, 1), billed=(), posted=None, **money):
    facts = engine.AccountFacts(1, "6300000101", CATEGORY, residents, opened, meters=list(meters))
    facts.submissions = {m.id: list(submissions.get(m.id, [])) for m in meters}
    facts.billed_periods = {Period.parse(p) for p in billed}
    facts.posted = posted or {}
    for name, value in money.items():
        setattr(facts, name, value)
    return facts


def monthly(meter_values, first="2026-04", months=6, step=200):
    """Billed single-rate submissions every month from ``first``: ``meter_values`` then +``step`` each month."""
    start = Period.parse(first)
    return [sub(str(start + n), {"total": meter_values + step * n}) for n in range(months)]
