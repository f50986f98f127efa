"""Whatever JSON a client sends as readings, the answer is a decision with a code and a Russian message,
never a server error, and only an accepted answer stores anything."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metering.models import Reading

pytestmark = pytest.mark.django_db

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**12), max_value=10**12), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=25), st.sampled_from(["11300", "11 350", "11300,5", "-1", "１１３００", "", "0011300"]),
)  # fmt: skip
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=4),
    st.dictionaries(st.sampled_from(["total", "day", "night", "peak", "x"]), scalars, max_size=4),
)
bodies = st.fixed_dictionaries(
    {}, optional={"values": values, "unchanged": st.one_of(st.booleans(), scalars), "confirm_implausible": scalars}
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies)
def test_any_readings_body_gets_a_decision_never_a_server_error(api, meter_url, meter, body):
    before = Reading.objects.filter(meter=meter, source="api").count()
    response = api.post(meter_url + "readings/", body)
    answer = json.loads(response.content)
    assert response.status_code in (201, 409, 422), answer
    if response.status_code == 201:
        assert answer["state"] == "accepted" and answer["accepted_for_period"] == "2026-11"
        assert Reading.objects.filter(meter=meter, source="api").count() > before
    else:
        assert answer["code"] and answer["message"]
        assert any("а" <= ch.lower() <= "я" for ch in answer["message"]), (body, answer)
        assert Reading.objects.filter(meter=meter, source="api").count() == before
