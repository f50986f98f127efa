import datetime as dt
import uuid
from decimal import Decimal

import factory

from billing.models import TariffCategory, TariffPrice
from core.periods import Period
from customers.models import Account, AccountLink, Customer, Premise
from identity.models import User
from metering.models import Meter, Reading

PRICES = {
    1: {"total": "6.00"},
    2: {"day": "7.00", "night": "3.50"},
    3: {"peak": "8.00", "semipeak": "6.00", "night": "3.50"},
}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    phone = factory.Sequence(lambda n: f"+7999{n:07d}")
    password = factory.django.Password("Secret-Pass-2026")


class TariffCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TariffCategory
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = "town"
    name = "Город"

    @factory.post_generation
    def prices(self, create, extracted, **kwargs):
        for scheme, zones in PRICES.items():
            for zone, price in zones.items():
                TariffPrice.objects.get_or_create(
                    category=self,
                    scheme=scheme,
                    zone=zone,
                    valid_from=dt.date(2020, 1, 1),
                    defaults={"price": Decimal(price)},
                )


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    number = factory.Sequence(lambda n: f"{6000000000 + n}")
    customer = factory.LazyFunction(lambda: Customer.objects.create(last_name="Тестов"))
    premise = factory.LazyFunction(lambda: Premise.objects.create(address="г. Самара, ул. Тестовая, д. 1, кв. 1"))
    tariff_category = factory.SubFactory(TariffCategoryFactory)
    opened_on = dt.date(2020, 1, 1)


class MeterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meter

    account = factory.SubFactory(AccountFactory)
    serial = factory.Sequence(lambda n: f"M{n:06d}")
    scheme = 1
    digits = 6
    installed_on = dt.date(2025, 1, 10)


def link(user, account):
    return AccountLink.objects.create(user=user, account=account)


def history(meter, start_values, *, months=6, monthly=200, last=dt.date(2026, 10, 20)):
    """Counted readings on the 20th of ``months`` months up to ``last``; returns the last values."""
    values = dict(start_values)
    for back in range(months, 0, -1):
        period = Period.of(last) - (back - 1)
        submission = uuid.uuid4()
        for zone in meter.zones:
            values[zone] = (values[zone] + monthly // len(meter.zones)) % 10**meter.digits
            Reading.objects.create(
                meter=meter, zone=zone, value=values[zone], taken_on=period.day(20), period=period,
                source=Reading.Source.PORTAL, state=Reading.State.BILLED, submission=submission,
            )  # fmt: skip
    return values
