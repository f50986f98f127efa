"""Messages the local SMS backend "sent": what a developer reads instead of a phone."""

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
