"""The charge of one account for one billing period, from plain facts: no database here.

``bill_account`` is the one rule for what an account owes for a period. The close of a period
loads facts for thousands of accounts at once and calls it per account; the preview of typed
readings and the tests call it with the same facts for one account.

How a period is charged, per meter:

* The readings counted for the meter (accepted or already billed), ordered, form a chain. The
  consumption between two consecutive readings is spread over the periods after the first one
  up to the period of the second, in proportion to their days (a reading every month puts each
  month's consumption in its own period).
* Periods after the last reading are estimated: by the average monthly consumption of the last
  ``BILLING_AVERAGE_MONTHS`` months with readings (at least ``BILLING_AVERAGE_MIN_MONTHS``) for at
  most ``BILLING_AVERAGE_MAX_PERIODS`` periods in a row, then by the consumption norm per resident
  (times ``BILLING_NORM_MULTIPLIER_NO_METER`` once the meter's verification has expired; an account
  with no meter at all is charged so every month).
* When readings arrive for periods already billed (by estimate, or late readings entered for an
  old period), those periods are charged again from the readings and the difference against what
  was posted for them becomes a recalculation in the current period, line by line. Periods that
  are still estimated keep what was posted: an estimate is never revised by another estimate.
* Volumes are priced by the tariff in force: a period that spans a price change is split by
  days; where the category has a social norm, the volume within it and above it are priced apart.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.money import ZERO, kopecks
from core.periods import Period
from metering.rules import consumption
from metering.zones import ZONES_BY_SCHEME, Zone

from . import rules
from .models import ChargeLine

ACTUAL, AVERAGE, NORM = ChargeLine.Basis.ACTUAL.value, ChargeLine.Basis.AVERAGE.value, ChargeLine.Basis.NORM.value
SINGLE_ZONE = ZONES_BY_SCHEME[1][0]

# --- Facts --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MeterFacts:
    id: int
    scheme: int
    digits: int
    ratio: int
    installed_on: dt.date
    removed_on: dt.date | None = None
    verification_due: dt.date | None = None

    @property
    def zones(self) -> tuple[str, ...]:
        return ZONES_BY_SCHEME[self.scheme]

    # Worked out once: the period of installation, and the first and last billable months as
    # month numbers (year * 12 + month), which billable() compares as ints (a Period compares in Python).
    _installed: Period = field(init=False, repr=False, compare=False)
    _first_month: int = field(init=False, repr=False, compare=False)
    _last_month: int | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        installed = Period.of(self.installed_on)
        object.__setattr__(self, "_installed", installed)
        object.__setattr__(self, "_first_month", installed.year * 12 + installed.month)
        removed = self.removed_on
        object.__setattr__(self, "_last_month", None if removed is None else removed.year * 12 + removed.month)

    def billable(self, period: Period) -> bool:
        month = period.year * 12 + period.month
        if month < self._first_month:
            return False
        return self._last_month is None or month <= self._last_month

    def verification_expired(self, period: Period) -> bool:
        return self.verification_due is not None and self.verification_due < period.first_day


class SubmissionFacts(NamedTuple):
    """One submission of a meter (all its zones) counted for billing.

    A named tuple, not a dataclass: a close makes millions, and a tuple is built in C.
    """

    period: Period
    taken_on: dt.date
    order: int  # the smallest reading id: ties on the same day keep the order of arrival
    values: dict[str, int]
    billed: bool

    @property
    def key(self) -> tuple[int, dt.date, int]:
        """Sorts submissions by period, day taken and arrival; the period as its month number, so that
        comparing keys stays in C (a Period compares in Python: a close compares millions of keys)."""
        period = self.period
        return (period.year * 12 + period.month, self.taken_on, self.order)


@dataclass(frozen=True)
class PostedLine:
    """What was already posted for a period (a charge or recalculation line), for recalculation."""

    meter_id: int | None
    zone: str
    basis: str
    tier: str
    date_from: dt.date
    date_to: dt.date
    volume: int
    price: Decimal
    amount: Decimal

    @property
    def key(self) -> tuple:
        return (self.meter_id, self.zone, self.basis, self.tier, self.date_from)


@dataclass(slots=True)
class AccountFacts:
    id: int
    number: str
    category_id: int
    residents: int
    opened_on: dt.date
    meters: list[MeterFacts] = field(default_factory=list)
    submissions: dict[int, list[SubmissionFacts]] = field(default_factory=dict)
    # Lines posted per period that may be recalculated, and the periods that have a bill.
    posted: dict[Period, list[PostedLine]] = field(default_factory=dict)
    billed_periods: set[Period] = field(default_factory=set)
    # Money: the balance before the period (with and without penalties), this period's movements,
    # and the recent bills' additions to the debt with their due dates.
    opening_total: Decimal = ZERO
    opening_base: Decimal = ZERO
    movements: list[tuple[str, dt.date, Decimal]] = field(default_factory=list)
    debts: list[rules.Debt] = field(default_factory=list)


@dataclass(frozen=True)
class Tariffs:
    """The price tables a run needs, loaded once: prices, social norms, consumption norms, key rates."""

    # (category, scheme, zone) -> [(valid_from, price, price_above_norm)], oldest first
    prices: dict[tuple[int, int, str], list[tuple[dt.date, Decimal, Decimal | None]]]
    social_norms: dict[int, int]
    # (category, residents) -> [(valid_from, kWh per resident)], oldest first
    norms: dict[tuple[int, int], list[tuple[dt.date, Decimal]]]
    key_rates: list[tuple[dt.date, Decimal]]
    # segments() worked out once per (category, scheme, zone, period): a close asks for the same few.
    _segments: dict[tuple, list] = field(default_factory=dict, compare=False, repr=False)
    # due_date() and vat_rate() per period (by month number: an int hashes in C, a Period in Python),
    # the same for every account of a close.
    _due: dict[int, dt.date] = field(default_factory=dict, compare=False, repr=False)
    _vat: dict[int, Decimal] = field(default_factory=dict, compare=False, repr=False)

    def due_date(self, period: Period) -> dt.date:
        """``rules.due_date``, worked out once per period."""
        month = period.year * 12 + period.month
        found = self._due.get(month)
        if found is None:
            found = self._due[month] = rules.due_date(period)
        return found

    def vat_rate(self, period: Period) -> Decimal:
        """``rules.vat_rate``, worked out once per period."""
        month = period.year * 12 + period.month
        found = self._vat.get(month)
        if found is None:
            found = self._vat[month] = rules.vat_rate(period)
        return found

    def segments(
        self, category: int, scheme: int, zone: str, period: Period
    ) -> list[tuple[dt.date, dt.date, Decimal, Decimal | None]]:
        """(first day, last day, price, price above norm) for each stretch of the period with one price."""
        key = (category, scheme, zone, period.year * 12 + period.month)  # no Period hash (Python-level)
        found = self._segments.get(key)
        if found is None:
            found = self._segments[key] = self._price_segments(category, scheme, zone, period)
        return found

    def _price_segments(
        self, category: int, scheme: int, zone: str, period: Period
    ) -> list[tuple[dt.date, dt.date, Decimal, Decimal | None]]:
        table = self.prices.get((category, scheme, zone), [])
        starts = [period.first_day] + [d for d, _, _ in table if period.first_day < d <= period.last_day]
        result = []
        for index, start in enumerate(starts):
            end = starts[index + 1] - dt.timedelta(days=1) if index + 1 < len(starts) else period.last_day
            current = None
            for valid_from, price, above in table:
                if valid_from <= start:
                    current = (price, above)
            if current is None:
                raise DomainError(
                    "tariff_missing",
                    _("Для тарифной категории не задана цена на %(date)s.") % {"date": f"{start:%d.%m.%Y}"},
                )
            result.append((start, end, current[0], current[1]))
        return result

    def norm_volume(self, category: int, residents: int, period: Period, multiplier: Decimal) -> int:
        people = max(residents, 1)
        per_resident = rules.in_force(self.norms.get((category, min(people, 5)), []), period.first_day)
        if per_resident is None:
            raise DomainError(
                "norm_missing",
                _("Не задан норматив потребления для тарифной категории на %(date)s.")
                % {"date": f"{period.first_day:%d.%m.%Y}"},
            )
        return rules.whole(per_resident * people * multiplier)


# --- Result -------------------------------------------------------------------------------------


class LineDraft(NamedTuple):
    """A line to post: a named tuple, built in C (a close makes millions)."""

    meter_id: int | None
    zone: str
    basis: str
    tier: str
    date_from: dt.date
    date_to: dt.date
    volume: int
    price: Decimal
    amount: Decimal
    previous_value: int | None = None
    current_value: int | None = None

    @property
    def key(self) -> tuple:
        return (self.meter_id, self.zone, self.basis, self.tier, self.date_from)

    @property
    def whole_month(self) -> bool:
        return self.date_from.day == 1 and self.date_to == Period.of(self.date_from).last_day

    def get_zone_display(self) -> str:  # the names ChargeLine offers, so templates show either
        return str(Zone(self.zone).label)

    def get_basis_display(self) -> str:
        return str(ChargeLine.Basis(self.basis).label)

    def get_tier_display(self) -> str:
        return str(ChargeLine.Tier(self.tier).label) if self.tier else ""


@dataclass(slots=True)
class EntryDraft:
    kind: str  # a LedgerEntry.Kind value
    for_period: Period
    amount: Decimal
    lines: list[LineDraft] = field(default_factory=list)


@dataclass(slots=True)
class AccountBill:
    period: Period
    entries: list[EntryDraft]
    opening_total: Decimal
    paid: Decimal
    adjusted: Decimal
    due_on: dt.date
    vat_rate: Decimal

    def _sum(self, kind: str) -> Decimal:
        return sum((e.amount for e in self.entries if e.kind == kind), ZERO)

    @property
    def charged(self) -> Decimal:
        return self._sum("charge")

    @property
    def recalculated(self) -> Decimal:
        return self._sum("recalculation")

    @property
    def penalties(self) -> Decimal:
        return self._sum("penalty")

    @property
    def closing_total(self) -> Decimal:
        return self.opening_total + self.paid + self.adjusted + sum((e.amount for e in self.entries), ZERO)

    @property
    def vat(self) -> Decimal:
        return kopecks(rules.vat_included(self.charged + self.recalculated, self.vat_rate))

    def figures(self) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal]:
        """(charged, recalculated, penalties, closing_total, vat) in one pass over the entries, as the properties."""
        charged = recalculated = penalties = total = ZERO
        for entry in self.entries:
            amount = entry.amount
            total += amount
            if entry.kind == "charge":
                charged += amount
            elif entry.kind == "recalculation":
                recalculated += amount
            elif entry.kind == "penalty":
                penalties += amount
        closing = self.opening_total + self.paid + self.adjusted + total
        return (
            charged,
            recalculated,
            penalties,
            closing,
            kopecks(rules.vat_included(charged + recalculated, self.vat_rate)),
        )


# --- Pricing ------------------------------------------------------------------------------------


def price_volumes(
    tariffs: Tariffs,
    *,
    category: int,
    scheme: int,
    volumes: dict[str, int],
    period: Period,
    basis: str,
    meter_id: int | None,
    values: dict[str, tuple[int, int]] | None = None,
) -> list[LineDraft]:
    """Lines for the volumes of one meter in one period: split by tier of the social norm, then by days."""
    social_norm = tariffs.social_norms.get(category)
    zones = list(volumes)
    tiers: dict[str, list[tuple[str, int]]] = {}
    if social_norm is None:
        tiers = {zone: [("", volumes[zone])] for zone in zones}
    else:
        total = sum(volumes.values())
        within = rules.split(min(total, social_norm), [max(volumes[z], 0) for z in zones])
        tiers = {
            zone: [("within", part), ("above", volumes[zone] - part)] for zone, part in zip(zones, within, strict=True)
        }
    lines = []
    for zone in zones:
        segments = tariffs.segments(category, scheme, zone, period)
        previous, current = (values or {}).get(zone, (None, None))
        if social_norm is None and len(segments) == 1:  # the common case: one price, no tiers
            start, end, price, _above = segments[0]
            volume = volumes[zone]
            lines.append(
                LineDraft(
                    meter_id, zone, basis, "", start, end, volume, price, kopecks(price * volume), previous, current
                )
            )
            continue
        for tier, volume in tiers[zone]:
            if tier == "above" and volume == 0:
                continue
            parts = rules.split(volume, [(end - start).days + 1 for start, end, _, _ in segments])
            for (start, end, price, above), part in zip(segments, parts, strict=True):
                unit_price = above if tier == "above" and above is not None else price
                lines.append(
                    LineDraft(
                        meter_id,
                        zone,
                        basis,
                        tier,
                        start,
                        end,
                        part,
                        unit_price,
                        kopecks(unit_price * part),
                        previous,
                        current,
                    )
                )
    return lines


# --- Volumes per period -------------------------------------------------------------------------


@dataclass(slots=True)
class PeriodVolumes:
    basis: str
    volumes: dict[str, int]
    values: dict[str, tuple[int, int]] = field(default_factory=dict)  # zone -> (previous, current)
    scheme: int = 1
    multiplier: Decimal = Decimal(1)


@dataclass(slots=True)
class MeterStretch:
    """What the meter's readings say about each period from its last settled reading up to now."""

    periods: dict[Period, PeriodVolumes]


