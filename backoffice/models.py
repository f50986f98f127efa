"""The back office's own records: the customer card (a view of ``customers.Customer`` that carries
the staff permissions of the card: search, entering readings, unlocking users) and the files of
readings uploaded from inspectors' rounds with their progress and per-row report."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from metering.models import Reading


class CustomerCard(Customer):
    """Search and the customer card. A proxy: no table, its own permissions."""

    class Meta:
        proxy = True
        verbose_name = _("карточка абонента")
        verbose_name_plural = _("поиск абонентов")
        default_permissions = ("view",)
        permissions = [
            ("enter_readings", _("Может вводить показания за абонента")),
            ("unlock_users", _("Может снимать блокировку входа")),
        ]


class ReadingImport(models.Model):
    """One uploaded CSV of readings, judged row by row through ``metering.services.import_readings``."""

    class State(models.TextChoices):
        QUEUED = "queued", _("в очереди")
        RUNNING = "running", _("загружается")
        DONE = "done", _("загружен")
        FAILED = "failed", _("прерван")

    CHANNELS = [
        (Reading.Source.INSPECTOR, Reading.Source.INSPECTOR.label),
        (Reading.Source.IMPORT, Reading.Source.IMPORT.label),
    ]

    file_name = models.CharField(_("файл"), max_length=200)
    content = models.TextField(_("содержимое"))
    channel = models.CharField(_("канал"), max_length=20, choices=CHANNELS, default=Reading.Source.INSPECTOR)
    state = models.CharField(_("состояние"), max_length=10, choices=State.choices, default=State.QUEUED)
    rows_total = models.PositiveIntegerField(_("строк"), default=0)
    rows_done = models.PositiveIntegerField(_("обработано"), default=0)
    accepted = models.PositiveIntegerField(_("принято"), default=0)
    # [[line, code, message], ...] in line order
    rejected = models.JSONField(_("отклонённые строки"), default=list, blank=True)
    error = models.TextField(_("ошибка"), blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("загрузил"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("загружен"), auto_now_add=True)
    started_at = models.DateTimeField(_("начат"), null=True, blank=True)
    finished_at = models.DateTimeField(_("закончен"), null=True, blank=True)

    class Meta:
        verbose_name = _("загрузка показаний")
        verbose_name_plural = _("загрузки показаний (обходы)")
        ordering = ["-created_at", "-id"]
        default_permissions = ("add", "view")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%d.%m.%Y %H:%M})"

    @property
    def rejected_count(self) -> int:
        return len(self.rejected)
