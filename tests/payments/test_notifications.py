"""A payment reaches the balance once: notifications repeated, reordered, forged or wrong are handled."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.models import LedgerEntry
from billing.selectors import balance
from core.models import AuditEntry
from payments.acquirers import NotificationRejected, sign
from payments.models import Payment, Receipt
from payments.services import confirm_payment, start_payment

from .conftest import notification, post_notification


def start(payer, flat="1234.56", dacha="300.00"):
    amounts = {}
    if flat:
        amounts[payer.flat.number] = Decimal(flat)
    if dacha:
        amounts[payer.dacha.number] = Decimal(dacha)
    return start_payment(user=payer, amounts=amounts)


def test_a_confirmed_payment_is_split_over_the_accounts_and_clears_both_debts(
    client, payer, django_capture_on_commit_callbacks
):
    payment = start(payer)
    assert payment.state == Payment.State.PENDING and payment.amount == Decimal("1534.56")
    assert balance(payer.flat) == Decimal("1234.56")  # nothing moves before the bank confirms

    with django_capture_on_commit_callbacks(execute=True):
        response = post_notification(client, notification(payment))

    assert response.status_code == 200
    assert balance(payer.flat) == 0 and balance(payer.dacha) == 0
    payment.refresh_from_db()
    assert payment.state == Payment.State.SUCCEEDED
    assert Receipt.objects.get(payment=payment).state == Receipt.State.ISSUED
    assert AuditEntry.objects.filter(action="payments.confirmed", object_id=str(payment.pk)).count() == 1


def test_the_same_notification_twice_moves_the_balance_once(client, payer):
    payment = start(payer, dacha="")
    for _ in range(3):
        assert post_notification(client, notification(payment)).status_code == 200
    assert balance(payer.flat) == 0
    assert LedgerEntry.objects.filter(account=payer.flat, kind="payment").count() == 1
    assert Receipt.objects.filter(payment=payment).count() == 1


def test_canceled_arriving_after_succeeded_changes_nothing(client, payer):
    payment = start(payer, dacha="")
    post_notification(client, notification(payment, "succeeded"))
    assert post_notification(client, notification(payment, "canceled")).status_code == 200
    payment.refresh_from_db()
    assert payment.state == Payment.State.SUCCEEDED
    assert balance(payer.flat) == 0


def test_a_declined_payment_leaves_the_debt_as_it_was(client, payer):
    payment = start(payer)
    assert post_notification(client, notification(payment, "canceled")).status_code == 200
    payment.refresh_from_db()
    assert payment.state == Payment.State.CANCELED
    assert balance(payer.flat) == Decimal("1234.56") and balance(payer.dacha) == Decimal("300.00")
    assert not Receipt.objects.exists()


def test_a_forged_signature_is_refused_and_logged(client, payer, caplog):
    payment = start(payer)
    body = notification(payment)
    with caplog.at_level(logging.WARNING, logger="payments.services"):
        response = post_notification(client, body, signature="0" * 64)
    assert response.status_code == 403
    assert "invalid signature" in caplog.text
    assert AuditEntry.objects.filter(action="payments.notification_rejected").exists()
    assert balance(payer.flat) == Decimal("1234.56")
    # Signed with another secret: refused as well.
    assert post_notification(client, body, signature=sign(body, "another-secret")).status_code == 403
    assert post_notification(client, body, signature="").status_code == 403


def test_an_unknown_payment_is_refused_with_404(client, payer):
    payment = start(payer)
    payment.provider_payment_id = "tp_does_not_exist"
    assert post_notification(client, notification(payment)).status_code == 404
    assert AuditEntry.objects.filter(action="payments.notification_rejected", changes__status=404).exists()


def test_an_amount_that_differs_from_the_payment_is_refused_and_nothing_moves(client, payer, caplog):
    payment = start(payer)
    with caplog.at_level(logging.WARNING, logger="payments.services"):
        response = post_notification(client, notification(payment, amount=Decimal("1.00")))
    assert response.status_code == 400
    assert "amount mismatch" in caplog.text
    payment.refresh_from_db()
    assert payment.state == Payment.State.PENDING
    assert balance(payer.flat) == Decimal("1234.56")


def test_a_malformed_notification_is_refused(client, payer):
    start(payer)
    assert post_notification(client, b"{not json").status_code == 400
    assert client.get("/pay/notify/local/").status_code == 405
    assert post_notification(client, b"{}", signature="x").status_code == 403


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["succeeded", "canceled", "pending"]), min_size=1, max_size=6))
def test_any_order_of_notifications_applies_the_payment_at_most_once(client, payer, events):
    before = {a.pk: balance(a) for a in (payer.flat, payer.dacha)}
    payment = start(payer, flat="100.00", dacha="50.00")
    for event in events:
        post_notification(client, notification(payment, event))
    payment.refresh_from_db()
    first_final = next((e for e in events if e in ("succeeded", "canceled")), None)
    # The first final word wins, except that money the bank reports as taken is always applied.
    paid = "succeeded" in events
    assert balance(payer.flat) == before[payer.flat.pk] - (Decimal("100.00") if paid else 0)
    assert balance(payer.dacha) == before[payer.dacha.pk] - (Decimal("50.00") if paid else 0)
    expected = Payment.State.SUCCEEDED if paid else (Payment.State.CANCELED if first_final else Payment.State.PENDING)
    assert payment.state == expected
    assert Receipt.objects.filter(payment=payment).count() == (1 if paid else 0)


def test_confirming_with_another_amount_is_refused_and_audited(payer):
    payment = start(payer, dacha="")
    with pytest.raises(NotificationRejected):
        confirm_payment(payment_id=payment.pk, amount=Decimal("1234.55"))
    assert AuditEntry.objects.filter(action="payments.amount_mismatch", changes__payment=str(payment.pk)).exists()
    assert balance(payer.flat) == Decimal("1234.56")


def test_beside_a_real_acquirer_the_local_test_acquirer_is_unreachable(client, payer, settings):
    """A notification signed with the local test secret, and the test card page, only exist where the
    local acquirer is the configured one; in production (YooKassa) both answer 404 and nothing moves."""
    payment = start(payer, dacha="")
    settings.PAYMENTS_ACQUIRER = "yookassa"

    assert post_notification(client, notification(payment)).status_code == 404
    assert client.get(f"/pay/test-acquirer/{payment.provider_payment_id}/").status_code == 404
    payment.refresh_from_db()
    assert payment.state == Payment.State.PENDING
    assert balance(payer.flat) == Decimal("1234.56")
