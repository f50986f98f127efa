"""Documents that leave the company: the bill PDF and the e-bills sent after a period close.

An e-bill is sent exactly once per bill: the ``EbillDelivery`` row is written in the same
transaction that queues the e-mail (``send_email`` queues on commit), under a lock on the bill,
so a repeated or concurrent chunk finds the row and sends nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from billing import selectors as billing_selectors
from billing.models import Bill
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


def ebill_bill_ids(period: Period) -> list[int]:
    """Bills of the period whose account has e-bill subscribers and that have not been sent yet."""
    subscribed = AccountLink.objects.filter(ebill=True).values("account_id")
    return list(
        Bill.objects.filter(period=period, account_id__in=subscribed, ebill_delivery__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def send_ebill(*, bill_id: int) -> bool:
    """E-mail one bill's PDF to its account's e-bill recipients, once; True when sent now."""
    with transaction.atomic():
        bill = Bill.objects.select_for_update().select_related("account__customer", "account__premise").get(pk=bill_id)
        if EbillDelivery.objects.filter(bill=bill).exists():
            return False
        account = bill.account
        recipients = ebill_recipients(account)
        if not recipients:
            return False
        made = bill_pdf(account, bill.period)
        assert made is not None  # the bill exists: we hold its lock
        name, pdf = made
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
