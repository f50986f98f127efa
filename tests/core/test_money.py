"""Money: exact kopecks, rounded half-up once, shown the Russian way ("1 234,56 ₽" with non-breaking spaces)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.money import format_kwh, format_rub, kopecks

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [
        (Decimal("2.675"), Decimal("2.68")),  # a float would give 2.67
        (Decimal("0.005"), Decimal("0.01")),
        (Decimal("0.0049"), Decimal("0.00")),
        (Decimal("-0.005"), Decimal("-0.01")),
        (Decimal("6.4321") * 192, Decimal("1234.96")),
        (7, Decimal("7.00")),
    ],
)
def test_kopecks_round_half_up(amount, rounded):
    assert kopecks(amount) == rounded
    assert kopecks(amount).as_tuple().exponent == -2


def test_floats_are_refused():
    with pytest.raises(TypeError):
        kopecks(1.1)


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("1234.56"), f"1{NBSP}234,56{NBSP}₽"),
        (Decimal("1234567.891"), f"1{NBSP}234{NBSP}567,89{NBSP}₽"),
        (Decimal("999.999"), f"1{NBSP}000,00{NBSP}₽"),
        (Decimal("0"), f"0,00{NBSP}₽"),
        (Decimal("-1234.5"), f"−1{NBSP}234,50{NBSP}₽"),
        (None, "—"),
    ],
)
def test_format_rub(amount, text):
    assert format_rub(amount) == text


def test_format_rub_shows_plus_only_when_asked_and_positive():
    assert format_rub(Decimal("5"), sign=True) == f"+5,00{NBSP}₽"
    assert format_rub(Decimal("0"), sign=True) == f"0,00{NBSP}₽"
    assert format_rub(Decimal("-5"), sign=True) == f"−5,00{NBSP}₽"


def test_format_kwh():
    assert format_kwh(1234567) == f"1{NBSP}234{NBSP}567{NBSP}кВт·ч"
    assert format_kwh(None) == "—"


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False, allow_infinity=False))
def test_formatted_roubles_read_back_to_the_rounded_amount(amount):
    text = format_rub(amount)
    assert " " not in text  # never a breakable space inside an amount
    digits = text.removesuffix(f"{NBSP}₽").replace(NBSP, "").replace(",", ".").replace("−", "-")
    assert Decimal(digits) == kopecks(amount)
