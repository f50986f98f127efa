"""What customers are told when something happens: a bill is ready, a payment arrived.

Called where the event is recorded (the close of a period through ``signals.py``, the payment's
confirmation in ``payments.services.confirm_payment``); each builds :class:`~.services.Event`s and
hands them to :func:`~.services.tell`, which tells each user once per event.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Bill
from core.money import format_rub
from core.periods import Period
from customers.models import AccountLink

from .models import Channel, Kind
from .services import Event, tell


def bill_event(bill: Bill, link: AccountLink) -> Event:
    account, period = bill.account, bill.period
    values = {"period": period.label, "n": account.number}
    if bill.to_pay > 0:
        text = _("Готова квитанция за %(period)s по л/с %(n)s: к оплате %(sum)s до %(due)s.") % {
            **values,
            "sum": format_rub(bill.to_pay),
            "due": f"{bill.due_on:%d.%m.%Y}",
        }
    elif bill.overpayment > 0:
        text = _("Готова квитанция за %(period)s по л/с %(n)s: оплачивать не нужно, переплата %(sum)s.") % {
            **values,
            "sum": format_rub(bill.overpayment),
        }
    else:
        text = _("Готова квитанция за %(period)s по л/с %(n)s: оплачивать не нужно.") % values
    user = link.user
    # Whoever receives the bill's PDF by e-mail (an e-bill subscriber) is not mailed about it again.
    gets_ebill = link.ebill and user.email and user.email_confirmed
    return Event(
        user=user,
        kind=Kind.BILLS,
        subject=_("Квитанция за %(period)s, л/с %(n)s") % values,
        text=text,
        url=reverse("portal:bill", args=[account.number, str(period)]),
        account=account,
        event_key=f"bill:{bill.pk}",
        not_by=frozenset({Channel.EMAIL}) if gets_ebill else frozenset(),
    )


def _bill_batches(period: Period, size: int) -> Iterator[list[Bill]]:
    # A bill already past its payment date is no news: closing an old period late (or the demo's
    # six months at once) tells nobody; the bill is in the archive.
    bills = Bill.objects.filter(period=period, due_on__gte=timezone.localdate())
    last = 0
    while True:
        batch = list(bills.filter(pk__gt=last).select_related("account").order_by("pk")[:size])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def tell_bills_ready(period: Period) -> int:
    """Tell every user linked to an account billed for ``period``; safe to run again (told once)."""
    told = 0
    for bills in _bill_batches(period, settings.NOTIFICATIONS_BATCH_SIZE):
        by_account = {bill.account_id: bill for bill in bills}
        links = AccountLink.objects.filter(account_id__in=by_account, user__is_active=True).select_related("user")
        told += tell([bill_event(by_account[link.account_id], link) for link in links.order_by("account_id", "pk")])
    return told


def tell_payment_received(*, payment: Any, parts: Sequence[Any]) -> bool:
    """Tell the payer their payment reached the accounts (inside the confirmation's transaction)."""
    if len(parts) == 1:
        text = _("Оплата %(sum)s по л/с %(n)s получена. Спасибо!") % {
            "sum": format_rub(payment.amount),
            "n": parts[0].account.number,
        }
    else:
        split = ", ".join(f"{part.account.number}: {format_rub(part.amount)}" for part in parts)
        text = _("Оплата %(sum)s получена (л/с %(split)s). Спасибо!") % {
            "sum": format_rub(payment.amount),
            "split": split,
        }
    user = payment.user
    # A confirmed address receives the fiscal receipt, which says the same: no second e-mail.
    gets_receipt = bool(user.email and user.email_confirmed)
    event = Event(
        user=user,
        kind=Kind.PAYMENTS,
        subject=_("Оплата получена"),
        text=text,
        url=reverse("payments:detail", args=[payment.pk]),
        account=parts[0].account if len(parts) == 1 else None,
        event_key=f"payment:{payment.pk}",
        not_by=frozenset({Channel.EMAIL}) if gets_receipt else frozenset(),
    )
    return tell([event]) == 1
