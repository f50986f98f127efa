"""Every refusal over SMS: a short reply that says what to send instead, and nothing stored."""

from __future__ import annotations

import datetime as dt

import pytest

from customers.models import Account
from metering.models import Meter, Reading
from tests.factories import AccountFactory, MeterFactory
from tests.messages import sms_texts

from .conftest import FLAT, PHONE, TWO_PHONE

pytestmark = pytest.mark.django_db

HELP = (
    "Команды: 001#показания (день;ночь или пик;ночь;полупик) - передать, "
    "003# - последние показания, 004# - последняя оплата."
)


def stored():
    return Reading.objects.filter(source=Reading.Source.SMS).count()


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("001#11400,7", "Передайте только цифры до запятой: 11400 вместо 11400,7. Дробная часть не учитывается."),
        ("001#011400.75", "Передайте только цифры до запятой: 11400 вместо 011400.75. Дробная часть не учитывается."),
        ("001#11abc", "Показания - только цифры. Пример: 001#123456"),
        ("001#-5", "Показания - только цифры. Пример: 001#123456"),
        ("001#1234567", "Показание длиннее, чем у счётчика (6 цифр до запятой). Передайте только цифры до запятой."),
        ("001#11100", "Показание 11100 меньше предыдущего 11200. Проверьте цифры до запятой."),
        ("001#1;2", "Однотарифный счётчик: передайте одно показание, например 001#123456"),
        ("001#", "Не указаны показания. Пример: 001#123456, для двух зон 001#12345;6789"),
        ("003#12345", "Номер лицевого счёта - 10 цифр. Пример: 003#6300000001"),
        ("001#6300000101#1#2", "Не удалось разобрать команду. Пример: 001#123456"),
        ("001#6399999999#123", "Счёт 6399999999 не привязан к вашему номеру."),
        ("привет", HELP),
        ("", HELP),
        ("002#", HELP),
    ],
)
def test_a_refused_message_gets_a_reply_that_says_what_to_send(gateway, meter, text, reply):
    assert gateway.reply(text) == reply
    assert stored() == 0
    assert sms_texts(PHONE) == [reply]


def test_another_customers_account_is_refused_like_one_that_does_not_exist(gateway, meter):
    AccountFactory(number="6300000999")
    assert gateway.reply("003#6300000999") == "Счёт 6300000999 не привязан к вашему номеру."


def test_a_lower_zone_reading_names_the_zone(gateway, two_accounts):
    reply = gateway.reply(f"001#{FLAT}#5000;2700", phone=TWO_PHONE)
    assert reply == "Показание «день» 5000 меньше предыдущего 5100. Проверьте цифры до запятой."


def test_a_wrong_number_of_zones_tells_the_order(gateway, two_accounts):
    reply = gateway.reply(f"001#{FLAT}#5180", phone=TWO_PHONE)
    assert reply == (
        "Счётчик учитывает 2 зоны: передайте показания через ; в порядке день;ночь, например 001#6300000401#12345;6789"
    )
    assert gateway.reply(f"001#{FLAT}#;2640", phone=TWO_PHONE) == (
        "Укажите показания всех зон, например 001#6300000401#12345;6789"
    )
    assert stored() == 0


def test_an_implausible_reading_asks_to_resend_with_a_confirmation_and_then_is_accepted(gateway, meter):
    reply = gateway.reply("001#15000")  # 3 800 kWh in a month, where 200 is usual
    assert reply == (
        "Расход 3800 кВт·ч намного больше обычного. Проверьте цифры до запятой. Если всё верно, отправьте 001#15000#да"
    )
    assert stored() == 0

    assert "показания приняты" in gateway.reply("001#15000#да")
    [reading] = Reading.objects.filter(source=Reading.Source.SMS)
    assert (reading.value, reading.implausible_confirmed) == (15000, True)


def test_the_confirmation_repeats_the_account_when_one_was_named(gateway, two_accounts):
    reply = gateway.reply(f"001#{FLAT} # 9100 ; 2700", phone=TWO_PHONE)
    assert reply.endswith(f"отправьте 001#{FLAT}#9100;2700#да")


def test_an_expired_verification_is_refused(gateway, meter):
    Meter.objects.filter(pk=meter.pk).update(next_verification_on=dt.date(2026, 11, 1))
    assert gateway.reply("001#11400") == (
        "Срок поверки счётчика истёк: показания не принимаются. Подайте заявку на поверку в личном кабинете."
    )
    assert stored() == 0


def test_a_closed_account_is_refused(gateway, meter):
    Account.objects.filter(pk=meter.account_id).update(status=Account.Status.CLOSED)
    assert gateway.reply("001#11400") == "Лицевой счёт 6300000101 закрыт, показания не принимаются."


def test_an_account_without_an_active_meter_says_so(gateway, meter):
    Meter.objects.filter(pk=meter.pk).update(status=Meter.Status.REMOVED)
    assert gateway.reply("001#11400") == "По счёту 6300000101 нет действующих счётчиков."


def test_several_meters_are_told_apart_by_their_zones_or_sent_to_the_portal(gateway, meter):
    MeterFactory(account=meter.account, scheme=1)
    assert gateway.reply("001#11400") == (
        "На счёте 6300000101 несколько счётчиков: передайте показания в личном кабинете."
    )
    two_zone = MeterFactory(account=meter.account, scheme=2)
    assert "показания приняты" in gateway.reply("001#10;20")
    assert Reading.objects.filter(meter=two_zone, source=Reading.Source.SMS).count() == 2


def test_after_the_window_closes_the_reply_names_the_next_period(gateway, meter, clock):
    clock.set(dt.date(2026, 11, 27))
    assert gateway.reply("001#11400").startswith("Счёт 6300000101: показания приняты за декабрь 2026")
