"""The rules of a meter reading, as pure functions over plain values.

Both the single submission (``services.submit_readings``) and the bulk import
(``services.import_readings``) call :func:`evaluate`, so every channel applies the same rules
with the same messages. Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from core.errors import DomainError
from core.periods import Period

from .zones import zone_label

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009_']+")


# --- Values ---------------------------------------------------------------------------------


def parse_value(raw: str | int | None, *, digits: int, zone: str) -> int:
    """A typed reading -> its integer value, or a DomainError that says what to type instead."""
    if isinstance(raw, bool):
        raise DomainError(
            "reading_not_number", _("Показание «%(zone)s» должно быть числом.") % {"zone": zone_label(zone)}, field=zone
        )
    if isinstance(raw, int):
        text = str(raw)
    else:
        text = _SPACES.sub("", raw or "")
    if not text:
        raise DomainError(
            "reading_required", _("Введите показание «%(zone)s».") % {"zone": zone_label(zone)}, field=zone
        )
    if "," in text or "." in text:
        whole = re.split(r"[.,]", text, maxsplit=1)[0].lstrip("0") or "0"
        raise DomainError(
            "reading_fraction",
            _(
                "Введите только цифры до запятой: дробная часть показания не учитывается при расчёте. "
                "Например, вместо %(typed)s введите %(whole)s."
            )
            % {"typed": text, "whole": whole},
            field=zone,
        )
    if text.startswith("-"):
        raise DomainError("reading_negative", _("Показание не может быть отрицательным."), field=zone)
    if not text.isdigit() or not text.isascii():
        raise DomainError(
            "reading_not_number",
            _("Показание «%(zone)s» может содержать только цифры.") % {"zone": zone_label(zone)},
            field=zone,
        )
    value = int(text)
    if value > 10**digits - 1:
        raise DomainError(
            "reading_too_long",
            _(
                "Показание «%(zone)s» длиннее, чем у вашего счётчика: у него %(digits)s разрядов до запятой. "
                "Проверьте, не ввели ли вы цифры после запятой."
            )
            % {"zone": zone_label(zone), "digits": digits},
            field=zone,
        )
    return value


def parse_values(
    raw: Sequence[str | int] | Mapping[str, str | int], *, zones: Sequence[str], digits: int
) -> dict[str, int]:
    """All zones of a meter together: a sequence in the meter's zone order, or a mapping by zone."""
    if isinstance(raw, Mapping):
        unknown = set(raw) - set(zones)
        missing = [z for z in zones if z not in raw]
        if unknown or missing:
            raise _wrong_count(zones, len(raw))
        items = [raw[z] for z in zones]
    else:
        items = list(raw)
        if len(items) != len(zones):
            raise _wrong_count(zones, len(items))
    return {zone: parse_value(item, digits=digits, zone=zone) for zone, item in zip(zones, items, strict=True)}


def _wrong_count(zones: Sequence[str], got: int) -> DomainError:
    names = ", ".join(zone_label(z) for z in zones)
    return DomainError(
        "reading_zone_count",
        _("Этот счётчик учитывает зоны: %(names)s. Передайте показания всех зон вместе (%(n)s, получено %(got)s).")
        % {"names": names, "n": len(zones), "got": got},
        expected=len(zones),
        got=got,
    )


# --- Consumption ----------------------------------------------------------------------------


def consumption(previous: int, value: int, *, digits: int) -> tuple[int, bool]:
    """Meter units between two readings and whether the meter rolled over past its maximum.

    A value lower than the previous one can only be a rollover (999 950 -> 000 030 is 80 units);
    whether such a rollover is believable is for :func:`evaluate` to judge.
    """
    if value >= previous:
        return value - previous, False
    return 10**digits - previous + value, True


# --- Submission windows ---------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    opens_day: int
    closes_day: int

    def period_for(self, day: dt.date) -> tuple[Period, bool]:
        """The billing period a reading taken on ``day`` counts for, and whether the window is open.

        Inside the window it is the current month; after it closes, the next month; before it opens,
        the current month too (the previous month's window has closed, so this is its next period).
        """
        return _period_for(self, day)

    def status(self, day: dt.date) -> WindowStatus:
        period, is_open = self.period_for(day)
        if is_open:
            closes = period.day(self.closes_day)
            return WindowStatus(True, period, period.day(self.opens_day), closes, (closes - day).days + 1)
        opens = period.day(self.opens_day)
        return WindowStatus(False, period, opens, period.day(self.closes_day), (opens - day).days)


@functools.lru_cache(maxsize=4096)
def _period_for(window: Window, day: dt.date) -> tuple[Period, bool]:
    # Pure and asked for the same few days by every row of an import: remembered.
    current = Period.of(day)
    opens, closes = current.day(window.opens_day).day, current.day(window.closes_day).day
    if day.day > closes:
        return current + 1, False
    return current, opens <= day.day


@dataclass(frozen=True)
class WindowStatus:
    is_open: bool
    period: Period
    opens_on: dt.date
    closes_on: dt.date
    days: int  # days left while open, today included; days until it opens while closed


# --- Plausibility ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """What this meter's consumption is usually, and could be at most."""

    usual_monthly_kwh: Decimal | None  # None: not enough history to tell
    capacity_kw: Decimal
    factor: Decimal
    min_kwh: int

    def with_usual(self, usual_monthly_kwh: Decimal | None) -> Limits:
        """The same limits with another usual use (``dataclasses.replace``, without its look-ups: an
        import calls it for every row it accepts)."""
        return Limits(usual_monthly_kwh, self.capacity_kw, self.factor, self.min_kwh)


