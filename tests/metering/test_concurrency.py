"""Concurrent submissions for one meter are judged one after another against each other's results.

Needs real row locks across connections, so it runs on PostgreSQL only.
"""

import itertools
import threading

from core.errors import DomainError
from metering.models import Reading
from metering.services import submit_readings
from tests.concurrency import POSTGRES_ONLY, run_in_threads
from tests.factories import MeterFactory, UserFactory, history

pytestmark = POSTGRES_ONLY

THREADS = 4
ROUNDS = 5


def test_no_lost_update_and_never_a_lower_value_after_a_higher_one():
    meter = MeterFactory()
    history(meter, {"total": 10_000})  # last 11 200
    outcomes: list[tuple[int, str]] = []
    lock = threading.Lock()

    def sender(thread):
        def job():
            # Each thread's own values grow; across threads they interleave.
            for round_ in range(ROUNDS):
                value = 11_210 + 10 * (round_ * THREADS + thread)
                try:
                    submit_readings(meter=meter, values=[str(value)], channel=Reading.Source.API)
                    outcome = "accepted"
                except DomainError as error:
                    outcome = error.code
                with lock:
                    outcomes.append((value, outcome))

        return job

    run_in_threads([sender(t) for t in range(THREADS)])

    assert len(outcomes) == THREADS * ROUNDS
    assert {o for _, o in outcomes} <= {"accepted", "reading_lower_than_previous"}
    accepted = sorted(v for v, o in outcomes if o == "accepted")
    stored = list(
        Reading.objects.filter(meter=meter, source="api", state="accepted")
        .order_by("id")
        .values_list("value", flat=True)
    )
    assert sorted(stored) == accepted  # every accepted submission is stored: no lost update
    assert all(a <= b for a, b in itertools.pairwise(stored)), stored  # in id order, values never go down
    assert max(stored) == 11_210 + 10 * (THREADS * ROUNDS - 1)  # the highest value always wins
    for value, outcome in outcomes:
        if outcome != "accepted":
            assert any(s > value for s in stored)  # refused only because a higher one was already stored


def test_same_user_corrections_at_once_leave_exactly_one_counted_submission():
    meter = MeterFactory()
    history(meter, {"total": 10_000})
    user = UserFactory()
    values = [11_300 + i for i in range(THREADS)]

    def sender(value):
        return lambda: submit_readings(meter=meter, values=[str(value)], channel=Reading.Source.PORTAL, actor=user)

    run_in_threads([sender(v) for v in values])

    today = Reading.objects.filter(meter=meter, entered_by=user)
    assert today.count() == THREADS  # each one stored, then replaced by the next same-day correction
    assert today.filter(state="accepted").count() == 1
    assert today.filter(state="replaced").count() == THREADS - 1
    last = today.order_by("-id").first()
    assert last.state == "accepted"
