"""Every SMS command form, as a customer sends it to the short number and reads the answer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from billing.services import post_payment
from channels.models import InboundSms
from metering.models import Reading
from tests.factories import MeterFactory, UserFactory, history, link
from tests.messages import sms_texts

from .conftest import DACHA, FLAT, PHONE, TWO_PHONE

pytestmark = pytest.mark.django_db


def sms_readings(meter):
    return list(Reading.objects.filter(meter=meter, source=Reading.Source.SMS).order_by("id"))


def test_single_rate_reading_is_accepted_and_answered_by_sms(gateway, meter, customer):
    reply = gateway.reply("001#11400")

    assert reply == "Счёт 6300000101: показания приняты за ноябрь 2026 (11400), расход 200 кВт·ч."
    [reading] = sms_readings(meter)
    assert (reading.zone, reading.value, reading.state) == ("total", 11400, Reading.State.ACCEPTED)
    assert reading.entered_by == customer  # the portal user of the phone is who submitted it
    assert sms_texts(PHONE) == [reply]  # the same text went back through the SMS backend


def test_day_and_night_go_in_that_order(gateway, two_accounts):
    reply = gateway.reply(f"001#{FLAT}#5180;2640", phone=TWO_PHONE)

    assert "день 5180, ночь 2640" in reply and "расход 120 кВт·ч" in reply
    assert {r.zone: r.value for r in sms_readings(two_accounts.flat)} == {"day": 5180, "night": 2640}


def test_three_zones_are_peak_night_semipeak_as_in_the_article(gateway, customer):
    meter = MeterFactory(account__number="6300000103", scheme=3)
    link(customer, meter.account)
    InboundSms.objects.all().delete()
    customer.account_links.exclude(account=meter.account).delete()  # one account: no number needed
    history(meter, {"peak": 1000, "semipeak": 2000, "night": 3000})  # +66 per zone a month

    reply = gateway.reply("001#1426;3436;2426")  # peak;night;semipeak

    assert {r.zone: r.value for r in sms_readings(meter)} == {"peak": 1426, "night": 3436, "semipeak": 2426}
    assert "пик 1426, ночь 3436, полупик 2426" in reply


@pytest.mark.parametrize("text", ["  001 # 11400 ", "001#11 400", "001＃11400", "\n001#11400\n", "001 #11400#"])
def test_what_people_type_is_tolerated(gateway, meter, text):
    reply = gateway.reply(text)
    assert "показания приняты" in reply
    assert [r.value for r in sms_readings(meter)] == [11400]


def test_a_second_sms_the_same_day_replaces_the_first(gateway, meter):
    gateway.reply("001#11400")
    reply = gateway.reply("001#11390")

    assert "показания исправлены" in reply and "расход 190 кВт·ч" in reply
    assert [(r.value, r.state) for r in sms_readings(meter)] == [
        (11400, Reading.State.REPLACED),
        (11390, Reading.State.ACCEPTED),
    ]


def test_a_phone_with_several_accounts_names_the_account(gateway, two_accounts):
    reply = gateway.reply(f"001#{DACHA}#3650", phone=TWO_PHONE)
    assert reply.startswith(f"Счёт {DACHA}: показания приняты")
    assert [r.value for r in sms_readings(two_accounts.dacha)] == [3650]
    assert sms_readings(two_accounts.flat) == []


@pytest.mark.parametrize("code", ["001#5180;2640", "003#", "004#"])
def test_without_the_account_several_accounts_are_listed_with_the_syntax(gateway, two_accounts, code):
    reply = gateway.reply(code, phone=TWO_PHONE)

    assert f"счета {FLAT}, {DACHA}." in reply
    assert f"Укажите счёт: {code[:3]}#{FLAT}" in reply
    assert Reading.objects.filter(source=Reading.Source.SMS).count() == 0


def test_readings_info_tells_the_latest_reading_with_its_date_state_and_the_window(gateway, meter):
    assert gateway.reply("003#") == (
        "Счёт 6300000101: 11200 от 20.10.2026, учтено в счёте за октябрь 2026. Приём показаний открыт до 25.11."
    )
    gateway.reply("001#11400")
    assert gateway.reply("003#").startswith("Счёт 6300000101: 11400 от 20.11.2026, принято за ноябрь 2026.")


def test_readings_info_of_a_named_account_names_every_zone(gateway, two_accounts, clock):
    clock.set(dt.date(2026, 11, 30))
    reply = gateway.reply(f"003#{FLAT}", phone=TWO_PHONE)
    assert reply == (
        f"Счёт {FLAT}: день 5100, ночь 2600 от 20.10.2026, учтено в счёте за октябрь 2026. "
        "Приём показаний с 15.12 по 25.12."
    )


def test_readings_info_without_readings_says_so(gateway, customer):
    meter = MeterFactory(account__number="6300000109")
    link(customer, meter.account)
    assert gateway.reply("003#6300000109").startswith("Счёт 6300000109: показаний ещё нет.")


def test_last_payment_tells_date_and_amount(gateway, meter):
    post_payment(account=meter.account, amount=Decimal("1234.56"), paid_on=dt.date(2026, 11, 12), reference="p1")
    post_payment(account=meter.account, amount=Decimal("99.00"), paid_on=dt.date(2026, 10, 3), reference="p0")

    assert gateway.reply("004#") == "Счёт 6300000101: последняя оплата 12.11.2026 на сумму 1 234,56 руб."


def test_last_payment_of_a_named_account(gateway, two_accounts):
    post_payment(account=two_accounts.dacha.account, amount=Decimal("500"), paid_on=dt.date(2026, 11, 2), reference="d")
    assert gateway.reply(f"004#{DACHA}", phone=TWO_PHONE) == (
        f"Счёт {DACHA}: последняя оплата 02.11.2026 на сумму 500,00 руб."
    )
    assert gateway.reply(f"004#{FLAT}", phone=TWO_PHONE) == f"Счёт {FLAT}: оплат не найдено."


def test_a_phone_of_a_customer_without_linked_accounts_gets_registration_instructions(gateway, db):
    UserFactory(phone="+79165550000")
    for phone in ("+79165550000", "+79160000000"):  # a user without accounts, and nobody at all
        reply = gateway.reply("001#123456", phone=phone)
        assert reply.startswith(
            "Номер не привязан к лицевому счёту. Зарегистрируйтесь на 127.0.0.1:8000/register/account/"
        )
    assert Reading.objects.filter(source=Reading.Source.SMS).count() == 0


def test_the_phone_is_read_in_every_common_spelling(gateway, meter):
    assert "приняты" in gateway.reply("001#11400", phone="89161234567")
    assert "приняты" in gateway.reply("001#11401", phone="79161234567")
