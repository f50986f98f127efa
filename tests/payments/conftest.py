"""Shared pieces of the payment tests: a payer with two accounts in debt, signed notifications."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from billing.services import post_adjustment
from payments.acquirers import sign
from tests.factories import AccountFactory, UserFactory, link

NOTIFY_URL = "/pay/notify/local/"


@pytest.fixture
def payer(db, today):
    """A customer with a confirmed e-mail and two accounts: 1 234,56 ₽ and 300,00 ₽ of debt."""
    user = UserFactory(phone="+79161112233", email="payer@example.ru", email_confirmed=True)
    flat = AccountFactory(number="6300000201")
    dacha = AccountFactory(number="6300000202")
    link(user, flat)
    link(user, dacha)
    post_adjustment(account=flat, amount=Decimal("1234.56"), reason="долг", actor=None, opening=True)
    post_adjustment(account=dacha, amount=Decimal("300.00"), reason="долг", actor=None, opening=True)
    user.flat, user.dacha = flat, dacha
    return user


def notification(payment, status: str = "succeeded", amount: Decimal | None = None) -> bytes:
    return json.dumps(
        {
            "id": payment.provider_payment_id,
            "status": status,
            "amount": str(amount if amount is not None else payment.amount),
        }
    ).encode()


def post_notification(client, body: bytes, signature: str | None = None):
    return client.post(
        NOTIFY_URL,
        data=body,
        content_type="application/json",
        HTTP_X_SIGNATURE=signature if signature is not None else sign(body),
    )
