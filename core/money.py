"""Money: ``Decimal`` roubles, quantised to kopecks at exactly one step, :func:`kopecks`.

Every amount that is stored or shown passes through :func:`kopecks`; tariffs and volumes
multiply at full precision before it. Rounding is half-up, as on Russian bills.
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext

KOPECK = Decimal("0.01")
ZERO = Decimal("0.00")


def kopecks(amount: Decimal | int) -> Decimal:
    """Round an amount in roubles to whole kopecks (half-up)."""
    if type(amount) is Decimal:  # nearly always (a close rounds millions of amounts): no conversion
        return amount.quantize(KOPECK, rounding=ROUND_HALF_UP)
    if isinstance(amount, float):  # pragma: no cover - a programming error, never data
        raise TypeError("money must be Decimal, not float")
    return Decimal(amount).quantize(KOPECK, rounding=ROUND_HALF_UP)


def money_sum(queryset: Any, field: str = "amount") -> Decimal:
    """The exact total of a money column over a queryset (zero when empty).

    PostgreSQL sums ``numeric`` exactly. SQLite, the embedded default, has no decimal type: it
    keeps such columns and their SUM as binary floating point, off by far less than half a kopeck
    for any real ledger, so quantising the total to kopecks gives back the exact figure. Every
    database total of money goes through here or through :func:`kopecks`.
    """
    from django.db.models import Sum

    return kopecks(queryset.aggregate(total=Sum(field))["total"] or 0)


def format_rub(amount: Decimal | int | None, *, sign: bool = False) -> str:
    """``Decimal('1234.5')`` -> ``'1 234,50 ₽'`` (non-breaking spaces, Russian convention)."""
    if amount is None:
        return "—"
    value = kopecks(amount)
    negative = value < 0
    whole, _, frac = f"{abs(value):.2f}".partition(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    text = "\u00a0".join(groups) + "," + frac + "\u00a0₽"
    if negative:
        return "−" + text
    return ("+" + text) if sign and value > 0 else text


def format_price(price: Decimal | int | None) -> str:
    """A tariff as stored (to 1/100 of a kopeck): ``6.4321`` -> ``'6,4321'``, ``7.2000`` -> ``'7,20'``.

    Kopecks always, fractions of a kopeck only where there are any: a line's amount is the volume
    times exactly the price shown, so the price is never rounded for display.
    """
    if price is None:
        return "—"
    text = f"{Decimal(price):.4f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0").ljust(2, "0")
    return f"{whole},{frac}"


def format_kwh(volume: int | Decimal | None) -> str:
    if volume is None:
        return "—"
    whole = f"{volume:,}".replace(",", "\u00a0").replace(".", ",")
    return f"{whole}\u00a0{gettext('кВт·ч')}"