def meter_stretch(
    meter: MeterFacts, submissions: Sequence[SubmissionFacts], period: Period, *, opened: Period
) -> MeterStretch:
    subs = sorted((s for s in submissions if s.period <= period), key=lambda s: s.key)
    unbilled = [s for s in subs if not s.billed]
    first_affected = min((s.period for s in unbilled), default=period)
    before = [s for s in subs if s.period < first_affected]
    anchor = before[-1] if before else None
    start = max(meter._installed, opened)
    if anchor is not None:
        start = max(start, anchor.period + 1)
    chain = ([anchor] if anchor else []) + [s for s in subs if s.period >= first_affected]
    result: dict[Period, PeriodVolumes] = {}

    for earlier, later in itertools.pairwise(chain):
        units = {z: consumption(earlier.values[z], later.values[z], digits=meter.digits)[0] for z in meter.zones}
        months = rules.months_between(earlier.period, later.period) or [later.period]
        weights = [m.days for m in months]
        shares = {z: rules.split(units[z] * meter.ratio, weights) for z in meter.zones}
        for index, month in enumerate(months):
            if month < start:
                continue
            entry = result.setdefault(month, PeriodVolumes(ACTUAL, dict.fromkeys(meter.zones, 0), scheme=meter.scheme))
            for zone in meter.zones:
                entry.volumes[zone] += shares[zone][index]
            if month == later.period:
                for zone in meter.zones:
                    first = entry.values.get(zone, (earlier.values[zone], 0))[0]
                    entry.values[zone] = (first, later.values[zone])
    last = chain[-1] if chain else None
    # A first reading ever (the installation act) starts the chain: nothing is charged before it.
    if anchor is None and chain and chain[0].period >= start:
        result.setdefault(chain[0].period, PeriodVolumes(ACTUAL, dict.fromkeys(meter.zones, 0), scheme=meter.scheme))

    month = start
    while month <= period:
        if meter.billable(month) and month not in result:
            result[month] = _estimate(meter, subs, last, month)
        month += 1
    for month in [m for m in result if not meter.billable(m)]:
        del result[month]
    return MeterStretch(result)


