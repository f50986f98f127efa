"""Consumption history, Octopus-style: billed months say actual or estimated, open months come from readings."""

from __future__ import annotations

import datetime as dt

import pytest

from metering.models import Reading
from tests.factories import add_submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def url(meter_url):
    return meter_url + "consumption/"


def months(body):
    return [(r["period_from"], r["consumption"], r["basis"], r["estimated"], r["billed"]) for r in body["results"]]


def test_months_not_billed_yet_come_from_the_readings_newest_first(api, url):
    body = api.get(url, {"period_from": "2026-08", "period_to": "2026-11"}).json()
    assert months(body) == [
        ("2026-10", 200, ["readings"], False, False),
        ("2026-09", 200, ["readings"], False, False),
        ("2026-08", 200, ["readings"], False, False),
    ]  # November has no reading yet: left out
    first = body["results"][0]
    assert (first["interval_start"], first["interval_end"], first["zones"]) == (
        "2026-10-01",
        "2026-10-31",
        {"total": 200},
    )


def test_a_month_billed_without_readings_is_estimated_and_turns_actual_when_readings_arrive(api, url, meter, close):
    close("2026-11")  # no November reading: charged by the average
    november = api.get(url, {"period_from": "2026-11", "period_to": "2026-11"}).json()["results"]
    assert [(r["basis"], r["estimated"], r["billed"]) for r in november] == [(["average"], True, True)]
    assert november[0]["consumption"] == 200

    add_submission(meter, dt.date(2026, 12, 20), {"total": 11_800}, state=Reading.State.ACCEPTED)
    close("2026-12")  # the December reading recalculates November from readings
    body = api.get(url, {"period_from": "2026-11", "period_to": "2026-12", "order_by": "period"}).json()
    assert [(r["period_from"], r["basis"], r["estimated"], r["billed"]) for r in body["results"]] == [
        ("2026-11", ["actual"], False, True),
        ("2026-12", ["actual"], False, True),
    ]
    assert sum(r["consumption"] for r in body["results"]) == 600  # 11 200 -> 11 800 over the two months


def test_months_are_summed_by_quarter_and_by_year(api, url):
    quarters = api.get(url, {"period_from": "2026-01", "period_to": "2026-12", "group_by": "quarter"}).json()
    assert [(r["interval_start"], r["interval_end"], r["consumption"]) for r in quarters["results"]] == [
        ("2026-10-01", "2026-12-31", 200),
        ("2026-07-01", "2026-09-30", 600),
        ("2026-04-01", "2026-06-30", 200),  # history starts in May: its first reading has nothing before it
    ]
    year = api.get(url, {"period_from": "2026-01", "period_to": "2026-12", "group_by": "year"}).json()
    assert [(r["period_from"], r["period_to"], r["consumption"]) for r in year["results"]] == [
        ("2026-01", "2026-12", 1000)
    ]


def test_the_default_is_the_last_twelve_months(api, url):
    body = api.get(url).json()
    assert body["count"] == 6 and body["results"][0]["period_from"] == "2026-10"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"period_from": "2026-11", "period_to": "2026-01"}, "period_range_invalid"),
        ({"period_from": "2000-01", "period_to": "2026-11"}, "period_range_too_long"),
        ({"group_by": "week"}, "invalid_choice"),
        ({"period_to": "26-11"}, "invalid_request"),
    ],
)
def test_a_bad_range_or_grouping_is_refused(api, url, params, code):
    response = api.get(url, params)
    assert response.status_code == 422
    assert response.json()["code"] == code
