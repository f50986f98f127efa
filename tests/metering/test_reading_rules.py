"""The rules of one reading, as a customer meets them on every channel."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import DomainError
from core.periods import Period
from metering import rules

WINDOW = rules.Window(15, 25)
LIMITS = rules.Limits(usual_monthly_kwh=Decimal(250), capacity_kw=Decimal(15), factor=Decimal(5), min_kwh=1000)


def evaluate(values, previous, *, taken_on=dt.date(2026, 11, 20), digits=6, limits=LIMITS):
    prev = {z: rules.Previous(v, dt.date(2026, 10, 20)) for z, v in previous.items()}
    return rules.evaluate(
        values, previous=prev, digits=digits, ratio=1, taken_on=taken_on, window=WINDOW, limits=limits
    )


@pytest.mark.parametrize("typed", ["12345,6", "12345.6", "12 345,67"])
def test_a_fraction_is_refused_with_the_integer_part_suggested(typed):
    with pytest.raises(DomainError) as error:
        rules.parse_value(typed, digits=6, zone="total")
    assert error.value.code == "reading_fraction"
    assert "только цифры до запятой" in error.value.message
    assert "введите 12345" in error.value.message


@given(st.integers(0, 999_999), st.integers(1, 9))
def test_any_fraction_after_a_valid_integer_is_refused(whole, fraction):
    with pytest.raises(DomainError) as error:
        rules.parse_value(f"{whole},{fraction}", digits=6, zone="total")
    assert error.value.code == "reading_fraction"
    assert f"введите {whole}" in error.value.message


@given(st.integers(0, 999_999))
def test_integers_with_spaces_parse_to_themselves(value):
    spaced = f"{value:,}".replace(",", " ")
    assert rules.parse_value(f"  {spaced} ", digits=6, zone="total") == value


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "reading_required"),
        ("12a45", "reading_not_number"),
        ("-5", "reading_negative"),
        ("1234567", "reading_too_long"),
    ],
)
def test_malformed_values_get_their_own_message(typed, code):
    with pytest.raises(DomainError) as error:
        rules.parse_value(typed, digits=6, zone="day")
    assert error.value.code == code
    assert error.value.field == "day"


@given(st.text(max_size=12))
def test_parse_value_either_returns_an_in_range_integer_or_explains(text):
    try:
        value = rules.parse_value(text, digits=6, zone="total")
    except DomainError as error:
        assert error.message
    else:
        assert 0 <= value <= 999_999


def test_all_zones_of_a_meter_go_together():
    assert rules.parse_values(["1", "2", "3"], zones=("peak", "semipeak", "night"), digits=6) == {
        "peak": 1, "semipeak": 2, "night": 3,
    }  # fmt: skip
    with pytest.raises(DomainError) as error:
        rules.parse_values(["1", "2"], zones=("peak", "semipeak", "night"), digits=6)
    assert error.value.code == "reading_zone_count"
    assert "пик, полупик, ночь" in error.value.message


def test_rollover_past_the_maximum_counts_the_units_through_zero():
    assert rules.consumption(999_950, 30, digits=6) == (80, True)
    assert rules.consumption(100, 180, digits=6) == (80, False)


@given(st.integers(4, 9).flatmap(lambda d: st.tuples(st.just(d), st.integers(0, 10**d - 1), st.integers(0, 10**d - 1))))
def test_consumption_is_never_negative_and_adds_back_to_the_new_value(case):
    digits, previous, value = case
    units, rollover = rules.consumption(previous, value, digits=digits)
    assert 0 <= units < 10**digits
    assert (previous + units) % 10**digits == value
    assert rollover == (value < previous)


@pytest.mark.parametrize(
    ("day", "period", "is_open"),
    [
        (15, Period(2026, 11), True),
        (25, Period(2026, 11), True),
        (26, Period(2026, 12), False),
        (3, Period(2026, 11), False),
    ],
)
def test_window_decides_the_period(day, period, is_open):
    assert WINDOW.period_for(dt.date(2026, 11, day)) == (period, is_open)


@given(st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)), st.integers(1, 28), st.integers(0, 10))
def test_a_reading_counts_for_this_month_or_the_next(day, opens, length):
    window = rules.Window(opens, min(opens + length, 31))
    period, is_open = window.period_for(day)
    assert period in (Period.of(day), Period.of(day) + 1)
    assert is_open == (period == Period.of(day) and opens <= day.day <= Period.of(day).day(window.closes_day).day)


def test_window_status_counts_days_left_including_today():
    status = WINDOW.status(dt.date(2026, 11, 23))
    assert status.is_open and status.days == 3 and status.closes_on == dt.date(2026, 11, 25)


def test_lower_value_that_is_not_a_believable_rollover_is_refused():
    with pytest.raises(DomainError) as error:
        evaluate({"total": 12000}, {"total": 12345})
    assert error.value.code == "reading_lower_than_previous"
    assert "меньше последнего принятого 12345" in error.value.message


def test_a_rollover_is_accepted_and_announced():
    result = evaluate({"total": 30}, {"total": 999_950})
    assert result.lines[0].rollover and result.volume == 80
    assert not result.implausible
    assert any("через ноль" in n for n in result.notices)


def test_fraction_digits_typed_in_are_caught_as_beyond_the_connection():
    result = evaluate({"total": 123_456}, {"total": 12_300})  # 12345,6 typed as 123456
    assert "подключение" in result.implausible
    assert "цифры после запятой" in result.implausible


def test_far_above_usual_use_needs_confirmation_but_usual_use_does_not():
    assert "намного больше обычного" in evaluate({"total": 11_500}, {"total": 10_000}).implausible
    assert evaluate({"total": 10_300}, {"total": 10_000}).implausible == ""


def test_after_the_window_the_reading_counts_for_next_month_and_says_so():
    result = evaluate({"total": 10_200}, {"total": 10_000}, taken_on=dt.date(2026, 11, 27))
    assert result.period == Period(2026, 12) and not result.window_open
    assert any("декабрь 2026" in n for n in result.notices)


def test_usual_monthly_use_needs_two_months_of_history():
    assert rules.usual_monthly_kwh([(dt.date(2026, 1, 20), 0), (dt.date(2026, 2, 20), 300)]) is None
    history = [
        (dt.date(2026, 1, 20), 0),
        (dt.date(2026, 2, 20), 300),
        (dt.date(2026, 3, 20), 300),
        (dt.date(2026, 4, 20), 300),
    ]
    assert rules.usual_monthly_kwh(history) == Decimal(304)  # 900 kWh over 90 days x 30.4
