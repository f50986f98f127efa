"""What the pages read: the history of submissions, consumption per month, the last readings."""

import datetime as dt

import pytest

from core.periods import Period
from metering.models import Reading
from metering.selectors import last_readings, monthly_consumption, reading_history
from tests.factories import MeterFactory, add_submission

pytestmark = pytest.mark.django_db


def d(month, day=20, year=2026):
    return dt.date(year, month, day)


@pytest.fixture
def meter():
    m = MeterFactory(scheme=2)
    add_submission(m, d(6, 5), {"day": 1_000, "night": 500}, source=Reading.Source.INSTALLATION)
    add_submission(m, d(7), {"day": 1_100, "night": 550})
    add_submission(m, d(8), {"day": 1_250, "night": 600})
    return m


def test_history_is_newest_first_with_volumes_against_the_previous_counted(meter):
    entries = reading_history(meter)
    assert [e.taken_on for e in entries] == [d(8), d(7), d(6, 5)]
    assert [e.values for e in entries] == [
        {"day": 1_250, "night": 600}, {"day": 1_100, "night": 550}, {"day": 1_000, "night": 500},
    ]  # fmt: skip
    assert [e.volumes for e in entries[:2]] == [{"day": 150, "night": 50}, {"day": 100, "night": 50}]
    assert [e.volume for e in entries] == [200, 150, None]  # the installation act has no consumption
    assert entries[0].source_label == "личный кабинет" and entries[0].state_label == "учтено в счёте"


def test_replaced_submission_is_listed_but_never_counts_as_previous(meter):
    add_submission(meter, d(9), {"day": 9_999, "night": 9_999}, state=Reading.State.REPLACED, reason="опечатка")
    add_submission(meter, d(9), {"day": 1_400, "night": 650}, state=Reading.State.ACCEPTED)

    latest, replaced = reading_history(meter)[:2]
    assert (replaced.state, replaced.state_label, replaced.reason) == ("replaced", "заменено исправлением", "опечатка")
    assert latest.volumes == {"day": 150, "night": 50}  # against August, not against the typo


def test_history_shows_a_rollover_and_multiplies_by_the_transformer_ratio():
    meter = MeterFactory(digits=5, transformer_ratio=20)
    add_submission(meter, d(7), {"total": 99_990})
    add_submission(meter, d(8), {"total": 15}, rollover=True)
    entry = reading_history(meter)[0]
    assert entry.rollover and entry.volume == 25 * 20


def test_history_limit_keeps_the_newest(meter):
    assert [e.taken_on for e in reading_history(meter, limit=1)] == [d(8)]


def test_monthly_consumption_per_period_with_gaps(meter):
    # No reading in September; October's reading carries both months.
    add_submission(meter, d(10), {"day": 1_550, "night": 700})
    months = dict(monthly_consumption(meter, last=Period(2026, 11), months=5))
    assert list(months) == [Period(2026, m) for m in (7, 8, 9, 10, 11)]
    assert months[Period(2026, 7)] == {"day": 100, "night": 50}  # against the installation baseline
    assert months[Period(2026, 8)] == {"day": 150, "night": 50}
    assert months[Period(2026, 9)] is None
    assert months[Period(2026, 10)] == {"day": 300, "night": 100}
    assert months[Period(2026, 11)] is None


def test_monthly_consumption_uses_the_last_reading_of_each_period_and_skips_replaced(meter):
    add_submission(meter, d(9, 16), {"day": 1_300, "night": 610})
    add_submission(meter, d(9, 24), {"day": 1_350, "night": 640})
    add_submission(meter, d(9, 25), {"day": 5_000, "night": 5_000}, state=Reading.State.REPLACED)
    months = dict(monthly_consumption(meter, last=Period(2026, 9), months=1))
    assert months == {Period(2026, 9): {"day": 100, "night": 40}}


def test_monthly_consumption_by_period_not_by_date():
    meter = MeterFactory()
    add_submission(meter, d(9), {"total": 1_000})
    add_submission(meter, d(10, 27), {"total": 1_300}, period=Period(2026, 11))  # after October's window
    months = dict(monthly_consumption(meter, last=Period(2026, 11), months=2))
    assert months == {Period(2026, 10): None, Period(2026, 11): {"total": 300}}


def test_monthly_consumption_across_a_rollover():
    meter = MeterFactory(digits=6)
    add_submission(meter, d(9), {"total": 999_900})
    add_submission(meter, d(10), {"total": 100}, rollover=True)
    assert monthly_consumption(meter, last=Period(2026, 10), months=1) == [(Period(2026, 10), {"total": 200})]


def test_last_readings_per_zone_ignore_replaced_and_rejected(meter):
    add_submission(meter, d(9), {"day": 9_000, "night": 9_000}, state=Reading.State.REPLACED)
    add_submission(meter, d(9, 21), {"day": 8_000, "night": 8_000}, state=Reading.State.REJECTED)
    other = MeterFactory()
    add_submission(other, d(8), {"total": 42}, state=Reading.State.ACCEPTED)
    empty = MeterFactory()

    latest = last_readings([meter, other, empty])
    assert {z: r.value for z, r in latest[meter.pk].items()} == {"day": 1_250, "night": 600}
    assert latest[meter.pk]["day"].taken_on == d(8)
    assert latest[other.pk]["total"].value == 42
    assert latest[empty.pk] == {}
