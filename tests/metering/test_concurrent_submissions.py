"""Concurrent submissions for one meter are judged one after another: none is lost, and a lower
value is never stored after a higher one. On PostgreSQL that is the meter's row lock (see
test_concurrency.py for more rounds); on SQLite, BEGIN IMMEDIATE, which serialises all writers."""

import threading

import pytest

from core.errors import DomainError
from metering.models import Reading
from metering.services import submit_readings
from tests.concurrency import run_in_threads
from tests.factories import MeterFactory, UserFactory, history


@pytest.mark.django_db(transaction=True)
def test_parallel_submissions_never_store_a_lower_value_after_a_higher_one():
    meter = MeterFactory()
    history(meter, {"total": 10_000})  # last 11 200
    users = [UserFactory() for _ in range(8)]
    values = [11_210 + 10 * i for i in range(8)]
    outcomes: list[tuple[int, str]] = []
    lock = threading.Lock()

    def sender(user, value):
        def job():
            try:
                submit_readings(meter=meter, values=[str(value)], channel="api", actor=user)
                outcome = "accepted"
            except DomainError as error:
                outcome = error.code
            with lock:
                outcomes.append((value, outcome))

        return job

    run_in_threads([sender(u, v) for u, v in zip(users, reversed(values), strict=True)], timeout=60)

    assert len(outcomes) == len(values)
    accepted = [v for v, outcome in outcomes if outcome == "accepted"]
    assert accepted, outcomes
    assert {o for _, o in outcomes} <= {"accepted", "reading_lower_than_previous"}
    stored = list(
        Reading.objects.filter(meter=meter, source="api", state="accepted")
        .order_by("id")
        .values_list("value", flat=True)
    )
    assert sorted(stored) == sorted(accepted)  # nothing accepted was lost
    assert stored == sorted(stored)  # in the order stored, values only grow
