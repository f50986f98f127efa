"""Payments: start one, apply it exactly once, issue its receipt once; autopay.

``confirm_payment`` is the only way a payment reaches the ledger: it locks the payment row,
moves it to ``succeeded`` once and posts every part with ``billing.services.post_payment``
(itself idempotent by reference). Repeated, reordered and concurrent notifications end there.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from billing import rules as billing_rules
from billing import selectors as billing_selectors
from billing.services import post_payment
from core.audit import audit
from core.errors import DomainError
from core.money import format_rub, kopecks
from core.periods import Period
from customers.models import Account
from customers.selectors import accounts_for_user
from notifications.events import tell_payment_received

from .acquirers import AcquirerError, Notification, NotificationRejected, acquirer
from .fiscal import TAXATION_LABELS, fiscal_provider
from .models import AutopaySetting, Payment, PaymentPart, Receipt

log = logging.getLogger(__name__)
AMOUNT_RE = re.compile(r"[0-9]{1,12}(\.[0-9]+)?")


def parse_amount(raw: str, *, field: str) -> Decimal:
    """A customer's typed amount: roubles with at most two decimals, > 0, ≤ PAYMENTS_MAX_AMOUNT."""
    text = (raw or "").strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not text:
        raise DomainError("amount_required", _("Укажите сумму."), field=field)
    if AMOUNT_RE.fullmatch(text.removeprefix("-")) is None:  # no exponents, NaN, currency signs
        raise DomainError("amount_invalid", _("Сумма — это число рублей, например 1250,50."), field=field)
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only plain numbers
        raise DomainError("amount_invalid", _("Сумма — это число рублей, например 1250,50."), field=field) from None
    if value != value.quantize(Decimal("0.01")):
        raise DomainError("amount_fraction", _("Копеек не может быть больше двух знаков."), field=field)
    if value < 0:
        raise DomainError("amount_negative", _("Сумма не может быть отрицательной."), field=field)
    if value > settings.PAYMENTS_MAX_AMOUNT:
        raise DomainError(
            "amount_too_large",
            _("Сумма одного платежа не больше %(max)s.") % {"max": format_rub(settings.PAYMENTS_MAX_AMOUNT)},
            field=field,
        )
    return kopecks(value)


def amount_due(account: Account) -> Decimal:
    """What to prefill: the debt now (nothing when there is an overpayment)."""
    return max(billing_selectors.balance(account), Decimal("0.00"))


def start_payment(
    *,
    user: Any,
    amounts: dict[str, Decimal],
    return_url_base: str = "",
    channel: str = "portal",
    save_card: bool = False,
) -> Payment:
    """Create a payment for several of the user's accounts and register it with the acquirer.

    ``amounts``: account number -> roubles; zero amounts are left out. ``save_card``: the customer
    asked the bank to keep the card for autopay. Returns the payment with ``confirmation_url``
    where the customer pays.
    """
    own = {a.number: a for a in accounts_for_user(user)}
    parts = {number: kopecks(amount) for number, amount in amounts.items() if amount}
    for number in parts:
        if number not in own:
            raise DomainError("account_not_yours", _("Лицевой счёт %(n)s не найден в кабинете.") % {"n": number})
    if not parts:
        raise DomainError("nothing_to_pay", _("Укажите сумму хотя бы для одного лицевого счёта."), field="amount")
    total = sum(parts.values(), Decimal("0.00"))
    if total > settings.PAYMENTS_MAX_AMOUNT:
        raise DomainError(
            "amount_too_large",
            _("Сумма одного платежа не больше %(max)s.") % {"max": format_rub(settings.PAYMENTS_MAX_AMOUNT)},
            field="amount",
        )
    gateway = acquirer()
    with transaction.atomic():
        payment = Payment.objects.create(
            user=user, provider=gateway.code, idempotence_key=uuid.uuid4().hex, amount=total
        )
        for number, amount in parts.items():
            PaymentPart.objects.create(payment=payment, account=own[number], amount=amount)
        audit(
            "payments.started",
            actor=user,
            channel=channel,
            obj=payment,
            changes={"amounts": {k: str(v) for k, v in parts.items()}},
        )
    base = (return_url_base or settings.SITE_URL).rstrip("/")
    try:
        provider_id, url = gateway.create_payment(
            idempotence_key=payment.idempotence_key,
            amount=total,
            description=_("Оплата электроэнергии, л/с %(n)s") % {"n": ", ".join(parts)},
            return_url=base + reverse("payments:detail", args=[payment.pk]),
            # The customer's own choice: only then does the bank keep the card for autopay.
            metadata={"payment": str(payment.pk), **({"save_card": "1"} if save_card else {})},
        )
    except AcquirerError as exc:
        log.warning("acquirer refused payment %s: %s", payment.pk, exc)
        Payment.objects.filter(pk=payment.pk).update(state=Payment.State.FAILED)
        raise DomainError(
            "acquirer_unavailable", _("Банк сейчас недоступен. Попробуйте через несколько минут.")
        ) from exc
    payment.provider_payment_id, payment.confirmation_url, payment.state = provider_id, url, Payment.State.PENDING
    payment.save(update_fields=["provider_payment_id", "confirmation_url", "state", "updated_at"])
    return payment


