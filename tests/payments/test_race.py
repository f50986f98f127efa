"""Notifications arriving at the same time on several connections apply the payment once.

Needs real row locks across connections, so it runs on PostgreSQL only.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.test import Client

from billing.models import LedgerEntry
from billing.selectors import balance
from payments.models import Payment, Receipt
from payments.services import start_payment
from tests.concurrency import POSTGRES_ONLY, run_in_threads

from .conftest import notification, post_notification

pytestmark = POSTGRES_ONLY

THREADS = 8


@pytest.mark.parametrize("round_", range(3))
def test_simultaneous_notifications_move_the_balance_once(payer, round_):
    payment = start_payment(
        user=payer, amounts={payer.flat.number: Decimal("1000.00"), payer.dacha.number: Decimal("300.00")}
    )
    statuses: list[int] = []
    lock = threading.Lock()

    def sender(status):
        def job():
            response = post_notification(Client(), notification(payment, status))
            with lock:
                statuses.append(response.status_code)

        return job

    # Mostly "succeeded", with a late "canceled" racing them: none may undo or double the payment.
    run_in_threads([sender("canceled" if i == THREADS - 1 else "succeeded") for i in range(THREADS)])

    assert statuses == [200] * THREADS
    payment.refresh_from_db()
    # Money the bank reports as taken is applied whatever came first; exactly once.
    assert payment.state == Payment.State.SUCCEEDED
    assert balance(payer.flat) == Decimal("234.56") and balance(payer.dacha) == 0
    assert LedgerEntry.objects.filter(kind="payment", reference__startswith=f"pay:{payment.pk}:").count() == 2
    assert Receipt.objects.filter(payment=payment).count() == 1


def test_only_succeeded_notifications_in_a_race_apply_once(payer):
    payment = start_payment(user=payer, amounts={payer.flat.number: Decimal("1234.56")})
    run_in_threads([lambda: post_notification(Client(), notification(payment)) for _ in range(THREADS)])
    payment.refresh_from_db()
    assert payment.state == Payment.State.SUCCEEDED
    assert balance(payer.flat) == 0
    assert LedgerEntry.objects.filter(account=payer.flat, kind="payment").count() == 1
    assert Receipt.objects.filter(payment=payment).count() == 1
