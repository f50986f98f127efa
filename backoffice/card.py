"""The customer card: everything the customer sees in the portal, plus the audit trail, for staff.

Read through the same selectors the portal uses (balance, bills, reading history...), so a staff
member and the customer on the phone look at the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from billing import selectors as billing_selectors
from billing.models import Bill, LedgerEntry
from core.models import AuditEntry
from customers.models import Account, AccountLink, Customer
from identity.models import User
from metering import selectors as metering_selectors
from metering.models import Meter
from metering.zones import zone_label
from payments.models import PaymentPart
from service.models import Request

from .unlock import Lock, locks_for

AUDIT_ROWS = 50


@dataclass
class MeterCard:
    meter: Meter
    last: list[tuple[str, Any]]  # (zone label, last counted reading or None)
    history: list[metering_selectors.HistoryEntry]
    zones: list[tuple[str, str]]
    verification_expired: bool


@dataclass
class AccountCard:
    account: Account
    balance: Decimal
    forecast: billing_selectors.PenaltyForecast | None
    bills: list[Bill]
    entries: list[LedgerEntry]
    payments: list[PaymentPart]
    meters: list[MeterCard] = field(default_factory=list)


@dataclass
class UserRow:
    user: User
    locks: list[Lock]

    @property
    def locked(self) -> list[Lock]:
        return [lock for lock in self.locks if lock.locked]


@dataclass
class Card:
    customer: Customer
    accounts: list[AccountCard]
    users: list[UserRow]
    requests: list[Request]
    audit: list[AuditEntry]


def customer_card(customer: Customer) -> Card:
    today = timezone.localdate()
    accounts = list(
        Account.objects.filter(customer=customer).select_related("premise", "tariff_category").order_by("number")
    )
    cards = []
    for account in accounts:
        meters = list(account.meters.order_by("status", "serial"))
        last = metering_selectors.last_readings(meters)
        cards.append(
            AccountCard(
                account=account,
                balance=billing_selectors.balance(account),
                forecast=billing_selectors.penalty_forecast(account, today=today),
                bills=billing_selectors.bills(account)[:6],
                entries=list(LedgerEntry.objects.filter(account=account).order_by("-posted_on", "-id")[:10]),
                payments=list(
                    PaymentPart.objects.filter(account=account)
                    .select_related("payment")
                    .order_by("-payment__created_at")[:10]
                ),
                meters=[
                    MeterCard(
                        meter=meter,
                        last=[(zone_label(z), last[meter.pk].get(z)) for z in meter.zones],
                        history=metering_selectors.reading_history(meter, limit=6),
                        zones=[(z, zone_label(z)) for z in meter.zones],
                        verification_expired=meter.verification_expired(today),
                    )
                    for meter in meters
                ],
            )
        )
    users = list(User.objects.filter(account_links__account__in=accounts).distinct().order_by("phone"))
    if not users and customer.phone:  # not linked yet, but the phone on record has a portal user
        users = list(User.objects.filter(phone=customer.phone))
    requests = list(
        Request.objects.filter(Q(account__in=accounts) | Q(user__in=users))
        .select_related("account", "assignee", "user")
        .order_by("-created_at")[:50]
    )
    audit = list(
        AuditEntry.objects.filter(
            Q(account__in=accounts)
            | Q(actor__in=users)
            | Q(object_type=User._meta.label, object_id__in=[str(u.pk) for u in users])
        )
        .select_related("actor", "account")
        .order_by("-at", "-id")[:AUDIT_ROWS]
    )
    links = AccountLink.objects.filter(user__in=users).values_list("user_id", "account__number")
    numbers: dict[int, list[str]] = {}
    for user_id, number in links:
        numbers.setdefault(user_id, []).append(number)
    return Card(
        customer=customer,
        accounts=cards,
        users=[UserRow(user, locks_for(user.phone, user=user, accounts=numbers.get(user.pk, []))) for user in users],
        requests=requests,
        audit=audit,
    )
