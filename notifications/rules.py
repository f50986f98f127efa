"""Pure rules of notifications: quiet hours, retry backoff, and when each reminder is due.

No database here: the reminders (``reminders.py``) feed these with facts and act on the answer.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from core.periods import Period

_QUIET_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class QuietHours:
    """A daily interval of local time [start, end) when SMS are held; it may wrap midnight."""

    start: dt.time
    end: dt.time

    @classmethod
    def parse(cls, text: str) -> QuietHours | None:
        """``"21:00-09:00"``; an empty text means no quiet hours."""
        if not text.strip():
            return None
        match = _QUIET_RE.match(text)
        if not match:
            raise ValueError(f"quiet hours must look like 21:00-09:00, not {text!r}")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = dt.time(h1, m1), dt.time(h2, m2)
        if start == end:
            raise ValueError("quiet hours must not start and end at the same time")
        return cls(start, end)

    def contains(self, moment: dt.time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


def held_until(moment: dt.datetime, quiet: QuietHours | None, zone: ZoneInfo) -> dt.datetime | None:
    """When an SMS written at ``moment`` may go: None at once, or the end of the quiet period it falls in."""
    if quiet is None:
        return None
    local = moment.astimezone(zone)
    if not quiet.contains(local.time()):
        return None
    end = dt.datetime.combine(local.date(), quiet.end, tzinfo=zone)
    if end <= local:  # after the start in the evening: the quiet period ends tomorrow morning
        end = dt.datetime.combine(local.date() + dt.timedelta(days=1), quiet.end, tzinfo=zone)
    return end


def retry_delay(attempts: int, *, base: int = 30, cap: int = 3600) -> dt.timedelta:
    """Pause before the next try after ``attempts`` failed ones: 30 s, 1 min, 2 min, ... at most an hour."""
    return dt.timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


# --- Reminders ---------------------------------------------------------------------------------


class Reminder:
    WINDOW_OPENS = "window"
    DEADLINE = "deadline"


def readings_reminder(*, today: dt.date, is_open: bool, closes_on: dt.date, notice_days: int) -> tuple[str, str] | None:
    """Which readings reminder is due today, with the period-wide part of its event key.

    While the window is open: "the window is open" until ``notice_days`` before its last day, then
    "the deadline is near" (sent once, also when the beat missed the exact day). Closed: nothing.
    """
    if not is_open:
        return None
    if today >= closes_on - dt.timedelta(days=notice_days):
        return Reminder.DEADLINE, "readings-deadline"
    return Reminder.WINDOW_OPENS, "readings-window"


def readings_event_key(prefix: str, period: Period) -> str:
    return f"{prefix}:{period}"


@dataclass(frozen=True)
class DebtNotice:
    event_key: str
    accruing: bool  # penalties accrue from tomorrow (or already do); otherwise they start on ``starts_on``
    starts_on: dt.date
    per_day: Decimal


def debt_notice(
    *, account_number: str, today: dt.date, starts_on: dt.date | None, per_day: Decimal, notice_days: int
) -> DebtNotice | None:
    """What to tell about a debt given its penalty forecast (``starts_on`` None: no penalty coming).

    Penalties starting within ``notice_days``: "they start on <date>", once per start date; penalties
    accruing from tomorrow: "they accrue", once a calendar month while the debt lasts.
    """
    if starts_on is None:
        return None
    days = (starts_on - today).days
    if days > notice_days:
        return None
    if days <= 1:
        return DebtNotice(f"debt-penalty:{account_number}:{Period.of(today)}", True, starts_on, per_day)
    return DebtNotice(f"penalty-soon:{account_number}:{starts_on.isoformat()}", False, starts_on, per_day)


def shorten_list(items: list[str], *, at_most: int = 3) -> str:
    """``"a, b, c"``; beyond ``at_most`` the rest is counted: ``"a, b, c +2"``."""
    shown = ", ".join(items[:at_most])
    return shown if len(items) <= at_most else f"{shown} +{len(items) - at_most}"
