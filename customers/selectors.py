"""Reads about accounts, always scoped to what a user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from identity.models import User

from .models import Account, AccountLink, BusinessApplication


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


def business_application(user: Any) -> BusinessApplication | None:
    """The business user's application for access, if they filed one."""
    return BusinessApplication.objects.filter(user=user).first()


def awaiting_approval(user: Any) -> bool:
    """A business user whose application staff have not approved sees only its state."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "kind", "") != User.Kind.BUSINESS:
        return False
    return not BusinessApplication.objects.filter(user=user, status=BusinessApplication.Status.APPROVED).exists()


def ebill_recipients(account: Account) -> list[str]:
    """Confirmed e-mail addresses of the users who asked for this account's bills by e-mail."""
    return list(
        AccountLink.objects.filter(account=account, ebill=True, user__is_active=True, user__email_confirmed=True)
        .exclude(user__email="")
        .order_by("user__email")
        .values_list("user__email", flat=True)
        .distinct()
    )
