"""The rules of a reading as pure functions: what is typed, what it means, when it counts, when to ask."""

import calendar
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import DomainError
from core.periods import Period
from metering import rules

DEFAULT = rules.Window(15, 25)
LIMITS = rules.Limits(usual_monthly_kwh=Decimal(250), capacity_kw=Decimal(15), factor=Decimal(5), min_kwh=1000)
NO_HISTORY = rules.Limits(usual_monthly_kwh=None, capacity_kw=Decimal(15), factor=Decimal(5), min_kwh=1000)
LAST_ON = dt.date(2026, 10, 20)
TAKEN_ON = dt.date(2026, 11, 20)  # 31 days later, inside the window


def refused(code, raw, *, digits=6, zone="total"):
    with pytest.raises(DomainError) as error:
        rules.parse_value(raw, digits=digits, zone=zone)
    assert error.value.code == code
    assert error.value.field == zone
    return error.value.message


def evaluate(values, previous, *, taken_on=TAKEN_ON, digits=6, ratio=1, limits=LIMITS, window=DEFAULT):
    return rules.evaluate(
        values,
        previous={zone: rules.Previous(value, LAST_ON) for zone, value in previous.items()},
        digits=digits,
        ratio=ratio,
        taken_on=taken_on,
        window=window,
        limits=limits,
    )


# --- What is typed ----------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["12345,6", "12345.6", "12 345,67", "012345,6"])
def test_a_fraction_is_refused_and_the_integer_part_suggested(typed):
    message = refused("reading_fraction", typed)
    assert message.startswith("Введите только цифры до запятой")
    assert "введите 12345." in message


@given(st.integers(0, 999_999), st.text("0123456789", min_size=1, max_size=3), st.sampled_from([",", "."]))
def test_any_fraction_is_refused_with_its_whole_part_suggested(whole, fraction, separator):
    message = refused("reading_fraction", f"{whole}{separator}{fraction}")
    assert f"введите {whole}." in message


@pytest.mark.parametrize(
    ("typed", "value"), [("12345", 12345), ("12 345", 12345), (" 012\u00a0345 ", 12345), ("0", 0), (42, 42)]
)
def test_integer_part_with_spaces_inside(typed, value):
    assert rules.parse_value(typed, digits=6, zone="total") == value


@given(st.integers(0, 999_999), st.lists(st.sampled_from([" ", "\u00a0", "\u202f"]), max_size=3))
def test_spaced_digits_parse_to_the_number(value, spaces):
    text = f"{value:,}".replace(",", "".join(spaces) or " ")
    assert rules.parse_value(f" {text} ", digits=6, zone="total") == value


@pytest.mark.parametrize("typed", ["12a45", "l2345", "12345kWh", "١٢٣٤", "12+3", "0x1F"])
def test_non_digits_are_refused(typed):
    assert "только цифры" in refused("reading_not_number", typed, zone="day")


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_empty_is_required(typed):
    refused("reading_required", typed)


def test_negative_is_refused():
    refused("reading_negative", "-5")


@pytest.mark.parametrize("digits", [4, 5, 6, 7, 8, 9])
def test_more_digits_than_the_meter_has(digits):
    assert rules.parse_value("9" * digits, digits=digits, zone="total") == 10**digits - 1
    message = refused("reading_too_long", "1" + "0" * digits, digits=digits)
    assert f"у него {digits} разрядов до запятой" in message


@given(st.integers(4, 9).flatmap(lambda d: st.tuples(st.just(d), st.integers(10**d, 10**12))))
def test_values_beyond_the_meters_display_are_too_long(digits_and_value):
    digits, value = digits_and_value
    refused("reading_too_long", str(value), digits=digits)


@given(st.text(max_size=14))
def test_parse_value_returns_a_displayable_integer_or_says_why(text):
    try:
        value = rules.parse_value(text, digits=6, zone="total")
    except DomainError as error:
        assert error.code in {
            "reading_required", "reading_fraction", "reading_negative", "reading_not_number", "reading_too_long",
        }  # fmt: skip
        assert error.message
    else:
        assert 0 <= value <= 999_999


def test_all_zones_together_by_order_or_by_name():
    zones = ("peak", "semipeak", "night")
    assert rules.parse_values(["1", "2", "3"], zones=zones, digits=6) == {"peak": 1, "semipeak": 2, "night": 3}
    assert rules.parse_values({"night": "3", "peak": "1", "semipeak": "2"}, zones=zones, digits=6) == {
        "peak": 1, "semipeak": 2, "night": 3,
    }  # fmt: skip


