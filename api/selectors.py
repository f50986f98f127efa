"""Reads the API needs beyond the other apps' selectors: the caller's links, consumption per period.

Consumption joins what billing charged (per month, zone and basis: actual, average, norm, with
recalculations netted in) and, for months no bill has covered yet, what the readings show
(``metering.selectors.monthly_consumption``). Nothing is recomputed: the numbers are billing's
and metering's own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from billing.models import Bill, ChargeLine, LedgerEntry
from core.periods import Period
from customers.models import AccountLink
from metering.models import Meter
from metering.selectors import monthly_consumption

ESTIMATED = {ChargeLine.Basis.AVERAGE.value, ChargeLine.Basis.NORM.value}
READINGS = "readings"  # the basis of a month not billed yet: the readings themselves
BASIS_ORDER = ["actual", "average", "norm", READINGS]


def links_for_user(user: Any) -> list[AccountLink]:
    """The user's accounts with their alias and group, as the portal's home lists them."""
    return list(
        AccountLink.objects.filter(user=user)
        .select_related("account__premise", "account__tariff_category", "account__customer")
        .order_by("group", "account__number")
    )


def link_of(user: Any, account_id: int) -> AccountLink | None:
    return AccountLink.objects.filter(user=user, account_id=account_id).first()


@dataclass
class Use:
    """Consumption over one or more billing periods."""

    first: Period
    last: Period
    zones: dict[str, int] = field(default_factory=dict)
    bases: set[str] = field(default_factory=set)
    billed: bool = True

    @property
    def total(self) -> int:
        return sum(self.zones.values())

    @property
    def estimated(self) -> bool:
        return bool(self.bases & ESTIMATED)

    def add(self, other: Use) -> None:
        for zone, volume in other.zones.items():
            self.zones[zone] = self.zones.get(zone, 0) + volume
        self.bases |= other.bases
        self.billed = self.billed and other.billed
        self.first, self.last = min(self.first, other.first), max(self.last, other.last)


def meter_consumption(meter: Meter, *, period_from: Period, period_to: Period) -> list[Use]:
    """kWh per billing period of one meter, oldest first; months without any data are left out."""
    billed = set(
        Bill.objects.filter(account_id=meter.account_id, period__gte=period_from, period__lte=period_to).values_list(
            "period", flat=True
        )
    )
    charged: dict[Period, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    lines = ChargeLine.objects.filter(
        entry__account_id=meter.account_id,  # by the account's entries: lines have no index by meter
        meter=meter,
        entry__kind__in=[LedgerEntry.Kind.CHARGE, LedgerEntry.Kind.RECALCULATION],
        entry__for_period__gte=period_from,
        entry__for_period__lte=period_to,
    ).values_list("entry__for_period", "zone", "basis", "volume")
    for for_period, zone, basis, volume in lines:
        if for_period is not None:  # charges and recalculations always name their month
            charged[for_period][(zone, basis)] += volume
    months = period_from.months_until(period_to) + 1
    from_readings = dict(monthly_consumption(meter, last=period_to, months=months)) if len(billed) < months else {}
    result = []
    for index in range(months):
        month = period_from + index
        if month in billed:
            net = {key: volume for key, volume in charged.get(month, {}).items() if volume}
            if not net:
                continue
            use = Use(month, month, bases={basis for _zone, basis in net}, billed=True)
            for (zone, _basis), volume in net.items():
                use.zones[zone] = use.zones.get(zone, 0) + volume
        else:
            volumes = from_readings.get(month)
            if not volumes:
                continue
            use = Use(month, month, zones=dict(volumes), bases={READINGS}, billed=False)
        result.append(use)
    return result


def grouped(uses: list[Use], group_by: str) -> list[Use]:
    """Months summed by calendar quarter or year (``month`` keeps them apart); an interval spans the
    whole quarter or year, ``billed`` only if every month in it with data was billed."""
    if group_by == "month":
        return uses
    groups: dict[tuple[int, int], Use] = {}
    for use in uses:
        slot = (use.first.year, (use.first.month - 1) // 3 if group_by == "quarter" else 0)
        if slot not in groups:
            first_month = slot[1] * 3 + 1 if group_by == "quarter" else 1
            last_month = first_month + 2 if group_by == "quarter" else 12
            groups[slot] = Use(Period(slot[0], first_month), Period(slot[0], last_month), billed=True)
        groups[slot].add(use)
    return [groups[slot] for slot in sorted(groups)]