def _estimate(
    meter: MeterFacts, subs: Sequence[SubmissionFacts], last: SubmissionFacts | None, month: Period
) -> PeriodVolumes:
    expired = meter.verification_expired(month)
    multiplier = settings.BILLING_NORM_MULTIPLIER_NO_METER if expired else Decimal(1)
    if last is not None and 0 < last.period.months_until(month) <= settings.BILLING_AVERAGE_MAX_PERIODS:
        average = average_monthly_consumption(meter, subs, last)
        if average is not None:
            return PeriodVolumes(AVERAGE, average, scheme=meter.scheme)
    return PeriodVolumes(NORM, {}, scheme=1, multiplier=multiplier)


def average_monthly_consumption(
    meter: MeterFacts, subs: Sequence[SubmissionFacts], last: SubmissionFacts
) -> dict[str, int] | None:
    """Per zone: the consumption of the last months with readings, per month (None: too little history).

    From the earliest reading at most ``BILLING_AVERAGE_MONTHS`` periods before the last one to the
    last one, provided they are at least ``BILLING_AVERAGE_MIN_MONTHS`` periods apart.
    """
    last_key, reach = last.key, -settings.BILLING_AVERAGE_MONTHS  # read once, not per submission
    window = [s for s in subs if s.key <= last_key and last.period.months_until(s.period) >= reach]
    if not window:
        return None
    months = window[0].period.months_until(last.period)
    if months < settings.BILLING_AVERAGE_MIN_MONTHS:
        return None
    totals = dict.fromkeys(meter.zones, 0)
    for earlier, later in itertools.pairwise(window):
        for zone in meter.zones:
            totals[zone] += consumption(earlier.values[zone], later.values[zone], digits=meter.digits)[0]
    return {zone: rules.whole(Decimal(units * meter.ratio) / months) for zone, units in totals.items()}


