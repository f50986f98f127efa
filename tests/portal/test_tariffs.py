"""The public tariffs page: prices in force today per metering scheme, with zone hours."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from billing.models import TariffPrice
from tests.factories import TariffCategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def category(today):
    return TariffCategoryFactory(name="Население, город, газовые плиты")


def scheme_table(html, heading):
    return re.search(rf"<h3>{heading}</h3>\s*<table>(.*?)</table>", html, re.S)[1]


def test_lists_each_scheme_with_zone_hours_and_prices_without_login(client, category):
    html = client.get("/tariffs/").content.decode()
    assert "Население, город, газовые плиты" in html
    assert "действующие на 20.11.2026" in html

    single = scheme_table(html, "Однотарифный")
    assert re.search(r"Круглосуточно</th><td>00:00–24:00</td><td[^>]*>6,00</td>", single)
    two = scheme_table(html, r"Двухзонный \(день/ночь\)")
    assert re.search(r"День</th><td>07:00–23:00</td><td[^>]*>7,00</td>", two)
    assert re.search(r"Ночь</th><td>23:00–07:00</td><td[^>]*>3,50</td>", two)
    three = scheme_table(html, r"Трёхзонный \(пик/полупик/ночь\)")
    assert re.search(r"Пик</th><td>07:00–10:00, 17:00–21:00</td><td[^>]*>8,00</td>", three)
    assert re.search(r"Полупик</th><td>10:00–17:00, 21:00–23:00</td><td[^>]*>6,00</td>", three)


def test_shows_the_price_in_force_today_not_a_future_one(client, category):
    TariffPrice.objects.create(
        category=category, scheme=1, zone="total", valid_from=dt.date(2026, 7, 1), price=Decimal("6.43")
    )
    TariffPrice.objects.create(
        category=category, scheme=1, zone="total", valid_from=dt.date(2027, 7, 1), price=Decimal("7.20")
    )
    single = scheme_table(client.get("/tariffs/").content.decode(), "Однотарифный")
    assert ">6,43<" in single and "7,20" not in single and ">6,00<" not in single
