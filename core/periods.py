"""The billing period: a calendar month, as a small value type, and its model field."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

MONTHS_NOMINATIVE = [
    _("январь"), _("февраль"), _("март"), _("апрель"), _("май"), _("июнь"),
    _("июль"), _("август"), _("сентябрь"), _("октябрь"), _("ноябрь"), _("декабрь"),
]  # fmt: skip

_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_PERIOD_RE = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


@dataclass(frozen=True, order=True, slots=True)
class Period:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 1900 <= self.year <= 9999:
            raise ValueError(f"not a billing period: {self.year}-{self.month}")

    @classmethod
    def of(cls, day: dt.date) -> Period:
        return _period(day.year, day.month) if cls is Period else cls(day.year, day.month)

    @classmethod
    def parse(cls, text: str) -> Period:
        """``YYYY-MM`` as used in URLs, commands and the API."""
        match = _PERIOD_RE.match(text)
        if not match:
            raise ValueError(f"not a billing period: {text!r} (expected YYYY-MM)")
        return cls(int(match[1]), int(match[2]))

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.year, self.month, self.days)

    @property
    def days(self) -> int:
        # calendar.monthrange's answer, without the weekday it also works out
        return _MONTH_DAYS[self.month] + (self.month == 2 and calendar.isleap(self.year))

    def day(self, number: int) -> dt.date:
        """The given day of the month, clamped to the month's length (the 31st of June is the 30th)."""
        return dt.date(self.year, self.month, min(number, self.days))

    def __add__(self, months: int) -> Period:
        index = self.year * 12 + (self.month - 1) + months
        return _period(index // 12, index % 12 + 1)

    def __sub__(self, months: int) -> Period:
        return self + (-months)

    def months_until(self, other: Period) -> int:
        return (other.year - self.year) * 12 + (other.month - self.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        """Human label: «ноябрь 2026»."""
        return f"{MONTHS_NOMINATIVE[self.month - 1]} {self.year}"


@functools.lru_cache(maxsize=1024)
def _period(year: int, month: int) -> Period:
    """The period of a month, built once: periods are immutable values, and the close of a billing
    period turns hundreds of thousands of stored dates into periods and adds months to them."""
    return Period(year, month)


class PeriodField(models.DateField):
    """Stores a :class:`Period` as the first day of its month: portable, indexable, sortable."""

    description = "Billing period (calendar month)"
    _pyi_private_set_type: Period | dt.date | str  # type: ignore[assignment]
    _pyi_private_get_type: Period  # type: ignore[assignment]
    _pyi_lookup_exact_type: Period | dt.date | str  # type: ignore[assignment]

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Period | None:
        if value is None:
            return None
        if isinstance(value, str):  # SQLite in some aggregate paths
            value = dt.date.fromisoformat(value)
        return _period(value.year, value.month)

    def to_python(self, value: Any) -> Period | None:
        if value is None or isinstance(value, Period):
            return value
        if isinstance(value, dt.date):
            return Period(value.year, value.month)
        try:
            return Period.parse(str(value))
        except ValueError:
            day = super().to_python(value)
            return Period(day.year, day.month) if day else None

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, Period):
            return value.first_day
        if isinstance(value, dt.date):  # DateField's own preparation would turn it into a Period
            return value
        if isinstance(value, str):
            value = self.to_python(value)
            return value.first_day if value else None
        return super().get_prep_value(value)

    def value_to_string(self, obj: Any) -> str:
        value = self.value_from_object(obj)
        return "" if value is None else str(value)
