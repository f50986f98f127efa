"""Reads for pages and the API: meters with their last readings, history, monthly consumption."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.http import Http404
from django.utils import timezone

from billing import selectors as billing_selectors
from core import sql
from core.periods import Period
from customers.models import Account, AccountLink

from . import rules
from .models import Meter, Reading
from .services import window_on


def window_status(day: dt.date) -> rules.WindowStatus:
    return window_on(day).status(day)


_METER_FOR_USER_SQL = """
SELECT {meter_columns}, {account_columns} FROM {meter} m JOIN {account} a ON a.{pk} = m.{account_id}
WHERE m.{pk} = %s AND a.{number} = %s
  AND EXISTS (SELECT 1 FROM {link} l WHERE l.{link_account} = a.{pk} AND l.{link_user} = %s)
"""


@functools.cache
def _meter_for_user_sql(vendor: str) -> str:
    return _METER_FOR_USER_SQL.format(
        meter_columns=sql.columns(Meter, "m").sql,
        account_columns=sql.columns(Account, "a").sql,
        meter=sql.table(Meter),
        account=sql.table(Account),
        link=sql.table(AccountLink),
        pk=sql.column(Meter, "id"),
        account_id=sql.column(Meter, "account"),
        number=sql.column(Account, "number"),
        link_account=sql.column(AccountLink, "account"),
        link_user=sql.column(AccountLink, "user"),
    )


def meter_for_user(user: Any, number: str, meter_id: int) -> Meter:
    """The meter (with its account) if it is on that account and the user is linked to it; 404 otherwise,
    the same whether it exists or not. Plain SQL (see ``sql``): it opens every portal submission."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    meter_columns, account_columns = sql.columns(Meter, "m"), sql.columns(Account, "a")
    query = _meter_for_user_sql(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(query, [meter_id, number, user.pk])
        row = cursor.fetchone()
    if row is None:
        raise Http404
    split = len(meter_columns.names)
    meter = meter_columns.instance(row[:split])
    meter.account = account_columns.instance(row[split:])
    return meter


def active_meters(account: Account) -> list[Meter]:
    return list(account.meters.filter(status=Meter.Status.ACTIVE).order_by("serial"))


def last_readings(meters: list[Meter]) -> dict[int, dict[str, Reading]]:
    """The last counted reading per zone of each meter, with the state a customer sees."""
    latest: dict[int, dict[str, Reading]] = defaultdict(dict)
    # One submission holds all zones, so the newest few rows per meter cover every zone.
    for meter in meters:
        rows = Reading.objects.filter(meter=meter, state__in=Reading.COUNTED).order_by("-taken_on", "-id")
        for row in billing_selectors.as_shown(rows, limit=3 * len(meter.zones)):
            latest[meter.pk].setdefault(row.zone, row)
    return latest


@dataclass
class HistoryEntry:
    submission: uuid.UUID
    taken_on: dt.date
    submitted_at: dt.datetime
    period: Period
    source: str
    state: str
    state_label: str
    source_label: str
    values: dict[str, int] = field(default_factory=dict)
    volumes: dict[str, int | None] = field(default_factory=dict)
    rollover: bool = False
    reason: str = ""
    entered_by_id: int | None = None

    def correctable_by(self, user_id: int, today: dt.date) -> bool:
        """A customer corrects their own accepted submission until midnight of the day they sent it."""
        return (
            self.state == Reading.State.ACCEPTED
            and self.entered_by_id == user_id
            and timezone.localdate(self.submitted_at) == today
        )

    @property
    def volume(self) -> int | None:
        if not self.volumes or any(v is None for v in self.volumes.values()):
            return None
        return sum(v for v in self.volumes.values() if v is not None)


def reading_history(meter: Meter, *, limit: int = 36) -> list[HistoryEntry]:
    """Submissions newest first, each with its consumption against the previous counted one.

    Replaced and rejected submissions are listed too (with their state) but never count as "previous".
    """
    rows = billing_selectors.as_shown(meter.readings.select_related(None).order_by("taken_on", "id"))
    entries: dict[uuid.UUID, HistoryEntry] = {}
    previous: dict[str, int] = {}
    for row in rows:
        entry = entries.get(row.submission)
        if entry is None:
            entry = entries[row.submission] = HistoryEntry(
                submission=row.submission,
                taken_on=row.taken_on,
                submitted_at=row.submitted_at,
                period=row.period,
                source=row.source,
                state=row.state,
                state_label=row.get_state_display(),
                source_label=row.get_source_display(),
                reason=row.rejection_reason,
                entered_by_id=row.entered_by_id,
            )
        entry.values[row.zone] = row.value
        entry.rollover = entry.rollover or row.rollover
        counted = row.state in Reading.COUNTED
        before = previous.get(row.zone)
        if before is None or row.source == Reading.Source.INSTALLATION:
            entry.volumes[row.zone] = None
        else:
            entry.volumes[row.zone] = (
                rules.consumption(before, row.value, digits=meter.digits)[0] * meter.transformer_ratio
            )
        if counted:
            previous[row.zone] = row.value
    return list(reversed(entries.values()))[:limit]


def monthly_consumption(meter: Meter, *, last: Period, months: int = 12) -> list[tuple[Period, dict[str, int] | None]]:
    """Consumption per billing period and zone by the last counted reading of each period.

    A period without readings is ``None`` (its volume shows up in the next period with readings).
    """
    first = last - (months - 1)
    by_period: dict[Period, dict[str, int]] = {}
    baseline: dict[str, int] = {}
    for row in meter.readings.filter(state__in=Reading.COUNTED).order_by("taken_on", "id"):
        if row.period < first:
            baseline[row.zone] = row.value
        elif row.period <= last:
            by_period.setdefault(row.period, {})[row.zone] = row.value
    result: list[tuple[Period, dict[str, int] | None]] = []
    for index in range(months):
        period = first + index
        values = by_period.get(period)
        if values is None:
            result.append((period, None))
            continue
        volumes = {}
        for zone, value in values.items():
            before = baseline.get(zone)
            volumes[zone] = (
                0
                if before is None
                else rules.consumption(before, value, digits=meter.digits)[0] * meter.transformer_ratio
            )
            baseline[zone] = value
        result.append((period, volumes))
    return result
