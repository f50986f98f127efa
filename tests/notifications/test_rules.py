"""The pure rules: quiet hours, retry pauses, which readings reminder is due, what a debt is told."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifications import rules

SAMARA = ZoneInfo("Europe/Samara")
NIGHT = rules.QuietHours.parse("21:00-09:00")
LUNCH = rules.QuietHours.parse("13:00-14:00")
moments = st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2035, 12, 31)).map(
    lambda moment: moment.replace(tzinfo=SAMARA)
)


def at(hour, minute=0, day=20):
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SAMARA)


def test_an_sms_written_at_night_waits_until_nine_in_the_morning():
    assert rules.held_until(at(22, 30), NIGHT, SAMARA) == at(9, day=21)
    assert rules.held_until(at(3, 15), NIGHT, SAMARA) == at(9)
    assert rules.held_until(at(21), NIGHT, SAMARA) == at(9, day=21)  # the start is quiet already


def test_an_sms_written_in_the_day_goes_at_once():
    assert rules.held_until(at(9), NIGHT, SAMARA) is None  # the end is not quiet any more
    assert rules.held_until(at(12), NIGHT, SAMARA) is None
    assert rules.held_until(at(20, 59), NIGHT, SAMARA) is None


def test_quiet_hours_are_read_in_the_company_zone():
    utc_evening = dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC)  # 22:00 in Samara (UTC+4)
    assert rules.held_until(utc_evening, NIGHT, SAMARA) == at(9, day=21)
    assert rules.held_until(utc_evening, NIGHT, ZoneInfo("UTC")) is None


def test_no_quiet_hours_hold_nothing():
    assert rules.QuietHours.parse("") is None
    assert rules.held_until(at(23), None, SAMARA) is None


@pytest.mark.parametrize("text", ["21-09", "21:00", "25:00-09:00", "21:00-21:00", "вечер"])
def test_malformed_quiet_hours_are_refused(text):
    with pytest.raises(ValueError):
        rules.QuietHours.parse(text)


@given(moment=moments, quiet=st.sampled_from([NIGHT, LUNCH]))
def test_a_held_sms_waits_exactly_until_the_quiet_period_ends(moment, quiet):
    until = rules.held_until(moment, quiet, SAMARA)
    if until is None:
        assert not quiet.contains(moment.time())
        return
    assert quiet.contains(moment.time())
    assert moment < until <= moment + dt.timedelta(hours=24)
    assert until.astimezone(SAMARA).time() == quiet.end
    assert not quiet.contains(until.astimezone(SAMARA).time())
    # Every minute before it is still quiet: it is the end of the period the SMS was written in.
    probe = moment + (until - moment) / 2
    assert quiet.contains(probe.astimezone(SAMARA).time())


def test_retries_wait_longer_each_time_up_to_an_hour():
    pauses = [rules.retry_delay(n).total_seconds() for n in range(1, 10)]
    assert pauses[:4] == [30, 60, 120, 240]
    assert pauses == sorted(pauses) and max(pauses) == 3600


def reminder(day, *, is_open=True):
    return rules.readings_reminder(
        today=dt.date(2026, 11, day), is_open=is_open, closes_on=dt.date(2026, 11, 25), notice_days=2
    )


def test_while_the_window_is_open_it_is_announced_until_two_days_before_its_end():
    assert reminder(15) == (rules.Reminder.WINDOW_OPENS, "readings-window")
    assert reminder(22) == (rules.Reminder.WINDOW_OPENS, "readings-window")
    assert reminder(23) == (rules.Reminder.DEADLINE, "readings-deadline")
    assert reminder(25) == (rules.Reminder.DEADLINE, "readings-deadline")  # a beat that missed the 23rd
    assert reminder(10, is_open=False) is None
    assert reminder(26, is_open=False) is None


def notice(today, starts_on):
    return rules.debt_notice(
        account_number="6300000101",
        today=today,
        starts_on=starts_on,
        per_day=Decimal("0.4125"),
        notice_days=5,
    )


def test_a_penalty_is_announced_five_days_ahead_once_per_start_date():
    today = dt.date(2026, 12, 5)
    assert notice(today, None) is None
    assert notice(today, dt.date(2026, 12, 11)) is None  # six days ahead: not yet
    soon = notice(today, dt.date(2026, 12, 10))
    assert soon is not None and not soon.accruing
    assert soon.event_key == "penalty-soon:6300000101:2026-12-10"
    assert notice(dt.date(2026, 12, 7), dt.date(2026, 12, 10)).event_key == soon.event_key


def test_an_accruing_penalty_is_told_once_a_month():
    december = notice(dt.date(2026, 12, 12), dt.date(2026, 12, 13))
    assert december.accruing and december.event_key == "debt-penalty:6300000101:2026-12"
    assert notice(dt.date(2026, 12, 28), dt.date(2026, 12, 29)).event_key == december.event_key
    assert notice(dt.date(2027, 1, 3), dt.date(2027, 1, 4)).event_key == "debt-penalty:6300000101:2027-01"


def test_long_lists_of_accounts_are_shortened_in_a_message():
    assert rules.shorten_list(["1", "2"]) == "1, 2"
    assert rules.shorten_list(["1", "2", "3", "4", "5"]) == "1, 2, 3 +2"