# --- The account --------------------------------------------------------------------------------


def bill_account(facts: AccountFacts, period: Period, tariffs: Tariffs, *, penalties: bool = True) -> AccountBill:
    """Everything the close of ``period`` posts for one account: charge, recalculations, penalty."""
    common = bill_common_case(facts, period, tariffs, penalties=penalties)
    if common is not None:
        return common
    return bill_any_case(facts, period, tariffs, penalties=penalties)


def bill_common_case(
    facts: AccountFacts, period: Period, tariffs: Tariffs, *, penalties: bool = True
) -> AccountBill | None:
    """``bill_any_case`` for the account most accounts are, in a few steps; None for any other account.

    The common case: one meter, billable this period, whose readings were billed up to last period
    and which has exactly one new submission, for this period. Then the chain of readings is last
    period's and this one; their difference is this period's volume; nothing is estimated and
    nothing revised. ``bill_any_case`` walks the same steps in general (sorting the history,
    spreading volumes over months, estimating, comparing with what was posted); a property test
    (tests/billing/test_common_case.py) checks that both give the same bill wherever this one applies.
    """
    if len(facts.meters) != 1:
        return None
    meter = facts.meters[0]
    opened = Period.of(facts.opened_on)
    if opened > period or not meter.billable(period):
        return None
    # Periods as month numbers: comparisons of ints, not of Periods (Python-level dunders).
    this = period.year * 12 + period.month
    new = anchor = None
    anchor_key: tuple = ()
    for sub in facts.submissions.get(meter.id, ()):
        month = sub.period.year * 12 + sub.period.month
        if month > this:
            continue  # not yet: the general walk leaves it out too
        if not sub.billed:
            if new is not None or month != this:
                return None
            new = sub
        elif month >= this:
            return None
        elif anchor is None or sub.key > anchor_key:
            anchor, anchor_key = sub, sub.key
    if new is None or anchor is None or anchor_key[0] != this - 1:
        return None
    volumes = {}
    values = {}
    for zone in meter.zones:
        before, after = anchor.values[zone], new.values[zone]
        volumes[zone] = consumption(before, after, digits=meter.digits)[0] * meter.ratio
        values[zone] = (before, after)
    lines = price_volumes(
        tariffs,
        category=facts.category_id,
        scheme=meter.scheme,
        volumes=volumes,
        period=period,
        basis=ACTUAL,
        meter_id=meter.id,
        values=values,
    )
    entries = [EntryDraft("charge", period, sum((x.amount for x in lines), ZERO), lines)]
    return _account_bill(facts, period, tariffs, entries, penalties)