def _receipt_request(payment: Payment, parts: list[PaymentPart], balances: dict[int, Decimal]) -> dict[str, Any]:
    """The receipt's data (54-ФЗ): seller, tax system, one item per account, VAT, electronic payment."""
    user = payment.user
    period = Period.of(timezone.localdate())
    rate = billing_rules.vat_rate(period)
    items = []
    for part in parts:
        full = balances[part.account_id] >= part.amount  # paying a debt: full settlement; beyond it: an advance
        items.append(
            {
                "name": _("Электроэнергия, лицевой счёт %(n)s") % {"n": part.account.number},
                "account": part.account.number,
                "price": str(part.amount),
                "quantity": "1",
                "sum": str(part.amount),
                "payment_subject": gettext_noop("услуга"),  # stored in Russian, translated when shown
                "payment_method": "full_payment" if full else "advance",
                "payment_method_label": gettext_noop("полный расчёт") if full else gettext_noop("аванс"),
                "vat_rate": str(rate),
                "vat_type": f"vat{rate:.0f}",
                "vat_sum": str(kopecks(part.amount * rate / (100 + rate))),
            }
        )
    return {
        "operation": "приход",
        "taxation_system": settings.PAYMENTS_TAXATION_SYSTEM,
        "taxation_system_label": TAXATION_LABELS.get(
            settings.PAYMENTS_TAXATION_SYSTEM, settings.PAYMENTS_TAXATION_SYSTEM
        ),
        "company": {
            "name": settings.COMPANY["name"],
            "inn": settings.COMPANY["inn"],
            "payment_address": settings.SITE_URL,
            "email": settings.DEFAULT_FROM_EMAIL,
        },
        "client": {"email": user.email if user.email_confirmed else "", "phone": user.phone},
        "items": items,
        "payment_type": "электронными",
        "total": str(payment.amount),
    }