def usual_monthly_kwh(history: Sequence[tuple[dt.date, int]], *, min_days: int = 60) -> Decimal | None:
    """Average monthly use from (date, total kWh consumed since the previous reading) pairs.

    ``history`` is oldest first; the first item's volume is ignored (it is the starting point).
    Needs at least ``min_days`` of history, otherwise there is nothing usual to compare with.
    """
    if len(history) < 2:
        return None
    return usual_monthly_from_total(
        sum(volume for _, volume in history[1:]), history[0][0], history[-1][0], min_days=min_days
    )


def usual_monthly_from_total(used: int, first: dt.date, last: dt.date, *, min_days: int = 60) -> Decimal | None:
    """Average monthly use from the total consumed between the first and the last reading."""
    span = (last - first).days
    if span < min_days:
        return None
    return (Decimal(used) * Decimal("30.4") / span).quantize(Decimal("1"), rounding=ROUND_HALF_UP)


# --- Evaluation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Previous:
    value: int
    taken_on: dt.date


@dataclass(frozen=True)
class ZoneLine:
    zone: str
    previous: int | None
    value: int
    units: int  # meter units; volume = units x transformer ratio
    volume: int
    rollover: bool

    @property
    def label(self) -> str:
        return zone_label(self.zone)


@dataclass
class Evaluation:
    period: Period
    window_open: bool
    lines: list[ZoneLine]
    days: int  # since the previous reading
    implausible: str = ""  # why the volume needs the customer's confirmation; empty when plausible
    taken_on: dt.date | None = None
    opens_day: int = 0  # the day the submission window opens (for the notice when it is closed)

    @property
    def notices(self) -> list[str]:
        """What the customer is told besides the volume (a rollover, the period it counts for).

        Worked out when shown, not by :func:`evaluate`: an import judges tens of thousands of rows and
        shows none of these, and their texts (translated, with the month's name) were a fifth of its time.
        """
        notices = []
        if any(line.rollover for line in self.lines):
            notices.append(_("Счётчик перешёл через ноль: расход посчитан с учётом перехода."))
        if not self.window_open:
            if self.taken_on is None or self.period != Period.of(self.taken_on):
                notices.append(
                    _("Приём показаний за прошлый период закрыт: эти показания будут учтены за %(period)s.")
                    % {"period": self.period.label}
                )
            else:
                notices.append(
                    _("Показания будут учтены за %(period)s; приём показаний открывается %(day)s-го числа.")
                    % {"period": self.period.label, "day": self.opens_day}
                )
        return notices

    @property
    def volume(self) -> int:
        return sum(line.volume for line in self.lines)

    @property
    def volumes(self) -> dict[str, int]:
        return {line.zone: line.volume for line in self.lines}


_DAYS_PER_MONTH = Decimal("30.4")


def _threshold(limits: Limits, days: int) -> Decimal:
    """The volume above which a submission over ``days`` days is implausible (never below ``min_kwh``)."""
    months = max(Decimal(days) / _DAYS_PER_MONTH, Decimal(1))
    return max(Decimal(limits.min_kwh), (limits.usual_monthly_kwh or Decimal(0)) * limits.factor * months)


def evaluate(
    values: Mapping[str, int],
    *,
    previous: Mapping[str, Previous],
    digits: int,
    ratio: int,
    taken_on: dt.date,
    window: Window,
    limits: Limits,
) -> Evaluation:
    """Check parsed values against the meter's last counted readings; raise on what is never accepted."""
    lines = []
    last_day = max((p.taken_on for p in previous.values()), default=taken_on)
    if taken_on < last_day:
        raise DomainError(
            "reading_date_before_last",
            _("Дата показаний раньше последних принятых (%(date)s).") % {"date": f"{last_day:%d.%m.%Y}"},
            field="taken_on",
        )
    days = max((taken_on - last_day).days, 1)
    # The most a connection can deliver since the last reading, a day's worth at least.
    physical_max = int(limits.capacity_kw * 24 * days)
    for zone, value in values.items():
        prev = previous.get(zone)
        if prev is None:
            lines.append(ZoneLine(zone, None, value, 0, 0, False))
            continue
        units, rollover = consumption(prev.value, value, digits=digits)
        if rollover and units * ratio > physical_max:
            raise DomainError(
                "reading_lower_than_previous",
                _(
                    "Показание «%(zone)s» %(value)s меньше последнего принятого %(previous)s. "
                    "Показания не уменьшаются; проверьте цифры до запятой."
                )
                % {"zone": zone_label(zone), "value": value, "previous": prev.value},
                field=zone,
                previous=prev.value,
            )
        lines.append(ZoneLine(zone, prev.value, value, units, units * ratio, rollover))

    period, window_open = window.period_for(taken_on)
    result = Evaluation(
        period=period, window_open=window_open, lines=lines, days=days, taken_on=taken_on, opens_day=window.opens_day
    )
    volume = result.volume
    usual = limits.usual_monthly_kwh
    if volume > physical_max:
        result.implausible = _(
            "Расход %(volume)s кВт·ч за %(days)s дн. больше, чем может пропустить ваше подключение "
            "(%(kw)s кВт, не более %(max)s кВт·ч). Скорее всего, в показания попали цифры после запятой: "
            "передавайте только цифры до запятой."
        ) % {"volume": volume, "days": days, "kw": limits.capacity_kw.normalize(), "max": physical_max}
    elif volume > limits.min_kwh and volume > _threshold(limits, days):
        result.implausible = _(
            "Расход %(volume)s кВт·ч за %(days)s дн. намного больше обычного для этого счёта%(usual)s. "
            "Возможно, вы ввели цифры после запятой: передавайте только цифры до запятой. "
            "Если показания верны, подтвердите отправку."
        ) % {
            "volume": volume,
            "days": days,
            "usual": (_(" (около %(usual)s кВт·ч в месяц)") % {"usual": usual}) if usual else "",
        }
    return result
