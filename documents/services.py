"""Documents that leave the company: the bill PDF and the e-bills sent after a period close.

An e-bill is sent exactly once per bill: the ``EbillDelivery`` row is written in the same
transaction that queues the e-mail (``send_email`` queues on commit), under a lock on the bill,
so a repeated or concurrent chunk finds the row and sends nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from billing import selectors as billing_selectors
from billing.models import Bill
from billing.selectors import BillDetail
from core.audit import audit
from core.money import format_rub
from core.periods import Period
from customers.models import Account, AccountLink
from customers.selectors import ebill_recipients
from notifications.services import send_email

from .bill_pdf import file_name, render_bill
from .models import EbillDelivery


def bill_pdf(account: Account, period: Period) -> tuple[str, bytes] | None:
    """(file name, PDF) of the account's bill for the period, or None when there is no such bill."""
    detail = billing_selectors.bill_detail(account, period)
    if detail is None:
        return None
    return file_name(account.number, str(period)), render_bill(detail, account)


def bill_pdfs(period: Period, accounts: Iterable[Account]) -> Iterator[tuple[Account, str, bytes]]:
    """(account, file name, PDF) of each account's bill for the period, one by one (accounts without
    one are skipped): for mass printing, the figures of up to 500 bills at a time in three queries.
    ``accounts`` with their customer and premise loaded."""
    batch: list[Account] = []
    for account in accounts:
        batch.append(account)
        if len(batch) == billing_selectors.BILL_DETAILS_BATCH:
            yield from _bill_pdfs(period, batch)
            batch = []
    yield from _bill_pdfs(period, batch)


def _bill_pdfs(period: Period, accounts: list[Account]) -> Iterator[tuple[Account, str, bytes]]:
    details = billing_selectors.bill_details([account.pk for account in accounts], period)
    for account in accounts:
        detail = details.pop(account.pk, None)
        if detail is not None:
            yield account, file_name(account.number, str(period)), render_bill(detail, account)


def ebill_bill_ids(period: Period) -> list[int]:
    """Bills of the period whose account has e-bill subscribers and that have not been sent yet."""
    subscribed = AccountLink.objects.filter(ebill=True).values("account_id")
    return list(
        Bill.objects.filter(period=period, account_id__in=subscribed, ebill_delivery__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def send_ebills_of(bill_ids: Sequence[int]) -> int:
    """Send each of these bills once (a chunk of the mailing); how many were sent now.

    The bills' figures are read for the whole chunk at once (immutable once issued); each bill is
    then locked, checked and sent on its own, as :func:`send_ebill`.
    """
    details: dict[int, BillDetail] = {}
    periods: dict[Period, list[int]] = {}
    for account_id, period in Bill.objects.filter(pk__in=bill_ids).values_list("account_id", "period"):
        periods.setdefault(period, []).append(account_id)
    for period, account_ids in periods.items():
        details.update((d.bill.pk, d) for d in billing_selectors.bill_details(account_ids, period).values())
    return sum(send_ebill(bill_id=bill_id, detail=details.get(bill_id)) for bill_id in bill_ids)


def send_ebill(*, bill_id: int, detail: BillDetail | None = None) -> bool:
    """E-mail one bill's PDF to its account's e-bill recipients, once; True when sent now.

    ``detail``: the bill's figures if already read (``billing.selectors.bill_details``)."""
    with transaction.atomic():
        bill = Bill.objects.select_for_update().select_related("account__customer", "account__premise").get(pk=bill_id)
        if EbillDelivery.objects.filter(bill=bill).exists():
            return False
        account = bill.account
        recipients = ebill_recipients(account)
        if not recipients:
            return False
        if detail is None or detail.bill.pk != bill.pk:
            detail = billing_selectors.bill_detail(account, bill.period)
            assert detail is not None  # the bill exists: we hold its lock
        name, pdf = file_name(account.number, str(bill.period)), render_bill(detail, account)
        EbillDelivery.objects.create(bill=bill, recipients=recipients)
        subject = _("Счёт за %(period)s, лицевой счёт %(number)s") % {
            "period": bill.period.label,
            "number": account.number,
        }
        body = _(
            "Здравствуйте!\n\nВо вложении счёт (квитанция) № %(bill)s за %(period)s по лицевому счёту %(number)s.\n"
            "К оплате: %(amount)s до %(due)s.\n\nОплатить можно по QR-коду на квитанции или в личном кабинете.\n\n"
            "%(company)s"
        ) % {
            "bill": bill.number,
            "period": bill.period.label,
            "number": account.number,
            "amount": format_rub(bill.to_pay),
            "due": f"{bill.due_on:%d.%m.%Y}",
            "company": settings.COMPANY["name"],
        }
        for address in recipients:
            send_email(address, subject, body, attachments=[(name, pdf, "application/pdf")])
        audit("documents.ebill_sent", account=account, obj=bill, changes={"recipients": len(recipients)})
    return True


def chunks(ids: list[int], size: int) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]