def _account_bill(
    facts: AccountFacts,
    period: Period,
    tariffs: Tariffs,
    entries: list[EntryDraft],
    penalties: bool,
) -> AccountBill:
    """The bill of the period's entries: this period's movements, and the penalty (as the last entry)."""
    paid = adjusted = ZERO
    for kind, _day, amount in facts.movements:
        if kind == "payment":
            paid += amount
        else:
            adjusted += amount
    if penalties:
        amount = penalty_for_period(facts, period, tariffs)
        if amount:
            entries.append(EntryDraft("penalty", period, amount))
    return AccountBill(
        period=period,
        entries=entries,
        opening_total=facts.opening_total,
        paid=paid,
        adjusted=adjusted,
        due_on=tariffs.due_date(period),
        vat_rate=tariffs.vat_rate(period),
    )


def bill_any_case(facts: AccountFacts, period: Period, tariffs: Tariffs, *, penalties: bool = True) -> AccountBill:
    """The general walk of :func:`bill_account`, for any account (see the module docstring)."""
    opened = Period.of(facts.opened_on)
    should: dict[Period, list[LineDraft]] = defaultdict(list)
    recompute: set[tuple[Period, int | None]] = set()
    norm_charged: set[Period] = set()
    meters = [m for m in facts.meters if m.billable(period) or facts.submissions.get(m.id)]
    for meter in sorted(meters, key=lambda m: m.id):
        stretch = meter_stretch(meter, facts.submissions.get(meter.id, []), period, opened=opened)
        for month, found in sorted(stretch.periods.items()):
            if month < period and (found.basis != ACTUAL or month not in facts.billed_periods):
                continue  # still estimated, or never billed here: nothing to revise
            recompute.add((month, meter.id))
            if found.basis == NORM:
                if month in norm_charged:
                    continue  # the norm is per account: charged once whatever the number of meters
                norm_charged.add(month)
                volume = tariffs.norm_volume(facts.category_id, facts.residents, month, found.multiplier)
                found = PeriodVolumes(NORM, {SINGLE_ZONE: volume}, scheme=1)
            should[month].extend(
                price_volumes(
                    tariffs,
                    category=facts.category_id,
                    scheme=found.scheme,
                    volumes=found.volumes,
                    period=month,
                    basis=found.basis,
                    meter_id=meter.id,
                    values=found.values,
                )
            )
    if not any(m.billable(period) for m in facts.meters) and period >= opened:
        volume = tariffs.norm_volume(
            facts.category_id, facts.residents, period, settings.BILLING_NORM_MULTIPLIER_NO_METER
        )
        should[period].extend(
            price_volumes(
                tariffs,
                category=facts.category_id,
                scheme=1,
                volumes={SINGLE_ZONE: volume},
                period=period,
                basis=NORM,
                meter_id=None,
            )
        )
        recompute.add((period, None))

    entries = []
    charge_lines = should.pop(period, [])
    if charge_lines or period >= opened:
        entries.append(EntryDraft("charge", period, sum((x.amount for x in charge_lines), ZERO), charge_lines))
    for month in sorted(should):
        meter_ids = {meter_id for m, meter_id in recompute if m == month}
        posted = [p for p in facts.posted.get(month, []) if p.meter_id in meter_ids]
        lines = recalculation_lines(should[month], posted)
        if lines:
            entries.append(EntryDraft("recalculation", month, sum((x.amount for x in lines), ZERO), lines))
    return _account_bill(facts, period, tariffs, entries, penalties)


