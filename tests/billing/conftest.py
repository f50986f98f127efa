import datetime as dt
import decimal

import pytest

from billing.models import ConsumptionNorm, KeyRate
from billing.services import close_period
from core.periods import Period
from tests.factories import TariffCategoryFactory


@pytest.fixture
def norms_and_rates(db):
    category = TariffCategoryFactory()
    for residents in range(1, 6):
        ConsumptionNorm.objects.create(
            category=category, residents=residents, valid_from=dt.date(2020, 1, 1), kwh_per_resident=60
        )
    KeyRate.objects.create(valid_from=dt.date(2025, 10, 27), rate="16.5")
    return category


@pytest.fixture
def close(clock, norms_and_rates):
    """``close("2026-11")`` closes a period on the 2nd of the next month, as billing staff would."""

    def run(period: str, **kwargs):
        p = Period.parse(period)
        clock.set((p + 1).day(2))
        return close_period(period=p, **kwargs)

    return run


@pytest.fixture(autouse=True)
def billing_traps_floats():
    """Every billing test runs with Decimal trapping floats: a float mixed into money raises."""
    with decimal.localcontext() as context:
        context.traps[decimal.FloatOperation] = True
        yield
