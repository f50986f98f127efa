"""Messages the local SMS backend "sent", and each user's choice of channel per kind of message."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LocalSms(models.Model):
    phone = models.CharField(_("телефон"), max_length=12, db_index=True)
    text = models.TextField(_("текст"))
    sent_at = models.DateTimeField(_("отправлено"), auto_now_add=True)

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
    REQUEST_ANSWERS = "request_answers", _("ответы на обращения")
    NEWS = "news", _("новости и акции")


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("e-mail")
    NONE = "none", _("не присылать")


# What a customer gets before choosing: service messages by SMS or e-mail, news only if asked for.
DEFAULT_CHANNELS: dict[str, str] = {
    Kind.READINGS_REMINDER: Channel.SMS,
    Kind.BILLS: Channel.EMAIL,
    Kind.PAYMENTS: Channel.EMAIL,
    Kind.DEBTS: Channel.SMS,
    Kind.REQUEST_ANSWERS: Channel.EMAIL,
    Kind.NEWS: Channel.NONE,
}


class ChannelPreference(models.Model):
    """A user's channel for one kind of message; no row means the default above."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_preferences")
    kind = models.CharField(_("вид сообщений"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("канал"), max_length=5, choices=Channel.choices)
    updated_at = models.DateTimeField(_("изменено"), auto_now=True)

    class Meta:
        verbose_name = _("канал уведомлений")
        verbose_name_plural = _("каналы уведомлений")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="unique_channel_preference")]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_kind_display()} → {self.get_channel_display()}"
