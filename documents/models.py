"""What the documents app remembers: which bill went out by e-mail (each at most once)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EbillDelivery(models.Model):
    """A bill sent by e-mail to its e-bill recipients; one row per bill makes the sending exactly once."""

    bill = models.OneToOneField("billing.Bill", on_delete=models.PROTECT, related_name="ebill_delivery")
    recipients = models.JSONField(_("получатели"), default=list)
    sent_at = models.DateTimeField(_("отправлена"), auto_now_add=True)

    class Meta:
        verbose_name = _("электронная квитанция")
        verbose_name_plural = _("электронные квитанции")

    def __str__(self) -> str:
        return f"{self.bill} → {', '.join(self.recipients)}"
