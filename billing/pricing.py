"""What a volume costs at the tariff in force: the one pricing rule every preview uses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

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
    rows = (
        TariffPrice.objects.filter(category_id=category_id, scheme=scheme, valid_from__lte=day)
        .order_by("zone", "-valid_from")
        .values_list("zone", "price")
    )
    for zone, price in rows:
        prices.setdefault(zone, price)
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