def recalculation_lines(should: Iterable[LineDraft], posted: Iterable[PostedLine]) -> list[LineDraft]:
    """The difference between what a period should be charged and what was posted for it, per line."""
    target = {line.key: line for line in should}
    before: dict[tuple, list[PostedLine]] = defaultdict(list)
    for old in posted:
        before[old.key].append(old)
    result = []
    for key in sorted(set(target) | set(before), key=_line_order):
        new = target.get(key)
        old_volume = sum(p.volume for p in before.get(key, []))
        old_amount = sum((p.amount for p in before.get(key, [])), ZERO)
        volume = (new.volume if new else 0) - old_volume
        amount = (new.amount if new else ZERO) - old_amount
        if volume == 0 and amount == 0:
            continue
        if new is not None:
            result.append(
                LineDraft(
                    new.meter_id,
                    new.zone,
                    new.basis,
                    new.tier,
                    new.date_from,
                    new.date_to,
                    volume,
                    new.price,
                    amount,
                    new.previous_value,
                    new.current_value,
                )
            )
        else:
            gone = before[key][0]
            result.append(
                LineDraft(
                    gone.meter_id,
                    gone.zone,
                    gone.basis,
                    gone.tier,
                    gone.date_from,
                    gone.date_to,
                    volume,
                    gone.price,
                    amount,
                )
            )
    return result


def _line_order(key: tuple) -> tuple:
    meter_id, zone, basis, tier, date_from = key
    return (meter_id or 0, {AVERAGE: 0, NORM: 1, ACTUAL: 2}.get(basis, 3), zone, tier, date_from)


def penalty_for_period(facts: AccountFacts, period: Period, tariffs: Tariffs) -> Decimal:
    """The penalty for the days of ``period`` on the account's overdue debt, in kopecks."""
    added = [amount for _kind, _day, amount in facts.movements if amount > 0]
    if facts.opening_base <= 0 and not added:
        return ZERO
    movements = [(day, amount) for _kind, day, amount in facts.movements]
    debts = facts.debts
    if added:
        due = tariffs.due_date(period)
        debts = [*debts, *(rules.Debt(due, amount) for amount in added)]
    try:
        total = rules.penalty_total(
            first_day=period.first_day,
            last_day=period.last_day,
            opening=facts.opening_base,
            movements=movements,
            debts=debts,
            key_rates=tariffs.key_rates,
        )
    except rules.KeyRateMissing as missing:
        raise DomainError(
            "key_rate_missing",
            _("Не задана ключевая ставка ЦБ на %(date)s: пени не рассчитать.")
            % {"date": f"{missing.args[0]:%d.%m.%Y}"},
        ) from None
    return kopecks(total)
