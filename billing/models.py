"""Tariffs: categories of customers and dated prices per metering scheme and zone."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from metering.zones import Zone


class TariffCategory(models.Model):
    """A group of customers with one set of prices: town/country, stove, heating."""

    code = models.SlugField(_("код"), max_length=40, unique=True)
    name = models.CharField(_("название"), max_length=200)
    description = models.TextField(_("описание"), blank=True)

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

    class Meta:
        verbose_name = _("цена тарифа")
        verbose_name_plural = _("цены тарифов")
        ordering = ["category", "scheme", "zone", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["category", "scheme", "zone", "valid_from"], name="unique_tariff_price"),
        ]

    def __str__(self) -> str:
        return f"{self.category} / {self.scheme} / {self.get_zone_display()} с {self.valid_from:%d.%m.%Y}: {self.price}"
