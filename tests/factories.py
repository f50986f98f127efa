"""Factories for the test data every app's tests need: people, places, accounts, tariffs, meters, readings."""

import datetime as dt
import uuid
from decimal import Decimal

import factory

from billing.models import Bill, BillingRun, TariffCategory, TariffPrice
from core.periods import Period
from customers.models import Account, AccountLink, Customer, Premise
from identity.models import User
from metering.models import Meter, Reading

PASSWORD = "Secret-Pass-2026"

# ₽/kWh from 2020 on, for every metering scheme (1: single rate, 2: day/night, 3: peak/semi-peak/night).
PRICES = {
    1: {"total": "6.00"},
    2: {"day": "7.00", "night": "3.50"},
    3: {"peak": "8.00", "semipeak": "6.00", "night": "3.50"},
}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    phone = factory.Sequence(lambda n: f"+7999{n:07d}")
    password = factory.django.Password(PASSWORD)


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


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    last_name = "Тестов"
    first_name = "Тест"


class PremiseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Premise

    address = factory.Sequence(lambda n: f"г. Самара, ул. Тестовая, д. {n + 1}, кв. 1")


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    number = factory.Sequence(lambda n: f"{6000000000 + n}")
    customer = factory.SubFactory(CustomerFactory)
    premise = factory.SubFactory(PremiseFactory)
    tariff_category = factory.SubFactory(TariffCategoryFactory)
    opened_on = dt.date(2020, 1, 1)


class AccountLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountLink

    user = factory.SubFactory(UserFactory)
    account = factory.SubFactory(AccountFactory)


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


def add_submission(
    meter,
    taken_on,
    values,
    *,
    state=Reading.State.BILLED,
    source=Reading.Source.PORTAL,
    period=None,
    entered_by=None,
    rollover=False,
    reason="",
):
    """One stored submission (a row per zone, one shared UUID), bypassing the rules; returns the UUID."""
    submission = uuid.uuid4()
    common = {
        "meter": meter, "taken_on": taken_on, "period": period or Period.of(taken_on), "source": source,
        "state": state, "submission": submission, "entered_by": entered_by, "rollover": rollover,
        "rejection_reason": reason,
    }  # fmt: skip
    Reading.objects.bulk_create(Reading(zone=zone, value=value, **common) for zone, value in values.items())
    return submission


def issue_bill(account, period, *, readings_through=None):
    """A bill of the account for the period (zero amounts) that took its readings up to ``readings_through``."""
    run, _ = BillingRun.objects.get_or_create(period=period, defaults={"state": BillingRun.State.CLOSED})
    zero = Decimal(0)
    return Bill.objects.create(
        account=account, period=period, number=f"{period.year}{period.month:02d}{account.number}", run=run,
        due_on=period.last_day, opening_balance=zero, charged=zero, recalculated=zero, penalties=zero, paid=zero,
        adjusted=zero, closing_balance=zero, vat=zero, vat_rate=Decimal(22), readings_through=readings_through,
    )  # fmt: skip
