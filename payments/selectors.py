"""Reads for the payment pages, always scoped to the user."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from .models import Payment, Receipt


def payments_for_user(user: Any) -> QuerySet[Payment]:
    return (
        Payment.objects.filter(user=user)
        .exclude(state=Payment.State.CREATED)
        .select_related("receipt")
        .prefetch_related("parts__account")
        .order_by("-created_at")
    )


def payment_for_user(user: Any, payment_id: Any) -> Payment:
    """The user's own payment; 404 for anyone else's, the same as for one that does not exist."""
    payment = payments_for_user(user).filter(pk=payment_id).first()
    if payment is None:
        raise Http404
    return payment


def saved_card_token(user: Any) -> str:
    """The card of the user's latest successful payment, which autopay charges ("" without one)."""
    payment = (
        Payment.objects.filter(user=user, state=Payment.State.SUCCEEDED)
        .exclude(card_token="")
        .order_by("-confirmed_at")
        .only("card_token")
        .first()
    )
    return payment.card_token if payment else ""


def receipt_for_user(user: Any, payment_id: Any) -> Receipt:
    receipt = Receipt.objects.select_related("payment").filter(payment_id=payment_id, payment__user=user).first()
    if receipt is None:
        raise Http404
    return receipt
