"""The bulk path judges a meter by the same facts as the single path, read in one SQL pass."""

import datetime as dt
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.periods import Period
from metering.models import Reading
from metering.services import MeterFacts, _batch_contexts, meter_context
from tests.factories import MeterFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 20)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    scheme=st.sampled_from([1, 2, 3]),
    digits=st.integers(4, 6),
    steps=st.lists(st.integers(0, 3000), min_size=1, max_size=14),
    ratio=st.sampled_from([1, 30]),
)
def test_batch_context_equals_the_single_meter_context(scheme, digits, steps, ratio):
    meter = MeterFactory(scheme=scheme, digits=digits, transformer_ratio=ratio)
    value = 10**digits - 2000  # close to the maximum, so that rollovers happen
    for index, step in enumerate(steps):
        period = Period.of(TODAY) - (len(steps) - index)
        value = (value + step) % 10**digits
        submission = uuid.uuid4()
        for zone in meter.zones:
            Reading.objects.create(
                meter=meter, zone=zone, value=value, taken_on=period.day(20), period=period,
                source="portal", state="billed", submission=submission,
            )  # fmt: skip

    single = meter_context(meter, actor=None, today=TODAY)
    batch = _batch_contexts([MeterFacts.of(meter, TODAY)], since=TODAY - dt.timedelta(days=400), today=TODAY)[meter.pk]

    assert batch.previous == single.previous
    assert batch.limits == single.limits
