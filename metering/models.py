"""Meters, their readings and the monthly submission windows."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.periods import PeriodField

from .zones import SCHEME_LABELS, ZONES_BY_SCHEME, Zone


class Meter(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("в работе")
        REMOVED = "removed", _("снят")

    account = models.ForeignKey(
        "customers.Account", verbose_name=_("лицевой счёт"), on_delete=models.PROTECT, related_name="meters"
    )
    serial = models.CharField(_("заводской номер"), max_length=40, db_index=True)
    model = models.CharField(_("модель"), max_length=100, blank=True)
    digits = models.PositiveSmallIntegerField(
        _("разрядов до запятой"), default=6, validators=[MinValueValidator(4), MaxValueValidator(9)]
    )
    transformer_ratio = models.PositiveIntegerField(
        _("коэффициент трансформации"), default=1, validators=[MinValueValidator(1)]
    )
    scheme = models.PositiveSmallIntegerField(_("число тарифных зон"), choices=list(SCHEME_LABELS.items()), default=1)
    installed_on = models.DateField(_("дата установки"))
    next_verification_on = models.DateField(_("дата следующей поверки"), null=True, blank=True)
    status = models.CharField(_("статус"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    removed_on = models.DateField(_("дата снятия"), null=True, blank=True)

    class Meta:
        verbose_name = _("прибор учёта")
        verbose_name_plural = _("приборы учёта")
        ordering = ["account", "serial"]

    def __str__(self) -> str:
        return f"№ {self.serial}"

    @property
    def zones(self) -> tuple[str, ...]:
        return ZONES_BY_SCHEME[self.scheme]

    @property
    def max_value(self) -> int:
        return 10**self.digits - 1

    def verification_expired(self, on: dt.date) -> bool:
        return self.next_verification_on is not None and self.next_verification_on < on


class Reading(models.Model):
    """One zone's value of one submission. All zones of a submission share ``submission``."""

    class State(models.TextChoices):
        DRAFT = "draft", _("черновик")
        SENT = "sent", _("передано")
        ACCEPTED = "accepted", _("принято")
        BILLED = "billed", _("учтено в счёте")
        REJECTED = "rejected", _("отклонено")
        REPLACED = "replaced", _("заменено исправлением")

    class Source(models.TextChoices):
        PORTAL = "portal", _("личный кабинет")
        PUBLIC_FORM = "public_form", _("форма без регистрации")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("e-mail")
        API = "api", _("API / мобильное приложение")
        STAFF = "staff", _("сотрудник")
        INSPECTOR = "inspector", _("контролёр")
        IMPORT = "import", _("загрузка файла")
        AMR = "amr", _("АСКУЭ (автоматически)")
        INSTALLATION = "installation", _("акт установки")

    # States whose values count as the meter's last known reading.
    COUNTED = (State.ACCEPTED, State.BILLED)

    # No index of its own: "reading_meter_latest" leads with the meter and serves every lookup by meter.
    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, related_name="readings", db_index=False)
    zone = models.CharField(_("зона"), max_length=10, choices=Zone.choices)
    value = models.PositiveBigIntegerField(_("показание"))
    taken_on = models.DateField(_("дата снятия"))
    submitted_at = models.DateTimeField(_("передано"), auto_now_add=True)
    period = PeriodField(_("расчётный период"))  # no index: every query by period is also by meter or account
    source = models.CharField(_("канал"), max_length=20, choices=Source.choices)
    state = models.CharField(_("состояние"), max_length=10, choices=State.choices, default=State.ACCEPTED)
    rejection_reason = models.CharField(_("причина отклонения"), max_length=255, blank=True)
    # No index: a submission is looked up within its meter ("reading_meter_latest"), and an index of
    # random UUIDs cost every reading written, and a close marking a period's readings billed, an
    # entry on a random page (see migration 0003).
    submission = models.UUIDField(_("передача"), default=uuid.uuid4)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кто ввёл"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # the partial index "reading_entered_by" below
    )
    rollover = models.BooleanField(_("переход через ноль"), default=False)
    unchanged = models.BooleanField(_("без изменений"), default=False)
    implausible_confirmed = models.BooleanField(_("большой расход подтверждён"), default=False)

    class Meta:
        verbose_name = _("показание")
        verbose_name_plural = _("показания")
        ordering = ["-taken_on", "-id"]
        # Every index is paid for by every insert (imports write tens of thousands of rows at once):
        # keep only what a query needs (see migration 0002).
        indexes = [
            models.Index(fields=["meter", "state", "-taken_on", "-id"], name="reading_meter_latest"),
            # A user's readings (data export, SET NULL when a user is deleted); most rows (imports,
            # automatic meter reading) have nobody and stay out of it.
            models.Index(
                fields=["entered_by"], name="reading_entered_by", condition=models.Q(entered_by__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meter} {self.get_zone_display()}: {self.value}"


class SubmissionWindow(models.Model):
    """Days of the month when readings count for the current period, from a date on.

    The window in force on a day is the one with the latest ``valid_from`` on or before it; with
    none on record, the settings' default (15th-25th) applies.
    """

    valid_from = models.DateField(_("действует с"), unique=True)
    opens_day = models.PositiveSmallIntegerField(_("с числа"), validators=[MinValueValidator(1), MaxValueValidator(31)])
    closes_day = models.PositiveSmallIntegerField(
        _("по число"), validators=[MinValueValidator(1), MaxValueValidator(31)]
    )

    class Meta:
        verbose_name = _("период приёма показаний")
        verbose_name_plural = _("периоды приёма показаний")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens_day__lte=models.F("closes_day")), name="window_opens_before_close"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.opens_day}–{self.closes_day} (с {self.valid_from:%d.%m.%Y})"
