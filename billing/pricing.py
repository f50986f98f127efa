"""What a volume costs at the tariff in force: the one pricing rule every preview uses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.money import ZERO, kopecks

from .models import TariffCategory, TariffPrice


@dataclass(frozen=True)
class ZoneCost:
    zone: str
    volume: int
    price: Decimal
    amount: Decimal


def prices_on(category: TariffCategory | int, scheme: int, day: dt.date) -> dict[str, Decimal]:
    """Price per zone for a metering scheme on a day: the latest price that started on or before it."""
    category_id = category if isinstance(category, int) else category.pk
    prices: dict[str, Decimal] = {}
    for zone, valid_from, price in price_list().get((category_id, scheme), []):
        if valid_from <= day:
            prices.setdefault(zone, price)
    return prices


PRICES_CACHE_KEY = "billing:prices"


def price_list() -> dict[tuple[int, int], list[tuple[str, dt.date, Decimal]]]:
    """All dated prices by (category, scheme), newest first. A small table, cached; cleared on save."""
    prices = cache.get(PRICES_CACHE_KEY)
    if prices is None:
        prices = {}
        for row in TariffPrice.objects.order_by("-valid_from").values_list(
            "category_id", "scheme", "zone", "valid_from", "price"
        ):
            prices.setdefault((row[0], row[1]), []).append(row[2:])
        cache.set(PRICES_CACHE_KEY, prices, timeout=3600)
    return prices


def cost_of(category: TariffCategory | int, scheme: int, volumes: dict[str, int], day: dt.date) -> list[ZoneCost]:
    """The cost of a volume per zone at the prices in force on ``day``."""
    prices = prices_on(category, scheme, day)
    lines = []
    for zone, volume in volumes.items():
        if zone not in prices:
            raise DomainError(
                "tariff_missing",
                _("Для этой тарифной категории не задана цена на %(date)s.") % {"date": f"{day:%d.%m.%Y}"},
            )
        lines.append(ZoneCost(zone, volume, prices[zone], kopecks(prices[zone] * volume)))
    return lines


def total(lines: list[ZoneCost]) -> Decimal:
    return sum((line.amount for line in lines), ZERO)
