"""Customers, the premises they consume at, their personal accounts, and who may see which."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

account_number_validator = RegexValidator(r"^\d{10}$", _("Номер лицевого счёта — 10 цифр."))


class Customer(models.Model):
    class Kind(models.TextChoices):
        HOUSEHOLD = "household", _("физическое лицо")
        BUSINESS = "business", _("юридическое лицо")

    kind = models.CharField(_("тип"), max_length=10, choices=Kind.choices, default=Kind.HOUSEHOLD)
    last_name = models.CharField(_("фамилия"), max_length=150, blank=True)
    first_name = models.CharField(_("имя"), max_length=150, blank=True)
    middle_name = models.CharField(_("отчество"), max_length=150, blank=True)
    organization = models.CharField(_("организация"), max_length=255, blank=True)
    inn = models.CharField(_("ИНН"), max_length=12, blank=True)
    kpp = models.CharField(_("КПП"), max_length=9, blank=True)
    phone = models.CharField(_("телефон"), max_length=12, blank=True, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)

    class Meta:
        verbose_name = _("абонент")
        verbose_name_plural = _("абоненты")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.kind == self.Kind.BUSINESS:
            return self.organization
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


class Premise(models.Model):
    """A place of consumption (место потребления): what the tariff category and the norm depend on."""

    class Locality(models.TextChoices):
        TOWN = "town", _("город")
        COUNTRY = "country", _("сельская местность")

    class Stove(models.TextChoices):
        GAS = "gas", _("газовая плита")
        ELECTRIC = "electric", _("электроплита")

    address = models.CharField(_("адрес"), max_length=500)
    residents = models.PositiveSmallIntegerField(_("проживает человек"), default=1)
    rooms = models.PositiveSmallIntegerField(_("комнат"), default=1)
    locality = models.CharField(_("местность"), max_length=10, choices=Locality.choices, default=Locality.TOWN)
    stove = models.CharField(_("плита"), max_length=10, choices=Stove.choices, default=Stove.GAS)
    electric_heating = models.BooleanField(_("электроотопление"), default=False)

    class Meta:
        verbose_name = _("место потребления")
        verbose_name_plural = _("места потребления")

    def __str__(self) -> str:
        return self.address

    @property
    def masked_address(self) -> str:
        """For pages without login: the town and street, never the flat."""
        parts = [p.strip() for p in self.address.split(",")]
        return ", ".join([*parts[:2], "…"]) if len(parts) > 2 else parts[0][:12] + "…"


class Account(models.Model):
    """A personal account (лицевой счёт): the unit of billing."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("действует")
        CLOSED = "closed", _("закрыт")

    number = models.CharField(_("номер"), max_length=10, unique=True, validators=[account_number_validator])
    customer = models.ForeignKey(Customer, verbose_name=_("абонент"), on_delete=models.PROTECT, related_name="accounts")
    premise = models.ForeignKey(
        Premise, verbose_name=_("место потребления"), on_delete=models.PROTECT, related_name="accounts"
    )
    tariff_category = models.ForeignKey(
        "billing.TariffCategory",
        verbose_name=_("тарифная категория"),
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    status = models.CharField(_("статус"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    district_code = models.CharField(_("код района"), max_length=4, blank=True)
    bill_code = models.CharField(
        _("код с квитанции"),
        max_length=8,
        blank=True,
        help_text=_("Проверочный код, напечатанный внизу квитанции; подтверждает, что абонент — плательщик."),
    )
    connection_kw = models.DecimalField(
        _("максимальная мощность, кВт"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.1"))],
    )
    opened_on = models.DateField(_("открыт"))

    class Meta:
        verbose_name = _("лицевой счёт")
        verbose_name_plural = _("лицевые счета")

    def __str__(self) -> str:
        return self.number

    @property
    def capacity_kw(self) -> Decimal:
        return self.connection_kw or settings.DEFAULT_CONNECTION_KW


class AccountLink(models.Model):
    """A user's access to an account: their own or a relative's, with an alias and a property group."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_links")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="links")
    alias = models.CharField(_("название"), max_length=60, blank=True)
    group = models.CharField(_("объект недвижимости"), max_length=60, blank=True)
    # The user gets this account's bills by e-mail (sent once their address is confirmed).
    ebill = models.BooleanField(_("электронная квитанция"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("привязка лицевого счёта")
        verbose_name_plural = _("привязки лицевых счетов")
        constraints = [models.UniqueConstraint(fields=["user", "account"], name="unique_account_link")]

    def __str__(self) -> str:
        return f"{self.user} → {self.account}"


class BusinessApplication(models.Model):
    """A business customer's request for portal access: staff check the details and approve or reject.

    Until it is approved the user can log in but sees only the application's state; approving links
    the accounts of the business customer with the same INN (and KPP).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("на рассмотрении")
        APPROVED = "approved", _("одобрена")
        REJECTED = "rejected", _("отклонена")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("пользователь"),
        on_delete=models.CASCADE,
        related_name="business_application",
    )
    organization = models.CharField(_("организация"), max_length=255)
    inn = models.CharField(_("ИНН"), max_length=12, db_index=True)
    kpp = models.CharField(_("КПП"), max_length=9, blank=True)
    contract_number = models.CharField(_("номер договора"), max_length=30)
    status = models.CharField(_("состояние"), max_length=10, choices=Status.choices, default=Status.PENDING)
    rejection_reason = models.TextField(_("причина отказа"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("рассмотрел"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("рассмотрена"), null=True, blank=True)
    created_at = models.DateTimeField(_("подана"), auto_now_add=True)

    class Meta:
        verbose_name = _("заявка юридического лица")
        verbose_name_plural = _("заявки юридических лиц")
        ordering = ["status", "-created_at"]

    def __str__(self) -> str:
        return f"{self.organization} ({self.inn})"
