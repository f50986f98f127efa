"""Simultaneous requests with one Idempotency-Key do the work once and all get the first answer.

Needs real concurrent transactions (the duplicate waits on the unique index), so PostgreSQL only.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from api.services import create_token
from core.models import AuditEntry
from metering.models import Reading
from payments.models import Payment
from tests.api.conftest import Api
from tests.metering.test_concurrency import run_in_threads

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]
THREADS = 4


def together(send):
    """Run ``send()`` in THREADS threads at once (each its own connection); the responses."""
    responses = []
    lock = threading.Lock()

    def job():
        response = send()
        with lock:
            responses.append(response)

    run_in_threads([job] * THREADS)
    return responses


def test_simultaneous_submissions_with_one_key_store_one_reading(customer, meter, today):
    raw = create_token(user=customer, name="Дом", scope="write").raw
    url = f"/accounts/6300000101/meters/{meter.pk}/readings/"

    responses = together(lambda: Api(Client(), raw).post(url, {"values": {"total": "11300"}}, key="same-key"))

    assert [r.status_code for r in responses] == [201] * THREADS
    assert len({r.json()["submission"] for r in responses}) == 1
    assert sum(r.has_header("Idempotent-Replayed") for r in responses) == THREADS - 1
    assert Reading.objects.filter(meter=meter, source="api").count() == 1
    assert list(AuditEntry.objects.filter(action__startswith="reading.").values_list("action", flat=True)) == [
        "reading.submitted"
    ]


def test_simultaneous_payments_with_one_key_create_one_payment(payer, today):
    raw = create_token(user=payer, name="Банк", scope="write").raw
    body = {"amounts": [{"account": "6300000201", "amount": "100"}]}

    responses = together(lambda: Api(Client(), raw).post("/payments/", body, key="pay-once"))

    assert [r.status_code for r in responses] == [201] * THREADS
    assert len({r.json()["id"] for r in responses}) == 1
    assert Payment.objects.count() == 1


def test_simultaneous_submissions_with_different_keys_are_judged_one_after_another(customer, meter, today):
    raw = create_token(user=customer, name="Дом", scope="write").raw
    url = f"/accounts/6300000101/meters/{meter.pk}/readings/"
    values = iter(["11300", "11310", "11320", "11330"])
    lock = threading.Lock()

    def send():
        with lock:
            value = next(values)
        return Api(Client(), raw).post(url, {"values": {"total": value}})

    responses = together(send)

    assert [r.status_code for r in responses] == [201] * THREADS
    # The same customer's submissions of one day replace each other: one stays counted.
    states = sorted(Reading.objects.filter(meter=meter, source="api").values_list("state", flat=True))
    assert states == ["accepted", "replaced", "replaced", "replaced"]
