"""Reads about accounts, always scoped to what a user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from .models import Account


def accounts_for_user(user: Any) -> QuerySet[Account]:
    return (
        Account.objects.filter(links__user=user)
        .select_related("premise", "tariff_category", "customer")
        .order_by("links__group", "number")
    )


def account_for_user(user: Any, number: str) -> Account:
    """The account if the user is linked to it; 404 otherwise, the same whether it exists or not."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    try:
        return accounts_for_user(user).get(number=number)
    except Account.DoesNotExist:
        raise Http404 from None
