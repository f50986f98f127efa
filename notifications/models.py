"""What notifications keep: each user's channel per kind of message, the in-portal notifications,
the outbox of messages to deliver, and the SMS the local backend "sent"."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LocalSms(models.Model):
    phone = models.CharField(_("телефон"), max_length=12, db_index=True)
    text = models.TextField(_("текст"))
    sent_at = models.DateTimeField(_("отправлено"), auto_now_add=True)
    # The sender's idempotency key: a message handed over twice (a worker killed before it recorded
    # the success) is kept once, as a provider de-duplicates by its Idempotency-Key.
    message_id = models.CharField(_("ключ сообщения"), max_length=64, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("SMS (локальная отправка)")
        verbose_name_plural = _("SMS (локальная отправка)")
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.phone}: {self.text[:40]}"


class Kind(models.TextChoices):
    """Kinds of messages a customer chooses a channel for."""

    READINGS_REMINDER = "readings_reminder", _("напоминания о передаче показаний")
    BILLS = "bills", _("квитанции и начисления")
    PAYMENTS = "payments", _("поступление оплаты")
    DEBTS = "debts", _("задолженность и пени")
    METER_VERIFICATION = "meter_verification", _("срок поверки счётчика")
    REQUEST_ANSWERS = "request_answers", _("ответы на обращения")
    NEWS = "news", _("новости и акции")


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("e-mail")
    PORTAL = "portal", _("только в личном кабинете")
    NONE = "none", _("не присылать")


# Channels a message leaves the portal by (the outbox delivers them); PORTAL and NONE do not.
EXTERNAL_CHANNELS = (Channel.SMS, Channel.EMAIL)

# What a customer gets before choosing: service messages by SMS or e-mail, news only if asked for.
DEFAULT_CHANNELS: dict[str, str] = {
    Kind.READINGS_REMINDER: Channel.SMS,
    Kind.BILLS: Channel.EMAIL,
    Kind.PAYMENTS: Channel.EMAIL,
    Kind.DEBTS: Channel.SMS,
    Kind.METER_VERIFICATION: Channel.SMS,
    Kind.REQUEST_ANSWERS: Channel.EMAIL,
    Kind.NEWS: Channel.NONE,
}


class ChannelPreference(models.Model):
    """A user's channel for one kind of message; no row means the default above."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_preferences")
    kind = models.CharField(_("вид сообщений"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("канал"), max_length=6, choices=Channel.choices)
    updated_at = models.DateTimeField(_("изменено"), auto_now=True)

    class Meta:
        verbose_name = _("канал уведомлений")
        verbose_name_plural = _("каналы уведомлений")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="unique_channel_preference")]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_kind_display()} → {self.get_channel_display()}"


class Notification(models.Model):
    """One event told to one user, shown in the portal's notification centre.

    ``event_key`` names the event (``bill:123``, ``readings-deadline:2026-11``); a user is told of an
    event once, whatever the number of runs of the reminder that found it.
    """

    # No index of its own: the unique constraint and the indexes below lead with the user.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    kind = models.CharField(_("вид сообщений"), max_length=20, choices=Kind.choices)
    event_key = models.CharField(_("событие"), max_length=200)
    subject = models.CharField(_("тема"), max_length=200)
    text = models.TextField(_("текст"))
    url = models.CharField(_("ссылка"), max_length=500, blank=True)
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("лицевой счёт"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    channel = models.CharField(_("канал"), max_length=6, choices=Channel.choices)
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)
    read_at = models.DateTimeField(_("прочитано"), null=True, blank=True)

    class Meta:
        verbose_name = _("уведомление")
        verbose_name_plural = _("уведомления")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "event_key"], name="notification_once_per_event")]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notification_user_latest"),
            # The bell's count: only unread rows are in it.
            models.Index(fields=["user"], name="notification_unread", condition=models.Q(read_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.subject}"

    @property
    def link(self) -> str:
        """The page it is about, only when it is one of the portal's own (never another site)."""
        return self.url if self.url.startswith("/") and not self.url.startswith("//") else ""


class OutboxMessage(models.Model):
    """A message to deliver, written in the transaction of the event it tells about.

    Delivery (``notifications.outbox``) claims a row under a lease, hands it to the SMS gateway or the
    mail server with ``key`` as the idempotency key, and marks it sent; a periodic sweeper re-queues
    rows whose worker died. ``event_key`` (with the user and channel) is unique: an event is queued
    for a recipient on a channel once.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("ожидает отправки")
        SENDING = "sending", _("отправляется")
        SENT = "sent", _("отправлено")
        FAILED = "failed", _("не отправлено")

    key = models.UUIDField(_("ключ идемпотентности"), default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(_("канал"), max_length=6, choices=Channel.choices)
    recipient = models.CharField(_("получатель"), max_length=254)
    subject = models.CharField(_("тема"), max_length=255, blank=True)
    # Both emptied once delivered: codes are not kept in clear, PDFs not kept twice.
    body = models.TextField(_("текст"))
    attachments = models.JSONField(_("вложения"), default=list, blank=True)  # [name, base64, MIME type]
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    kind = models.CharField(_("вид сообщений"), max_length=20, choices=Kind.choices, blank=True)
    event_key = models.CharField(_("событие"), max_length=200, blank=True)
    state = models.CharField(_("состояние"), max_length=8, choices=State.choices, default=State.PENDING)
    available_at = models.DateTimeField(_("отправить не раньше"))
    queued_at = models.DateTimeField(_("поставлено в очередь"), null=True, blank=True)
    lease_until = models.DateTimeField(_("занято до"), null=True, blank=True)
    claim = models.UUIDField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("попыток"), default=0)
    last_error = models.CharField(_("последняя ошибка"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)
    sent_at = models.DateTimeField(_("отправлено"), null=True, blank=True)

    class Meta:
        verbose_name = _("исходящее сообщение")
        verbose_name_plural = _("исходящие сообщения")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "channel", "event_key"],
                name="outbox_once_per_event",
                condition=~models.Q(event_key=""),
            )
        ]
        indexes = [
            # What the sweeper looks for: rows not yet sent. Sent ones (nearly all) stay out of it.
            models.Index(
                fields=["state", "available_at"],
                name="outbox_unsent",
                condition=models.Q(state__in=["pending", "sending"]),
            ),
            models.Index(fields=["created_at"], name="outbox_created"),  # the daily purge, the back office
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.key}: {self.get_state_display()}"