def confirm_payment(*, payment_id: Any, amount: Decimal, card_token: str = "", channel: str = "acquirer") -> bool:
    """Apply a confirmed payment exactly once; returns whether this call applied it."""
    expected = Payment.objects.values_list("amount", flat=True).get(pk=payment_id)  # never changes
    if kopecks(amount) != expected:
        log.warning("payment %s: confirmed %s, expected %s", payment_id, amount, expected)
        audit(
            "payments.amount_mismatch", channel=channel, changes={"payment": str(payment_id), "confirmed": str(amount)}
        )
        raise NotificationRejected(400, "amount mismatch")
    with transaction.atomic():
        payment = Payment.objects.select_for_update().select_related("user").get(pk=payment_id)
        if payment.state == Payment.State.SUCCEEDED:
            return False
        previous = payment.state
        payment.state = Payment.State.SUCCEEDED
        payment.confirmed_at = timezone.now()
        payment.card_token = card_token or payment.card_token
        payment.save(update_fields=["state", "confirmed_at", "card_token", "updated_at"])
        parts = list(payment.parts.select_related("account").order_by("account__number"))
        balances = {part.account_id: billing_selectors.balance(part.account) for part in parts}
        paid_on = timezone.localdate()
        for part in parts:
            post_payment(
                account=part.account,
                amount=part.amount,
                paid_on=paid_on,
                reference=part.reference,
                actor=None,
                reason=_("Оплата картой, платёж %(id)s") % {"id": payment.pk},
            )
        audit(
            "payments.confirmed",
            channel=channel,
            obj=payment,
            changes={"from": previous, "amount": str(payment.amount), "parts": len(parts)},
        )
        tell_payment_received(payment=payment, parts=parts)  # its outbox row commits with the payment
        receipt = Receipt.objects.create(
            payment=payment,
            external_id=f"abonent-{payment.pk}",
            data=_receipt_request(payment, parts, balances),
            email=payment.user.email if payment.user.email_confirmed else "",
            phone=payment.user.phone,
        )
        transaction.on_commit(lambda: queue_receipt(receipt.pk))
    return True


def queue_receipt(receipt_id: int) -> None:
    """Hand the receipt to the Celery task; a fiscal service that is down never undoes the payment
    (the task retries; on the embedded default, where it runs in-process, the next run issues it)."""
    from .tasks import issue_receipt

    try:
        issue_receipt.delay(receipt_id)
    except Exception:
        log.exception("receipt %s not issued yet", receipt_id)


def fail_payment(*, payment_id: Any, state: str = Payment.State.CANCELED, channel: str = "acquirer") -> bool:
    """A declined or abandoned payment: nothing moves; a final state never changes back."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.is_final:
            return False
        previous, payment.state = payment.state, state
        payment.save(update_fields=["state", "updated_at"])
        audit("payments.failed", channel=channel, obj=payment, changes={"from": previous, "to": state})
    return True


def receive_notification(*, provider: str, body: bytes, headers: dict[str, str], remote_addr: str) -> Payment:
    """Authenticate an acquirer's notification and apply it; raises NotificationRejected (logged)."""
    try:
        note: Notification = acquirer(provider).parse_notification(body=body, headers=headers, remote_addr=remote_addr)
        payment = Payment.objects.filter(provider=provider, provider_payment_id=note.provider_payment_id).first()
        if payment is None:
            raise NotificationRejected(404, f"unknown payment {note.provider_payment_id}")
        if note.amount != payment.amount:
            raise NotificationRejected(400, f"amount mismatch: {note.amount} != {payment.amount}")
        if note.status == "succeeded":
            confirm_payment(payment_id=payment.pk, amount=note.amount, card_token=note.card_token)
        elif note.status in ("canceled", "failed"):
            fail_payment(payment_id=payment.pk)
        return payment
    except NotificationRejected as exc:
        log.warning("payment notification from %s (%s) rejected: %s", provider, remote_addr, exc.reason)
        audit(
            "payments.notification_rejected",
            channel=provider,
            changes={"status": exc.status, "reason": exc.reason, "from": remote_addr},
        )
        raise


def refresh_state(payment: Payment) -> Payment:
    """Ask the acquirer (when a notification is late) and apply what it says, through the same services."""
    if payment.is_final or not payment.provider_payment_id:
        return payment
    try:
        note = acquirer(payment.provider).fetch_status(payment.provider_payment_id)
    except Exception as exc:  # a late or failed answer only delays the page, never breaks it
        log.info("status of %s not fetched: %s", payment.pk, exc)
        return payment
    if note.status == "succeeded" and note.amount == payment.amount:
        confirm_payment(payment_id=payment.pk, amount=note.amount, card_token=note.card_token, channel="status_check")
    elif note.status == "canceled":
        fail_payment(payment_id=payment.pk, channel="status_check")
    payment.refresh_from_db()
    return payment


