"""Tariffs and norms, billing runs, the ledger of money movements, charge lines and bills.

Sign convention (one for the whole product): a ledger amount is what the entry adds to the
customer's debt. Charges, penalties and positive recalculations are positive; payments and
credits are negative. An account's balance is the sum of its entries: above zero it is a
debt, below zero an overpayment (advance). Balances are always derived, never stored.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.periods import Period, PeriodField
from metering.zones import Zone


class TariffCategory(models.Model):
    """A group of customers with one set of prices: town/country, stove, heating."""

    code = models.SlugField(_("код"), max_length=40, unique=True)
    name = models.CharField(_("название"), max_length=200)
    description = models.TextField(_("описание"), blank=True)
    social_norm_kwh = models.PositiveIntegerField(
        _("социальная норма, кВт·ч в месяц"),
        null=True,
        blank=True,
        help_text=_("Объём в месяц по цене в пределах нормы; сверх него — цена сверх нормы. Пусто — без нормы."),
    )

    class Meta:
        verbose_name = _("тарифная категория")
        verbose_name_plural = _("тарифные категории")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TariffPrice(models.Model):
    """The price of one kWh in one zone of one metering scheme, from a date until the next price.

    Prices include VAT (as billed to households) and keep four decimals; amounts are rounded to
    kopecks only after multiplying by the volume (see ``core.money``).
    """

    category = models.ForeignKey(TariffCategory, on_delete=models.PROTECT, related_name="prices")
    scheme = models.PositiveSmallIntegerField(_("число зон"), choices=[(1, "1"), (2, "2"), (3, "3")])
    zone = models.CharField(_("зона"), max_length=10, choices=Zone.choices)
    valid_from = models.DateField(_("действует с"))
    price = models.DecimalField(_("цена, ₽/кВт·ч"), max_digits=10, decimal_places=4, validators=[MinValueValidator(0)])
    price_above_norm = models.DecimalField(
        _("цена сверх социальной нормы"),
        max_digits=10,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )

    class Meta:
        verbose_name = _("цена тарифа")
        verbose_name_plural = _("цены тарифов")
        ordering = ["category", "scheme", "zone", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["category", "scheme", "zone", "valid_from"], name="unique_tariff_price"),
        ]

    def __str__(self) -> str:
        return f"{self.category} / {self.scheme} / {self.get_zone_display()} с {self.valid_from:%d.%m.%Y}: {self.price}"


class ConsumptionNorm(models.Model):
    """Monthly consumption norm per resident, set by the region, used when readings are missing too long."""

    category = models.ForeignKey(TariffCategory, on_delete=models.PROTECT, related_name="norms")
    residents = models.PositiveSmallIntegerField(
        _("проживает человек"),
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("5 — пять и более."),
    )
    valid_from = models.DateField(_("действует с"))
    kwh_per_resident = models.DecimalField(
        _("норматив, кВт·ч на человека в месяц"), max_digits=8, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("норматив потребления")
        verbose_name_plural = _("нормативы потребления")
        ordering = ["category", "residents", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["category", "residents", "valid_from"], name="unique_consumption_norm"),
        ]

    def __str__(self) -> str:
        return f"{self.category}, {self.residents} чел. с {self.valid_from:%d.%m.%Y}: {self.kwh_per_resident}"


class KeyRate(models.Model):
    """The central bank key rate from a date on: the base of late-payment penalties."""

    valid_from = models.DateField(_("действует с"), unique=True)
    rate = models.DecimalField(
        _("ставка, % годовых"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        verbose_name = _("ключевая ставка ЦБ")
        verbose_name_plural = _("ключевые ставки ЦБ")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"{self.rate} % с {self.valid_from:%d.%m.%Y}"


class BillingRun(models.Model):
    """The close of one billing period for all accounts. One per period: a period is closed once."""

    class State(models.TextChoices):
        RUNNING = "running", _("выполняется")
        CLOSED = "closed", _("закрыт")

    period = PeriodField(_("расчётный период"), unique=True)
    state = models.CharField(_("состояние"), max_length=10, choices=State.choices, default=State.RUNNING)
    accounts_total = models.PositiveIntegerField(_("лицевых счетов"), default=0)
    failures = models.JSONField(_("ошибки по лицевым счетам"), default=dict, blank=True)
    started_at = models.DateTimeField(_("начат"), auto_now_add=True)
    finished_at = models.DateTimeField(_("завершён"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("кто запустил"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("закрытие периода")
        verbose_name_plural = _("закрытия периодов")
        ordering = ["-period"]

    def __str__(self) -> str:
        return f"{self.period.label}: {self.get_state_display()}"


# References without a database constraint: the run that posted an entry or issued a bill, the
# meter of a charge line and the entry of a line. A close writes millions of these rows, and
# PostgreSQL checks every foreign key of every row (a lookup and a row lock of the referenced row):
# the run's and the meter's were 0.1 s of a 5,000-account chunk's 0.6 s of database CPU (migration
# 0004), a line's entry another 0.026 s of 0.37 s (migration 0005). Every index costs each row too:
# the runs' and the meters' are gone (nothing looks rows up by them), and the references' unique
# index leaves out the close's entries, which have none (0005). Runs, meters and entries are never
# deleted (PROTECT or CASCADE in the ORM; a meter is removed by its status), and a line is only
# written with its entry, in one transaction, so nothing can dangle. What ties money to a customer
# keeps its constraint: an entry's and a bill's account (tests/billing/test_ledger_constraints.py).
class LedgerEntry(models.Model):
    """One money movement on an account. See the module docstring for the sign convention."""

    class Kind(models.TextChoices):
        CHARGE = "charge", _("начисление")
        RECALCULATION = "recalculation", _("перерасчёт")
        PENALTY = "penalty", _("пени")
        PAYMENT = "payment", _("оплата")
        ADJUSTMENT = "adjustment", _("корректировка")
        OPENING = "opening", _("входящий остаток")

    # No index of its own: "ledger_account_period" leads with the account and serves every lookup by it.
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("лицевой счёт"),
        on_delete=models.PROTECT,
        related_name="ledger",
        db_index=False,
    )
    kind = models.CharField(_("вид"), max_length=15, choices=Kind.choices)
    # The bill the entry appears on; ``for_period`` is the month it concerns (recalculations of past months).
    period = PeriodField(_("в счёте за период"))
    for_period = PeriodField(_("за период"), null=True, blank=True)
    amount = models.DecimalField(_("сумма, ₽"), max_digits=14, decimal_places=2)
    posted_on = models.DateField(_("дата операции"))
    created_at = models.DateTimeField(_("записано"), auto_now_add=True)
    reason = models.CharField(_("основание"), max_length=500, blank=True)
    # Unique where present: "ledger_reference_unique" below.
    reference = models.CharField(
        _("внешний идентификатор"), max_length=100, null=True, blank=True,
        help_text=_("Идентификатор платежа или операции: одна операция учитывается один раз."),
    )  # fmt: skip
    # No database constraint (see the note above this class) and no index: nothing looks entries up
    # by their run; the ORM's PROTECT stays.
    run = models.ForeignKey(
        BillingRun,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
        db_constraint=False,
        db_index=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кто внёс"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,  # the partial index "ledger_created_by" below
    )

    class Meta:
        verbose_name = _("движение по счёту")
        verbose_name_plural = _("движения по счёту")
        ordering = ["account", "period", "id"]
        # Every index is paid for by every entry a period close writes (a million at a time): only
        # what a query needs (see migration 0003).
        indexes = [
            models.Index(fields=["account", "period"], name="ledger_account_period"),
            # Entries staff made (SET NULL when a user is deleted); the close's entries have nobody.
            models.Index(fields=["created_by"], name="ledger_created_by", condition=models.Q(created_by__isnull=False)),
        ]
        constraints = [
            # A payment or operation is counted once; the entries without a reference (all of a
            # close's) stay out of the index (NULLs never conflict anyway).
            models.UniqueConstraint(
                fields=["reference"], name="ledger_reference_unique", condition=models.Q(reference__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.period} {self.get_kind_display()}: {self.amount}"


class ChargeLine(models.Model):
    """A line of a charge or recalculation: one zone, one basis, one price, one stretch of days."""

    class Basis(models.TextChoices):
        ACTUAL = "actual", _("по показаниям")
        AVERAGE = "average", _("по среднему")
        NORM = "norm", _("по нормативу")

    class Tier(models.TextChoices):
        NONE = "", _("—")
        WITHIN = "within", _("в пределах социальной нормы")
        ABOVE = "above", _("сверх социальной нормы")

    # No database constraint either (see the note above LedgerEntry): the close writes a line only
    # with its entry, in the same transaction; entries are never deleted (the ORM cascades).
    entry = models.ForeignKey(LedgerEntry, on_delete=models.CASCADE, related_name="lines", db_constraint=False)
    # No database constraint (see the note above LedgerEntry) and no index: a meter's lines are found
    # through its account's entries ("ledger_account_period", then "entry"); the ORM's PROTECT stays.
    meter = models.ForeignKey(
        "metering.Meter",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="charge_lines",
        db_constraint=False,
        db_index=False,
    )
    zone = models.CharField(_("зона"), max_length=10, choices=Zone.choices)
    basis = models.CharField(_("основание"), max_length=10, choices=Basis.choices)
    tier = models.CharField(_("ступень"), max_length=10, choices=Tier.choices, blank=True, default="")
    date_from = models.DateField(_("с"))
    date_to = models.DateField(_("по"))
    previous_value = models.PositiveBigIntegerField(_("предыдущее показание"), null=True, blank=True)
    current_value = models.PositiveBigIntegerField(_("текущее показание"), null=True, blank=True)
    volume = models.BigIntegerField(_("объём, кВт·ч"))
    price = models.DecimalField(_("тариф, ₽/кВт·ч"), max_digits=10, decimal_places=4)
    amount = models.DecimalField(_("сумма, ₽"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("строка начисления")
        verbose_name_plural = _("строки начислений")
        ordering = ["entry", "meter", "zone", "date_from", "id"]

    def __str__(self) -> str:
        return (
            f"{self.get_zone_display()} {self.date_from:%d.%m.%Y}–{self.date_to:%d.%m.%Y}: {self.volume} × {self.price}"
        )

    @property
    def whole_month(self) -> bool:
        """False for a part of a month priced apart (a price change inside the period)."""
        return self.date_from.day == 1 and self.date_to == Period.of(self.date_from).last_day


class Bill(models.Model):
    """The bill (квитанция) of an account for a period: a document, immutable once issued.

    Its figures are a snapshot of the ledger at the close; corrections go into the next period.
    """

    # No index of its own: the unique constraint on (account, period) serves every lookup by account.
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("лицевой счёт"),
        on_delete=models.PROTECT,
        related_name="bills",
        db_index=False,
    )
    period = PeriodField(_("расчётный период"))
    # The period and the account's number ("202611" + "6300000101"): unique as (account, period) is,
    # so no index of its own (a close would write one entry a bill; nothing looks bills up by it).
    number = models.CharField(_("номер"), max_length=20)
    # Neither a database constraint nor an index (see the note above LedgerEntry): bills are found by
    # account and period; the ORM's PROTECT stays.
    run = models.ForeignKey(
        BillingRun, on_delete=models.PROTECT, related_name="bills", db_constraint=False, db_index=False
    )
    issued_at = models.DateTimeField(_("выставлен"), auto_now_add=True)
    due_on = models.DateField(_("оплатить до"))
    opening_balance = models.DecimalField(_("на начало периода"), max_digits=14, decimal_places=2)
    charged = models.DecimalField(_("начислено"), max_digits=14, decimal_places=2)
    recalculated = models.DecimalField(_("перерасчёт"), max_digits=14, decimal_places=2)
    penalties = models.DecimalField(_("пени"), max_digits=14, decimal_places=2)
    paid = models.DecimalField(_("оплачено"), max_digits=14, decimal_places=2)
    adjusted = models.DecimalField(_("корректировки"), max_digits=14, decimal_places=2)
    closing_balance = models.DecimalField(_("на конец периода"), max_digits=14, decimal_places=2)
    vat = models.DecimalField(_("в т. ч. НДС"), max_digits=14, decimal_places=2)
    vat_rate = models.DecimalField(_("ставка НДС, %"), max_digits=5, decimal_places=2)
    # The readings the bill took into account: its account's, for its period or earlier, with an id
    # up to this one (the highest reading id when the close billed the account). Readings are not
    # written to when they are billed: see ``billing.selectors.covered_by_bill``. Empty on bills
    # issued before it was recorded, whose readings were marked billed.
    readings_through = models.BigIntegerField(_("учтены показания до №"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("счёт (квитанция)")
        verbose_name_plural = _("счета (квитанции)")
        ordering = ["account", "-period"]
        constraints = [models.UniqueConstraint(fields=["account", "period"], name="unique_bill_per_period")]

    def __str__(self) -> str:
        return f"№ {self.number}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("bills are immutable once issued; post corrections to the next period")
        super().save(*args, **kwargs)

    @property
    def accrued(self) -> Decimal:
        """Everything the period added but payments: charges, recalculations, penalties and staff
        corrections, so that opening + accrued + paid (negative) = closing."""
        return self.charged + self.recalculated + self.penalties + self.adjusted

    @property
    def to_pay(self) -> Decimal:
        return max(self.closing_balance, Decimal("0.00"))

    @property
    def overpayment(self) -> Decimal:
        return max(-self.closing_balance, Decimal("0.00"))
