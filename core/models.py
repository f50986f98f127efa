"""The audit log: every change to readings and money leaves an entry here."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    at = models.DateTimeField(_("когда"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кто"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    channel = models.CharField(_("канал"), max_length=20, blank=True)
    action = models.CharField(_("действие"), max_length=60, db_index=True)
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("лицевой счёт"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
    )
    object_type = models.CharField(_("объект"), max_length=60, blank=True)
    object_id = models.CharField(_("идентификатор объекта"), max_length=64, blank=True)
    changes = models.JSONField(_("изменения"), default=dict, blank=True)
    reason = models.TextField(_("причина"), blank=True)

    class Meta:
        verbose_name = _("запись журнала аудита")
        verbose_name_plural = _("журнал аудита")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["account", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%d.%m.%Y %H:%M} {self.action}"
