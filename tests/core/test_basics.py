"""Billing months, money formatting, the health endpoint and the site icon."""

import datetime as dt
import re
from decimal import Decimal
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError
from hypothesis import given
from hypothesis import strategies as st

from core.money import format_price, format_rub, kopecks
from core.periods import Period


@given(st.integers(1950, 9000), st.integers(1, 12), st.integers(-500, 500))
def test_adding_months_and_back_returns_the_same_period(year, month, months):
    period = Period(year, month)
    moved = period + months
    assert moved - months == period
    assert period.months_until(moved) == months
    assert moved.first_day.day == 1 and moved.last_day.month == moved.month


def test_period_basics():
    assert Period(2026, 12) + 1 == Period(2027, 1)
    assert Period.parse("2026-02").days == 28
    assert Period(2026, 2).day(31) == dt.date(2026, 2, 28)
    assert str(Period.of(dt.date(2026, 11, 22))) == "2026-11"
    assert Period(2026, 11).label == "ноябрь 2026"
    with pytest.raises(ValueError):
        Period.parse("2026-13")


def test_money_is_rounded_half_up_to_kopecks_and_shown_the_russian_way():
    assert kopecks(Decimal("1.005")) == Decimal("1.01")
    assert kopecks(Decimal("7.2") * 3) == Decimal("21.60")
    assert format_rub(Decimal("1234.5")) == "1\u00a0234,50\u00a0₽"
    assert format_rub(Decimal("-0.5")) == "−0,50\u00a0₽"
    assert format_rub(Decimal("1000000")) == "1\u00a0000\u00a0000,00\u00a0₽"


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2))
def test_formatted_money_reads_back_as_the_same_amount(amount):
    text = format_rub(amount).replace("\u00a0", "").replace("₽", "").replace(",", ".").replace("−", "-")
    assert Decimal(text) == amount


@given(st.decimals(min_value=0, max_value=10_000, places=4))
def test_a_price_is_shown_exactly_with_at_least_kopecks(price):
    text = format_price(price)
    whole, frac = text.split(",")
    assert 2 <= len(frac) <= 4 and (len(frac) == 2 or not frac.endswith("0"))
    assert Decimal(f"{whole}.{frac}") == price  # never rounded: volume x the price shown = the amount


def test_prices_the_russian_way():
    assert [format_price(Decimal(x)) for x in ("6.4321", "7.2000", "6.4320", "5", "0.0005")] == [
        "6,4321", "7,20", "6,432", "5,00", "0,0005",
    ]  # fmt: skip


@pytest.mark.django_db
def test_healthz_reports_a_reachable_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"]["reachable"] is True


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_is_down(client):
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"]["reachable"] is False


def test_every_page_has_an_icon(client):
    """Pages link the icon; browsers that ask for /favicon.ico (the back office, a PDF) are sent to it."""
    page = client.get("/login/").content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)
    assert icon.endswith("img/favicon.svg")
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == icon
    assert (settings.BASE_DIR / "static" / "img" / "favicon.svg").read_text().startswith("<svg")
