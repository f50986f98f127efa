"""Card payments (one payment split over several accounts), fiscal receipts and autopay settings.

A ``Payment`` changes the ledger only through ``services.confirm_payment``; its parts become
``billing`` payment entries with the reference ``pay:<payment id>:<account number>``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.models import Account


class Payment(models.Model):
    class State(models.TextChoices):
        CREATED = "created", _("создан")
        PENDING = "pending", _("ожидает подтверждения")
        SUCCEEDED = "succeeded", _("оплачен")
        FAILED = "failed", _("не прошёл")
        CANCELED = "canceled", _("отменён")

    FINAL = (State.SUCCEEDED, State.FAILED, State.CANCELED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(_("эквайер"), max_length=20)
    provider_payment_id = models.CharField(_("номер у эквайера"), max_length=64, blank=True)
    idempotence_key = models.CharField(_("ключ идемпотентности"), max_length=64, unique=True)
    amount = models.DecimalField(_("сумма"), max_digits=12, decimal_places=2)
    state = models.CharField(_("состояние"), max_length=10, choices=State.choices, default=State.CREATED)
    confirmation_url = models.URLField(_("страница оплаты"), max_length=500, blank=True)
    card_token = models.CharField(_("токен карты"), max_length=64, blank=True)
    autopay = models.ForeignKey(
        "AutopaySetting", on_delete=models.SET_NULL, null=True, blank=True, related_name="payments"
    )
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменён"), auto_now=True)
    confirmed_at = models.DateTimeField(_("подтверждён"), null=True, blank=True)

    class Meta:
        verbose_name = _("платёж")
        verbose_name_plural = _("платежи")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_payment_id"],
                condition=~models.Q(provider_payment_id=""),
                name="payment_unique_provider_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.amount} {self.state}"

    @property
    def is_final(self) -> bool:
        return self.state in self.FINAL


class PaymentPart(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="parts")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="payment_parts")
    amount = models.DecimalField(_("сумма"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("часть платежа")
        verbose_name_plural = _("части платежа")
        constraints = [models.UniqueConstraint(fields=["payment", "account"], name="payment_part_once_per_account")]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.amount}"

    @property
    def reference(self) -> str:
        return f"pay:{self.payment_id}:{self.account.number}"


class Receipt(models.Model):
    """The electronic fiscal receipt of one confirmed payment (54-ФЗ); exactly one per payment."""

    class State(models.TextChoices):
        PENDING = "pending", _("формируется")
        ISSUED = "issued", _("выдан")

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="receipt")
    state = models.CharField(_("состояние"), max_length=10, choices=State.choices, default=State.PENDING)
    provider = models.CharField(_("оператор фискальных данных"), max_length=20, blank=True)
    external_id = models.CharField(_("внешний номер"), max_length=64, unique=True)
    fn_number = models.CharField(_("ФН"), max_length=16, blank=True)
    fd_number = models.CharField(_("ФД"), max_length=10, blank=True)
    fiscal_sign = models.CharField(_("ФП"), max_length=10, blank=True)
    issued_at = models.DateTimeField(_("выдан"), null=True, blank=True)
    data = models.JSONField(_("реквизиты чека"), default=dict, blank=True)
    signature = models.CharField(_("подпись"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail покупателя"), blank=True)
    phone = models.CharField(_("телефон покупателя"), max_length=16, blank=True)
    emailed_at = models.DateTimeField(_("отправлен по e-mail"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("кассовый чек")
        verbose_name_plural = _("кассовые чеки")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"ФД {self.fd_number or '—'} ({self.payment_id})"


class AutopaySetting(models.Model):
    """Charge the amount due on a chosen day of the month with a card saved at the acquirer."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="autopay_settings")
    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="autopay")
    day = models.PositiveSmallIntegerField(_("день месяца"))
    max_amount = models.DecimalField(_("не больше"), max_digits=12, decimal_places=2)
    card_token = models.CharField(_("токен карты"), max_length=64)
    card_label = models.CharField(_("карта"), max_length=40, blank=True)
    active = models.BooleanField(_("включён"), default=True)
    last_notice_on = models.DateField(_("последнее уведомление"), null=True, blank=True)
    last_charged_on = models.DateField(_("последнее списание"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("автоплатёж")
        verbose_name_plural = _("автоплатежи")

    def __str__(self) -> str:
        return f"{self.account_id} day {self.day}"


class LocalAcquirerPayment(models.Model):
    """The bank side of the embedded local acquirer: what a bank would keep. Never a card number."""

    class Status(models.TextChoices):
        PENDING = "pending", _("ожидает карту")
        WAITING_3DS = "waiting_3ds", _("ожидает 3-D Secure")
        SUCCEEDED = "succeeded", _("успешно")
        CANCELED = "canceled", _("отклонён")

    id = models.CharField(primary_key=True, max_length=40)
    idempotence_key = models.CharField(max_length=64, unique=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    description = models.CharField(max_length=200)
    return_url = models.URLField(max_length=500)
    metadata = models.JSONField(default=dict)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    card_token = models.CharField(max_length=64, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("платёж тестового эквайера")
        verbose_name_plural = _("платежи тестового эквайера")

    def __str__(self) -> str:
        return self.id
