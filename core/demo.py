"""Demo data: the company's tariffs, demo customers with a year of readings, synthetic accounts.

Idempotent: running it again changes nothing that exists. The demo logins are in the README.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from billing.models import BillingRun, ConsumptionNorm, KeyRate, TariffCategory, TariffPrice
from core.periods import Period
from customers.models import Account, AccountLink, Customer, Premise
from identity.models import User
from metering.models import Meter, Reading
from metering.zones import ZONES_BY_SCHEME

DEMO_PASSWORD = "Demo-Svet-2026"
STAFF_PHONE = "+79990000099"
STAFF_PASSWORD = "Admin-Svet-2026"

# Base single-rate price per category (₽/kWh incl. VAT) for the tariff year from 1 July 2025;
# from 1 July 2026 prices rise by 11.9 %. Zone prices derive from the base, as regulators set them.
CATEGORIES = [
    ("town-gas", "Население, город, газовые плиты", "Городские дома и квартиры с газовыми плитами.", Decimal("6.43")),
    (
        "town-electric",
        "Население, город, электроплиты",
        "Городские дома с электроплитами или электроотоплением.",
        Decimal("4.50"),
    ),
    ("country", "Население, сельская местность", "Сельские населённые пункты.", Decimal("4.50")),
]
ZONE_FACTORS = {
    1: {"total": Decimal("1")},
    2: {"day": Decimal("1.15"), "night": Decimal("0.60")},
    3: {"peak": Decimal("1.30"), "semipeak": Decimal("1.00"), "night": Decimal("0.60")},
}
ZONE_SHARES = {1: {"total": 1.0}, 2: {"day": 0.65, "night": 0.35}, 3: {"peak": 0.25, "semipeak": 0.45, "night": 0.30}}
TARIFF_YEARS = [(dt.date(2025, 7, 1), Decimal("1")), (dt.date(2026, 7, 1), Decimal("1.119"))]
# Consumption norms, kWh per resident a month for 1..5+ residents (demo values in the range regions set).
NORMS = {
    "town-gas": ["90", "56", "43", "35", "31"],
    "town-electric": ["137", "85", "66", "53", "47"],
    "country": ["137", "85", "66", "53", "47"],
}
# The central bank key rate history used for penalties (demo data: staff keep the real table in the back office).
KEY_RATES = [
    (dt.date(2024, 10, 28), Decimal("21")),
    (dt.date(2025, 6, 9), Decimal("20")),
    (dt.date(2025, 7, 28), Decimal("18")),
    (dt.date(2025, 9, 15), Decimal("17")),
    (dt.date(2025, 10, 27), Decimal("16.5")),
]
# The demo closes the last BILLED_MONTHS periods with the billing engine; customers pay their bills on
# the 10th, except the one whose account is listed here (a debt with penalties to show).
BILLED_MONTHS = 6
DEBTORS = {"6300000003"}

DEMO_CUSTOMERS = [
    # phone, (last, first, middle), [(account, address, category, scheme, group, alias)]
    (
        "+79990000001",
        ("Иванов", "Иван", "Иванович"),
        [("6300000001", "г. Самара, ул. Ленина, д. 10, кв. 5", "town-gas", 1, "", "Квартира")],
    ),
    (
        "+79990000002",
        ("Петрова", "Анна", "Сергеевна"),
        [("6300000002", "г. Самара, пр. Кирова, д. 120, кв. 48", "town-electric", 2, "", "Квартира")],
    ),
    (
        "+79990000003",
        ("Сидоров", "Пётр", "Алексеевич"),
        [("6300000003", "Самарская обл., с. Подгоры, ул. Садовая, д. 7", "country", 3, "", "Дом")],
    ),
    (
        "+79990000004",
        ("Кузнецова", "Мария", "Павловна"),
        [
            ("6300000004", "г. Тольятти, ул. Мира, д. 3, кв. 12", "town-gas", 1, "Квартира", "Моя квартира"),
            ("6300000005", "Самарская обл., СНТ «Берёзка», уч. 44", "country", 2, "Дача", "Дача"),
        ],
    ),
]


DEMO_NUMBERS = {number for _, _, accounts in DEMO_CUSTOMERS for number, *_ in accounts}


def seed_tariffs() -> dict[str, TariffCategory]:
    """Categories with their prices for two tariff years, consumption norms and the key rates."""
    for valid_from, rate in KEY_RATES:
        KeyRate.objects.get_or_create(valid_from=valid_from, defaults={"rate": rate})
    categories = {}
    for code, name, description, base in CATEGORIES:
        category, _ = TariffCategory.objects.get_or_create(
            code=code, defaults={"name": name, "description": description}
        )
        categories[code] = category
        for valid_from, rise in TARIFF_YEARS:
            for scheme, factors in ZONE_FACTORS.items():
                for zone, factor in factors.items():
                    TariffPrice.objects.get_or_create(
                        category=category,
                        scheme=scheme,
                        zone=zone,
                        valid_from=valid_from,
                        defaults={"price": (base * rise * factor).quantize(Decimal("0.01"))},
                    )
        for residents, kwh in enumerate(NORMS[code], start=1):
            ConsumptionNorm.objects.get_or_create(
                category=category,
                residents=residents,
                valid_from=dt.date(2020, 1, 1),
                defaults={"kwh_per_resident": Decimal(kwh)},
            )
    return categories


def _history(meter: Meter, rng: random.Random, today: dt.date, monthly: int, *, unbilled: int = 0) -> list[Reading]:
    """An installation act 13 months ago and a reading on the 20th of each of the last 12 months.

    The last ``unbilled`` months' readings are accepted but not billed yet (the demo bills them).
    """
    zones = ZONES_BY_SCHEME[meter.scheme]
    values = {z: rng.randint(1000, 20000) for z in zones}
    rows = []
    submission = uuid.uuid4()
    for zone in zones:
        rows.append(
            Reading(
                meter=meter,
                zone=zone,
                value=values[zone],
                taken_on=meter.installed_on,
                period=Period.of(meter.installed_on),
                source=Reading.Source.INSTALLATION,
                state=Reading.State.BILLED,
                submission=submission,
            )
        )
    current = Period.of(today)
    sources = [Reading.Source.PORTAL, Reading.Source.PORTAL, Reading.Source.SMS, Reading.Source.API]
    for back in range(12, 0, -1):
        period = current - back
        season = 1.35 if period.month in (12, 1, 2) else (0.8 if period.month in (6, 7, 8) else 1.0)
        submission = uuid.uuid4()
        source = rng.choice(sources)
        for zone in zones:
            used = int(monthly * season * ZONE_SHARES[meter.scheme][zone] * rng.uniform(0.85, 1.15))
            values[zone] = (values[zone] + used) % 10**meter.digits
            rows.append(
                Reading(
                    meter=meter,
                    zone=zone,
                    value=values[zone],
                    taken_on=period.day(20),
                    period=period,
                    source=source,
                    state=Reading.State.ACCEPTED if back <= unbilled else Reading.State.BILLED,
                    submission=submission,
                )
            )
    return rows


def seed_billing(*, today: dt.date) -> None:
    """Close the last ``BILLED_MONTHS`` periods with the real engine, customers paying on the 10th.

    Only on a database where no period was ever closed, so a second run changes nothing.
    """
    from billing.models import Bill
    from billing.services import close_period, post_payment

    if BillingRun.objects.exists():
        return
    current = Period.of(today)
    for back in range(BILLED_MONTHS, 0, -1):
        period = current - back
        close_period(period=period, today=(period + 1).first_day)
        pay_day = (period + 1).day(10)
        if pay_day >= today:
            continue
        for bill in Bill.objects.filter(period=period).select_related("account"):
            if bill.account.number not in DEMO_NUMBERS or bill.account.number in DEBTORS or bill.closing_balance <= 0:
                continue
            post_payment(
                account=bill.account,
                amount=bill.closing_balance,
                paid_on=pay_day,
                reference=f"demo-{bill.number}",
                reason="Демонстрационная оплата",
            )


@transaction.atomic
def seed_demo(*, today: dt.date | None = None) -> list[str]:
    today = today or timezone.localdate()
    categories = seed_tariffs()
    created = []
    for phone, (last, first, middle), accounts in DEMO_CUSTOMERS:
        user = User.objects.filter(phone=phone).first()
        if user is None:
            user = User.objects.create_user(phone, DEMO_PASSWORD, last_name=last, first_name=first, middle_name=middle)
            created.append(phone)
        customer, _ = Customer.objects.get_or_create(
            phone=phone,
            defaults={
                "last_name": last,
                "first_name": first,
                "middle_name": middle,
                "email": f"{phone[1:]}@example.ru",
            },
        )
        for number, address, category, scheme, group, alias in accounts:
            if Account.objects.filter(number=number).exists():
                continue
            rng = random.Random(number)
            premise = Premise.objects.create(
                address=address,
                residents=rng.randint(1, 4),
                rooms=rng.randint(1, 3),
                locality=Premise.Locality.COUNTRY if category == "country" else Premise.Locality.TOWN,
                stove=Premise.Stove.ELECTRIC if category == "town-electric" else Premise.Stove.GAS,
            )
            account = Account.objects.create(
                number=number,
                customer=customer,
                premise=premise,
                tariff_category=categories[category],
                bill_code=f"{rng.randint(0, 999999):06d}",
                opened_on=dt.date(2019, 3, 1),
                district_code="63",
            )
            AccountLink.objects.create(user=user, account=account, alias=alias, group=group)
            installed = (Period.of(today) - 13).day(5)
            meter = Meter.objects.create(
                account=account,
                serial=f"{number[-4:]}{rng.randint(100000, 999999)}",
                model={1: "Меркурий 201.5", 2: "Энергомера CE102M", 3: "Меркурий 231 AT-01"}[scheme],
                scheme=scheme,
                digits=6,
                installed_on=installed,
                next_verification_on=installed.replace(year=installed.year + 16),
            )
            Reading.objects.bulk_create(_history(meter, rng, today, rng.randint(150, 350), unbilled=BILLED_MONTHS))
            created.append(number)
    seed_billing(today=today)
    if not User.objects.filter(phone=STAFF_PHONE).exists():
        User.objects.create_superuser(STAFF_PHONE, STAFF_PASSWORD, last_name="Администратор", first_name="Демо")
        created.append(STAFF_PHONE)
    seed_service()
    return created


def seed_service() -> None:
    """Staff per role, the FAQ and two demo requests (backoffice and service own their demo data)."""
    from backoffice.demo import seed_staff
    from service.demo import seed_faq, seed_requests

    staff = seed_staff()
    seed_faq()
    seed_requests(operator=staff["operator"])


def seed_synthetic(
    count: int,
    *,
    start: int = 7_000_000_000,
    chunk: int = 5000,
    today: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """``count`` realistic accounts (70 % single-rate, 20 % day/night, 10 % three-zone) with a year of readings.

    Numbers run from ``start``; existing ones are skipped, so a second run adds nothing.
    """
    today = today or timezone.localdate()
    categories = list(seed_tariffs().values())
    existing = set(
        Account.objects.filter(number__gte=str(start), number__lt=str(start + count)).values_list("number", flat=True)
    )
    made = 0
    for offset in range(0, count, chunk):
        numbers = [str(start + i) for i in range(offset, min(offset + chunk, count)) if str(start + i) not in existing]
        if not numbers:
            continue
        with transaction.atomic():
            rngs = [random.Random(n) for n in numbers]
            customers = Customer.objects.bulk_create(
                [Customer(last_name="Абонент", first_name=n[-6:], phone="") for n in numbers]
            )
            premises = Premise.objects.bulk_create(
                [
                    Premise(
                        address=f"г. Самара, ул. Синтетическая, д. {int(n) % 500 + 1}, кв. {int(n) % 97 + 1}",
                        residents=r.randint(1, 5),
                    )
                    for n, r in zip(numbers, rngs, strict=True)
                ]
            )
            accounts = Account.objects.bulk_create(
                [
                    Account(
                        number=n,
                        customer=c,
                        premise=p,
                        tariff_category=r.choice(categories),
                        opened_on=dt.date(2020, 1, 1),
                        bill_code=f"{r.randint(0, 999999):06d}",
                    )
                    for n, c, p, r in zip(numbers, customers, premises, rngs, strict=True)
                ]
            )
            installed = (Period.of(today) - 13).day(5)
            meters = Meter.objects.bulk_create(
                [
                    Meter(
                        account=a,
                        serial=f"S{a.number}",
                        model="Синтетический",
                        installed_on=installed,
                        scheme=r.choices([1, 2, 3], weights=[70, 20, 10])[0],
                        next_verification_on=installed.replace(year=installed.year + 16),
                    )
                    for a, r in zip(accounts, rngs, strict=True)
                ]
            )
            readings = []
            for meter, rng in zip(meters, rngs, strict=True):
                readings.extend(_history(meter, rng, today, rng.randint(80, 450)))
            Reading.objects.bulk_create(readings, batch_size=5000)
        made += len(numbers)
        if progress:
            progress(made)
    return made