def issue_pending_receipts() -> int:
    """Issue receipts left pending (a fiscal service that was down); safe to run any time."""
    pending = list(Receipt.objects.filter(state=Receipt.State.PENDING).values_list("pk", flat=True))
    for receipt_id in pending:
        queue_receipt(receipt_id)
    return len(pending)


def issue_receipt_now(*, receipt_id: int) -> bool:
    """Register the receipt with the fiscal provider once and e-mail it; returns whether this call issued it."""
    from notifications.services import send_email

    with transaction.atomic():
        receipt = Receipt.objects.select_for_update().select_related("payment").get(pk=receipt_id)
        if receipt.state == Receipt.State.ISSUED:
            return False
        result = fiscal_provider().register(external_id=receipt.external_id, receipt=receipt.data)
        receipt.state = Receipt.State.ISSUED
        receipt.provider = result.provider
        receipt.fn_number, receipt.fd_number, receipt.fiscal_sign = (
            result.fn_number,
            result.fd_number,
            result.fiscal_sign,
        )
        receipt.issued_at, receipt.signature = result.issued_at, result.signature
        if receipt.email:
            receipt.emailed_at = timezone.now()
        receipt.save()
        audit("payments.receipt_issued", obj=receipt, changes={"fd": result.fd_number, "fp": result.fiscal_sign})
        if receipt.email:
            send_email(receipt.email, _("Кассовый чек: оплата электроэнергии"), receipt_text(receipt))
    return True


def receipt_text(receipt: Receipt) -> str:
    data = receipt.data
    lines = [
        _("Кассовый чек. Приход"),
        data["company"]["name"],
        _("ИНН %(inn)s") % {"inn": data["company"]["inn"]},
        _("Система налогообложения: %(sno)s") % {"sno": _(data.get("taxation_system_label", data["taxation_system"]))},
        _("Место расчётов: %(url)s") % {"url": data["company"]["payment_address"]},
        "",
    ]
    for item in data["items"]:
        lines.append(f"{item['name']} ({_(item['payment_subject'])}, {_(item['payment_method_label'])})")
        lines.append(
            _("  1 × %(price)s = %(sum)s, в т. ч. НДС %(rate)s%%: %(vat)s")
            % {
                "price": format_rub(Decimal(item["price"])),
                "sum": format_rub(Decimal(item["sum"])),
                "rate": item["vat_rate"],
                "vat": format_rub(Decimal(item["vat_sum"])),
            }
        )
    lines += [
        "",
        _("ИТОГ: %(total)s") % {"total": format_rub(Decimal(data["total"]))},
        _("Безналичными (электронными): %(total)s") % {"total": format_rub(Decimal(data["total"]))},
        _("Покупатель: %(contact)s") % {"contact": data["client"]["email"] or data["client"]["phone"]},
        _("ФН № %(fn)s  ФД № %(fd)s  ФП %(fp)s")
        % {"fn": receipt.fn_number, "fd": receipt.fd_number, "fp": receipt.fiscal_sign},
        _("Дата и время: %(at)s") % {"at": timezone.localtime(receipt.issued_at).strftime("%d.%m.%Y %H:%M")},
        "",
        settings.SITE_URL.rstrip("/") + reverse("payments:receipt", args=[receipt.payment_id]),
    ]
    return "\n".join(lines)


# --- Autopay ---------------------------------------------------------------------------------------


def set_autopay(
    *, user: Any, account: Account, day: int, max_amount: Decimal, card_token: str, channel: str = "portal"
) -> AutopaySetting:
    if not 1 <= day <= 28:
        raise DomainError("autopay_day", _("День списания — от 1 до 28."), field="day")
    if max_amount <= 0 or max_amount > settings.PAYMENTS_MAX_AMOUNT:
        raise DomainError("autopay_max", _("Укажите предельную сумму больше нуля."), field="max_amount")
    if not card_token:
        raise DomainError("autopay_no_card", _("Сначала оплатите картой: её можно будет сохранить для автоплатежа."))
    with transaction.atomic():
        setting, _created = AutopaySetting.objects.update_or_create(
            account=account,
            defaults={
                "user": user,
                "day": day,
                "max_amount": kopecks(max_amount),
                "card_token": card_token,
                "active": True,
            },
        )
        audit(
            "payments.autopay_set",
            actor=user,
            channel=channel,
            account=account,
            obj=setting,
            changes={"day": day, "max": str(max_amount)},
        )
    return setting


