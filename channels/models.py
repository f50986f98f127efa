"""What arrived through the channels without the portal: one row per inbound SMS and per e-mail.

The row is the idempotency record (a unique message id: a repeated delivery is answered with the
stored reply and processed once) and the support log (what the customer sent, what we answered).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class InboundMessage(models.Model):
    """What every inbound message keeps: our reply, how it ended, the account and the submission it led to."""

    reply = models.TextField(_("ответ"), blank=True)
    outcome = models.CharField(_("результат"), max_length=40, blank=True)
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("лицевой счёт"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submission = models.UUIDField(_("передача показаний"), null=True, blank=True)
    received_at = models.DateTimeField(_("получено"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-received_at", "-id"]


class InboundSms(InboundMessage):
    message_id = models.CharField(_("идентификатор у шлюза"), max_length=128, unique=True)
    phone = models.CharField(_("телефон"), max_length=12)
    text = models.TextField(_("текст"))

    class Meta(InboundMessage.Meta):
        verbose_name = _("входящее SMS")
        verbose_name_plural = _("входящие SMS")
        indexes = [models.Index(fields=["phone", "-received_at"], name="inbound_sms_phone")]

    def __str__(self) -> str:
        return f"{self.phone}: {self.text[:40]}"


class InboundEmail(InboundMessage):
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    sender = models.CharField(_("отправитель"), max_length=254)
    subject = models.CharField(_("тема"), max_length=255, blank=True)
    command = models.CharField(_("команда"), max_length=255, blank=True)
    reply = models.TextField(_("ответ"), blank=True, help_text=_("Пусто, если ответ не отправлялся."))

    class Meta(InboundMessage.Meta):
        verbose_name = _("входящее письмо с показаниями")
        verbose_name_plural = _("входящие письма с показаниями")
        indexes = [models.Index(fields=["sender", "-received_at"], name="inbound_email_sender")]

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject[:40]}"