@pytest.mark.parametrize(
    "raw", [["1", "2"], ["1", "2", "3", "4"], [], {"peak": "1", "semipeak": "2"}, {"day": "1", "night": "2", "x": "3"}]
)
def test_wrong_number_of_zone_values(raw):
    with pytest.raises(DomainError) as error:
        rules.parse_values(raw, zones=("peak", "semipeak", "night"), digits=6)
    assert error.value.code == "reading_zone_count"
    assert "пик, полупик, ночь" in error.value.message
    assert error.value.params["expected"] == 3


def test_a_bad_zone_value_names_its_zone():
    with pytest.raises(DomainError) as error:
        rules.parse_values(["100", "200,5"], zones=("day", "night"), digits=6)
    assert (error.value.code, error.value.field) == ("reading_fraction", "night")


# --- Consumption ------------------------------------------------------------------------------


def test_consumption_is_the_difference():
    assert rules.consumption(11_200, 11_350, digits=6) == (150, False)
    assert rules.consumption(11_200, 11_200, digits=6) == (0, False)


def test_a_six_digit_meter_rolls_over_past_its_maximum():
    assert rules.consumption(999_950, 30, digits=6) == (80, True)
    assert rules.consumption(9_990, 5, digits=4) == (15, True)


@given(st.integers(4, 9).flatmap(lambda d: st.tuples(st.just(d), st.integers(0, 10**d - 1), st.integers(0, 10**d - 1))))
def test_consumption_counts_forward_around_the_dial(case):
    digits, previous, used = case
    value = (previous + used) % 10**digits
    assert rules.consumption(previous, value, digits=digits) == (used, previous + used >= 10**digits)


# --- Submission windows -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "period", "is_open"),
    [
        (dt.date(2026, 11, 20), Period(2026, 11), True),
        (dt.date(2026, 11, 15), Period(2026, 11), True),
        (dt.date(2026, 11, 25), Period(2026, 11), True),
        (dt.date(2026, 11, 26), Period(2026, 12), False),
        (dt.date(2026, 12, 31), Period(2027, 1), False),
        (dt.date(2026, 11, 3), Period(2026, 11), False),
        (dt.date(2026, 11, 14), Period(2026, 11), False),
    ],
)
def test_default_window_15th_to_25th(day, period, is_open):
    assert DEFAULT.period_for(day) == (period, is_open)


@pytest.mark.parametrize(
    ("window", "day", "period", "is_open"),
    [
        # Closing on the 31st means the last day of a shorter month.
        (rules.Window(20, 31), dt.date(2026, 2, 28), Period(2026, 2), True),
        (rules.Window(20, 31), dt.date(2028, 2, 29), Period(2028, 2), True),
        (rules.Window(20, 31), dt.date(2026, 4, 30), Period(2026, 4), True),
        (rules.Window(20, 30), dt.date(2026, 1, 31), Period(2026, 2), False),
        (rules.Window(5, 26), dt.date(2026, 2, 26), Period(2026, 2), True),
        (rules.Window(5, 26), dt.date(2026, 2, 27), Period(2026, 3), False),
        (rules.Window(29, 30), dt.date(2026, 2, 28), Period(2026, 2), True),
    ],
)
def test_windows_in_months_of_28_to_31_days(window, day, period, is_open):
    assert window.period_for(day) == (period, is_open)


windows = st.integers(1, 31).flatmap(lambda o: st.builds(rules.Window, st.just(o), st.integers(o, 31)))


@given(windows, st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)))
def test_a_reading_counts_for_the_current_or_the_next_month(window, day):
    period, is_open = window.period_for(day)
    current = Period.of(day)
    assert period in (current, current + 1)
    days = calendar.monthrange(day.year, day.month)[1]
    opens, closes = min(window.opens_day, days), min(window.closes_day, days)
    assert is_open == (opens <= day.day <= closes)
    assert (period == current + 1) == (day.day > closes)


def test_window_status_counts_days_left_and_days_until_it_opens():
    status = DEFAULT.status(dt.date(2026, 11, 20))
    assert (status.is_open, status.period, status.closes_on, status.days) == (
        True, Period(2026, 11), dt.date(2026, 11, 25), 6,
    )  # fmt: skip
    status = DEFAULT.status(dt.date(2026, 11, 26))
    assert (status.is_open, status.period, status.opens_on, status.days) == (
        False, Period(2026, 12), dt.date(2026, 12, 15), 19,
    )  # fmt: skip


# --- Evaluation ---------------------------------------------------------------------------------


def test_an_ordinary_reading_is_plausible_and_counts_for_the_open_period():
    result = evaluate({"total": 11_450}, {"total": 11_200})
    assert (result.volume, result.period, result.window_open, result.days) == (250, Period(2026, 11), True, 31)
    assert result.implausible == "" and result.notices == []