def disable_autopay(*, user: Any, account: Account, channel: str = "portal") -> None:
    with transaction.atomic():
        changed = AutopaySetting.objects.filter(account=account, user=user, active=True).update(active=False)
        if changed:
            audit("payments.autopay_off", actor=user, channel=channel, account=account)


@dataclass
class AutopayOutcome:
    charged: int = 0
    skipped: int = 0
    noticed: int = 0


def send_autopay_notices(*, today: dt.date) -> int:
    """The day before a charge, tell the customer what will be charged (once a month)."""
    from notifications.services import send_email, send_sms

    tomorrow = today + dt.timedelta(days=1)
    sent = 0
    for setting in AutopaySetting.objects.filter(active=True, day=tomorrow.day).select_related("account", "user"):
        if setting.last_notice_on and Period.of(setting.last_notice_on) == Period.of(today):
            continue
        due = amount_due(setting.account)
        if due <= 0:
            continue
        text = _("Завтра по автоплатежу с карты будет списано %(sum)s за л/с %(n)s.") % {
            "sum": format_rub(min(due, setting.max_amount)),
            "n": setting.account.number,
        }
        with transaction.atomic():
            send_sms(setting.user.phone, text)
            if setting.user.email and setting.user.email_confirmed:
                send_email(setting.user.email, _("Автоплатёж завтра"), text)
            AutopaySetting.objects.filter(pk=setting.pk).update(last_notice_on=today)
        sent += 1
    return sent


def run_autopay(*, today: dt.date) -> AutopayOutcome:
    """On each setting's day: charge what is due (up to its limit) with the saved card, once a month."""
    outcome = AutopayOutcome()
    gateway = acquirer()
    for setting in AutopaySetting.objects.filter(active=True, day=today.day).select_related("account", "user"):
        if setting.last_charged_on and Period.of(setting.last_charged_on) == Period.of(today):
            outcome.skipped += 1
            continue
        due = min(amount_due(setting.account), setting.max_amount)
        if due <= 0:
            outcome.skipped += 1
            continue
        with transaction.atomic():
            locked = AutopaySetting.objects.select_for_update().get(pk=setting.pk)
            if locked.last_charged_on and Period.of(locked.last_charged_on) == Period.of(today):
                continue
            payment = Payment.objects.create(
                user=setting.user,
                provider=gateway.code,
                # One key per account and month: a re-run of the task never charges twice.
                idempotence_key=f"autopay-{setting.account.number}-{Period.of(today)}",
                amount=due,
                autopay=setting,
            )
            PaymentPart.objects.create(payment=payment, account=setting.account, amount=due)
            locked.last_charged_on = today
            locked.save(update_fields=["last_charged_on"])
        try:
            charge = gateway.charge_saved_card(
                card_token=setting.card_token,
                idempotence_key=payment.idempotence_key,
                amount=due,
                description=_("Автоплатёж, л/с %(n)s") % {"n": setting.account.number},
                metadata={"payment": str(payment.pk), "autopay": "1"},
            )
        except AcquirerError as exc:
            log.warning("autopay %s: %s", payment.pk, exc)
            fail_payment(payment_id=payment.pk, state=Payment.State.FAILED, channel="autopay")
            continue
        Payment.objects.filter(pk=payment.pk).update(
            provider_payment_id=charge.provider_payment_id, state=Payment.State.PENDING
        )
        if charge.status == "succeeded":
            confirm_payment(payment_id=payment.pk, amount=due, channel="autopay")
            outcome.charged += 1
        elif charge.status == "canceled":
            fail_payment(payment_id=payment.pk, state=Payment.State.FAILED, channel="autopay")
    return outcome
