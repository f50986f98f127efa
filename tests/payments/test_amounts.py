"""Amounts typed by customers: roubles and kopecks, written the Russian way or not."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import DomainError
from payments.services import parse_amount

MAX = Decimal("500000")
kopeck_amounts = st.integers(min_value=0, max_value=int(MAX * 100)).map(lambda k: Decimal(k) / 100)


@given(kopeck_amounts, st.sampled_from([",", "."]), st.booleans())
def test_any_amount_in_kopecks_up_to_the_limit_is_read_exactly(amount, separator, grouped):
    whole, _, frac = f"{amount:.2f}".partition(".")
    if grouped:  # "1 234,56" as people write it
        whole = f"{int(whole):,}".replace(",", " ")
    assert parse_amount(f"{whole}{separator}{frac}", field="a") == amount


@given(st.integers(min_value=1, max_value=9), kopeck_amounts)
def test_a_third_decimal_digit_is_refused(digit, amount):
    with pytest.raises(DomainError) as error:
        parse_amount(f"{amount:.2f}{digit}", field="a")
    assert error.value.code == "amount_fraction"


@given(st.integers(min_value=1, max_value=10**9))
def test_above_the_limit_is_refused(extra_kopecks):
    with pytest.raises(DomainError) as error:
        parse_amount(f"{MAX + Decimal(extra_kopecks) / 100:.2f}", field="a")
    assert error.value.code == "amount_too_large"


@pytest.mark.parametrize("typed", ["1e3", "Infinity", "1,2,3", "₽100", "--1"])
def test_what_is_not_a_plain_number_is_refused(typed):
    with pytest.raises(DomainError) as error:
        parse_amount(typed, field="a")
    assert error.value.code in ("amount_invalid", "amount_fraction")