def test_a_lower_value_that_cannot_be_a_rollover_is_refused():
    with pytest.raises(DomainError) as error:
        evaluate({"total": 11_100}, {"total": 11_200})
    assert error.value.code == "reading_lower_than_previous"
    assert error.value.field == "total"
    assert "11100 меньше последнего принятого 11200" in error.value.message


def test_a_believable_rollover_is_accepted_with_a_notice():
    result = evaluate({"total": 30}, {"total": 999_950})
    assert result.volume == 80
    assert result.lines[0].rollover
    assert result.implausible == ""
    assert any("перешёл через ноль" in n for n in result.notices)


def test_volume_beyond_what_the_connection_can_deliver_is_implausible():
    # 15 kW x 24 h x 31 days = 11 160 kWh at most
    result = evaluate({"total": 11_200 + 11_161}, {"total": 11_200})
    assert "больше, чем может пропустить ваше подключение" in result.implausible
    assert "не более 11160 кВт·ч" in result.implausible
    assert evaluate({"total": 11_200 + 11_160}, {"total": 11_200}).implausible.startswith("Расход 11160")


def test_typing_the_fraction_digits_too_is_caught_as_implausible():
    # 11 245,7 typed as 112457: more than this connection could deliver in a month.
    result = evaluate({"total": 112_457}, {"total": 11_200})
    assert "цифры после запятой" in result.implausible


def test_volume_far_above_usual_use_needs_confirmation():
    # usual 250 kWh a month x 5 = 1250 over a month (30 days); scaled to longer gaps
    month_later = LAST_ON + dt.timedelta(days=30)
    assert evaluate({"total": 11_200 + 1250}, {"total": 11_200}, taken_on=month_later).implausible == ""
    message = evaluate({"total": 11_200 + 1251}, {"total": 11_200}, taken_on=month_later).implausible
    assert "намного больше обычного" in message and "около 250 кВт·ч в месяц" in message
    two_months_later = LAST_ON + dt.timedelta(days=61)  # 2 months of usual use: 2500 is fine then
    assert evaluate({"total": 11_200 + 2500}, {"total": 11_200}, taken_on=two_months_later).implausible == ""


def test_without_history_only_the_minimum_threshold_applies():
    assert evaluate({"total": 1000}, {"total": 0}, limits=NO_HISTORY).implausible == ""
    message = evaluate({"total": 1001}, {"total": 0}, limits=NO_HISTORY).implausible
    assert "намного больше обычного" in message and "около" not in message


def test_the_transformer_ratio_multiplies_the_volume():
    result = evaluate({"total": 1_010}, {"total": 1_000}, ratio=40)
    assert (result.lines[0].units, result.volume) == (10, 400)


def test_the_first_reading_of_a_zone_has_no_volume():
    result = evaluate({"day": 500, "night": 300}, {})
    assert result.volume == 0 and result.lines[0].previous is None


def test_a_date_before_the_last_reading_is_refused():
    with pytest.raises(DomainError) as error:
        evaluate({"total": 11_300}, {"total": 11_200}, taken_on=LAST_ON - dt.timedelta(days=1))
    assert error.value.code == "reading_date_before_last"
    assert "20.10.2026" in error.value.message


def test_after_the_window_the_reading_counts_for_next_period_with_a_notice():
    result = evaluate({"total": 11_300}, {"total": 11_200}, taken_on=dt.date(2026, 11, 26))
    assert (result.period, result.window_open) == (Period(2026, 12), False)
    assert result.notices == ["Приём показаний за прошлый период закрыт: эти показания будут учтены за декабрь 2026."]


def test_before_the_window_opens_the_notice_says_when_it_opens():
    result = evaluate({"total": 11_300}, {"total": 11_200}, taken_on=dt.date(2026, 11, 3))
    assert (result.period, result.window_open) == (Period(2026, 11), False)
    assert result.notices == ["Показания будут учтены за ноябрь 2026; приём показаний открывается 15-го числа."]


@given(st.integers(0, 999_999), st.integers(0, 999_999), st.integers(1, 400))
def test_evaluate_accepts_forward_values_and_refuses_lower_ones_beyond_a_rollover(previous, value, days):
    taken_on = LAST_ON + dt.timedelta(days=days)
    try:
        result = evaluate({"total": value}, {"total": previous}, taken_on=taken_on)
    except DomainError as error:
        assert error.code == "reading_lower_than_previous"
        assert value < previous
    else:
        units, rollover = rules.consumption(previous, value, digits=6)
        assert result.volume == units and result.lines[0].rollover == rollover
        assert not rollover or units <= 15 * 24 * days
