"""Reads the channels need: whose accounts a phone or an address reaches, the facts a reply tells."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from billing.models import LedgerEntry
from customers.models import Account, AccountLink
from metering import selectors as metering_selectors
from metering.models import Meter, Reading

from .commands import ACCOUNT


@dataclass(frozen=True)
class Holder:
    """An account a sender reaches, and the portal user through whom (the actor of what they submit)."""

    account: Account
    user: Any

    @property
    def number(self) -> str:
        return self.account.number


def _holders(links) -> list[Holder]:
    seen: dict[str, Holder] = {}
    for link in links.select_related("account", "user").order_by("account__number", "id"):
        seen.setdefault(link.account.number, Holder(link.account, link.user))
    return list(seen.values())


def holders_for_phone(phone: str) -> list[Holder]:
    """The accounts linked to the active portal user with this (canonical) phone, by number."""
    return _holders(AccountLink.objects.filter(user__phone=phone, user__is_active=True))


def holders_for_email(address: str) -> list[Holder]:
    """The accounts linked to active users who confirmed this address on their profile."""
    return _holders(
        AccountLink.objects.filter(user__email__iexact=address, user__email_confirmed=True, user__is_active=True)
    )


def active_meters(account: Account) -> list[Meter]:
    return list(Meter.objects.filter(account=account, status=Meter.Status.ACTIVE).order_by("serial"))


@dataclass(frozen=True)
class LastPayment:
    paid_on: dt.date
    amount: Decimal  # positive roubles


def last_payment(account: Account) -> LastPayment | None:
    """The latest payment on the account's ledger (payments are negative entries there)."""
    entry = (
        LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.PAYMENT)
        .order_by("-posted_on", "-id")
        .values_list("posted_on", "amount")
        .first()
    )
    if entry is None:
        return None
    return LastPayment(entry[0], -Decimal(entry[1]))


def latest_readings(meter: Meter) -> dict[str, Reading]:
    """The latest counted reading per zone of one meter, with the state a customer sees."""
    return metering_selectors.last_readings([meter]).get(meter.pk, {})


def account_for_public_form(number: str) -> Account | None:
    """An active account by its number, with its premise; None when there is none (or it is closed)."""
    if not ACCOUNT.fullmatch(number or ""):
        return None
    return Account.objects.select_related("premise").filter(number=number, status=Account.Status.ACTIVE).first()
