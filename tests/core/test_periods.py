"""The billing period: a calendar month that adds, compares, parses and is stored as its first day."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.periods import Period
from metering.models import Reading
from tests.factories import MeterFactory, add_submission

periods = st.builds(Period, st.integers(1950, 2900), st.integers(1, 12))


def test_a_period_is_the_month_of_a_day():
    assert Period.of(dt.date(2026, 11, 30)) == Period(2026, 11)


@pytest.mark.parametrize(("text", "period"), [("2026-11", Period(2026, 11)), (" 2027-1 ", Period(2027, 1))])
def test_parses_year_dash_month(text, period):
    assert Period.parse(text) == period


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "11.2026", "2026/11", "", "2026-11-01"])
def test_refuses_what_is_not_a_month(text):
    with pytest.raises(ValueError, match="not a billing period"):
        Period.parse(text)


@pytest.mark.parametrize(
    ("period", "days", "last"),
    [
        (Period(2026, 2), 28, dt.date(2026, 2, 28)),
        (Period(2028, 2), 29, dt.date(2028, 2, 29)),
        (Period(2026, 4), 30, dt.date(2026, 4, 30)),
        (Period(2026, 12), 31, dt.date(2026, 12, 31)),
    ],
)
def test_knows_the_length_of_its_month(period, days, last):
    assert period.days == days
    assert period.first_day == dt.date(period.year, period.month, 1)
    assert period.last_day == last


def test_a_day_beyond_the_month_is_its_last_day():
    assert Period(2026, 2).day(31) == dt.date(2026, 2, 28)
    assert Period(2026, 6).day(31) == dt.date(2026, 6, 30)
    assert Period(2026, 6).day(15) == dt.date(2026, 6, 15)


def test_adding_months_crosses_years():
    assert Period(2026, 11) + 2 == Period(2027, 1)
    assert Period(2026, 1) - 1 == Period(2025, 12)
    assert Period(2026, 1) - 13 == Period(2024, 12)


def test_label_and_text_form():
    assert Period(2026, 11).label == "ноябрь 2026"
    assert str(Period(2027, 1)) == "2027-01"


@given(periods, st.integers(-600, 600))
def test_adding_then_subtracting_months_returns_to_the_period(period, months):
    assert (period + months) - months == period
    assert period.months_until(period + months) == months
    assert (period + months > period) == (months > 0)


@given(periods)
def test_text_form_parses_back(period):
    assert Period.parse(str(period)) == period


@given(st.dates(dt.date(1950, 1, 1), dt.date(2900, 12, 31)))
def test_every_day_lies_within_its_period(day):
    period = Period.of(day)
    assert period.first_day <= day <= period.last_day
    assert (period + 1).first_day == period.last_day + dt.timedelta(days=1)


@pytest.mark.django_db
def test_stored_period_comes_back_as_a_period_and_filters_by_month():
    meter = MeterFactory()
    add_submission(meter, dt.date(2026, 3, 20), {"total": 100}, period=Period(2026, 4))
    row = Reading.objects.get(meter=meter)
    assert row.period == Period(2026, 4)
    assert Reading.objects.filter(period=Period(2026, 4)).count() == 1
    assert Reading.objects.filter(period="2026-04").count() == 1
    assert not Reading.objects.filter(period=Period(2026, 3)).exists()
