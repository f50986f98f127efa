"""Readings without login: an account number, then the meters' zones and a masked address; never a
name, a balance or the history; CAPTCHA after a few lookups, limits per address and per account."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from billing.services import post_adjustment
from core.models import AuditEntry
from customers.models import Account
from metering.models import Reading
from tests.factories import MeterFactory, history

pytestmark = pytest.mark.django_db

NUMBER = "6300000101"  # the root conftest's `meter`: single-rate, last 11 200, 200 kWh a month
LOOKUP, METERS = "/readings/", "/readings/meters/"


@pytest.fixture
def account(meter, today):
    post_adjustment(account=meter.account, amount=Decimal("4321.09"), reason="долг", actor=None, opening=True)
    return meter.account


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def look_up(client, number=NUMBER, ip="10.0.0.1", **extra):
    return client.post(LOOKUP, {"number": number, **extra}, REMOTE_ADDR=ip)


def field(meter, zone="total") -> str:
    return f"m{meter.pk}-{zone}"


def test_the_login_page_links_to_the_form(client, db):
    assert 'href="/readings/"' in client.get("/login/").content.decode()


def test_the_second_step_shows_the_masked_address_and_zones_and_nothing_personal(client, account, meter, customer):
    response = look_up(client)
    assert response.status_code == 302 and response["Location"] == METERS

    page = client.get(METERS)
    shown = text(page)
    assert "г. Самара, ул. Тестовая, …" in shown  # town and street, no house or flat
    assert account.premise.address not in shown
    assert f"Счётчик № …{meter.serial[-4:]}" in shown and meter.serial not in shown
    assert f'name="{field(meter)}"' in page.content.decode()
    names = (account.customer.display_name, customer.get_full_name(), customer.first_name)
    for secret in (*names, customer.phone, "4 321", "4321", "11200", "11 200", "20.10.2026", "кВт·ч"):
        assert secret not in shown, secret


def test_readings_are_submitted_through_the_shared_rules_without_a_user(client, account, meter):
    look_up(client)
    response = client.post(METERS, {field(meter): "11 400"}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 302 and response["Location"] == "/readings/done/"

    [reading] = Reading.objects.filter(meter=meter, source=Reading.Source.PUBLIC_FORM)
    assert (reading.value, reading.state, reading.entered_by) == (11400, Reading.State.ACCEPTED, None)
    done = text(client.get("/readings/done/"))
    assert f"Показания счётчика № …{meter.serial[-4:]} приняты за ноябрь 2026." in done
    assert "200" not in done  # no consumption: it would tell the last reading
    actions = set(AuditEntry.objects.filter(account=account).values_list("action", flat=True))
    assert {"reading.submitted", "reading.public_form"} <= actions
    assert AuditEntry.objects.get(action="reading.public_form").changes["ip"] == "10.0.0.1"
    assert client.get(METERS).status_code == 302  # the lookup is used up: a new one is needed


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("11400,5", "Введите только цифры до запятой"),
        ("11 4OO", "может содержать только цифры"),
        ("11100", "Показание меньше последнего принятого. Показания не уменьшаются: проверьте цифры до запятой."),
        ("15000", "Расход по этим показаниям намного больше обычного для этого счёта."),
    ],
)
def test_a_refusal_says_what_to_check_without_telling_the_history(client, account, meter, typed, message):
    look_up(client)
    page = text(client.post(METERS, {field(meter): typed}))
    assert message in page
    assert "11200" not in page and "11 200" not in page and "3800" not in page  # neither last reading nor volume
    assert not Reading.objects.filter(source=Reading.Source.PUBLIC_FORM).exists()


def test_an_implausible_volume_is_sent_to_the_portal_not_confirmed_here(client, account, meter):
    look_up(client)
    page = text(client.post(METERS, {field(meter): "15000", "confirm_implausible": "on"}))
    assert "передайте их в личном кабинете или по телефону 8 800 000-00-00" in page
    assert not Reading.objects.filter(source=Reading.Source.PUBLIC_FORM).exists()


def test_an_empty_form_asks_for_readings(client, account, meter):
    look_up(client)
    assert "Введите показания хотя бы одного счётчика." in text(client.post(METERS, {field(meter): " "}))


def test_two_meters_one_filled_is_enough(client, account, meter):
    other = MeterFactory(account=account, scheme=2)
    history(other, {"day": 100, "night": 100})
    look_up(client)
    page = client.get(METERS).content.decode()
    assert f'name="{field(other, "day")}"' in page and f'name="{field(other, "night")}"' in page

    response = client.post(METERS, {field(other, "day"): "750", field(other, "night"): "710"})
    assert response.status_code == 302
    assert {r.zone: r.value for r in Reading.objects.filter(meter=other, source="public_form")} == {
        "day": 750,
        "night": 710,
    }


def test_a_partial_success_keeps_the_accepted_meter_out_of_the_form(client, account, meter):
    other = MeterFactory(account=account, scheme=1)
    history(other, {"total": 500})
    look_up(client)
    page = client.post(METERS, {field(meter): "11400", field(other): "1,5"})
    assert page.status_code == 200
    assert f"Показания счётчика № …{meter.serial[-4:]} приняты за ноябрь 2026." in text(page)
    assert f'name="{field(meter)}"' not in page.content.decode()
    assert client.post(METERS, {field(other): "1700"}).status_code == 302
    assert Reading.objects.filter(source="public_form").count() == 2


@pytest.mark.parametrize("number", ["6399999999", "12345"])
def test_an_unknown_number_is_refused(client, account, number):
    response = look_up(client, number)
    assert response.status_code == 200
    assert re.search(r"Лицевой счёт не найден или закрыт|Номер лицевого счёта — 10 цифр", text(response))


def test_a_closed_account_is_refused_like_an_unknown_one(client, account):
    Account.objects.filter(pk=account.pk).update(status=Account.Status.CLOSED)
    assert "Лицевой счёт не найден или закрыт" in text(look_up(client))


def test_the_second_step_needs_the_first(client, account, meter):
    assert client.get(METERS)["Location"] == LOOKUP
    assert client.post(METERS, {field(meter): "11400"})["Location"] == LOOKUP
    assert not Reading.objects.filter(source=Reading.Source.PUBLIC_FORM).exists()


def test_the_lookup_expires(client, account, meter, monkeypatch):
    look_up(client)
    import channels.views

    later = channels.views.time.time() + channels.views.LOOKUP_TTL + 1
    monkeypatch.setattr(channels.views.time, "time", lambda: later)
    assert client.get(METERS)["Location"] == LOOKUP


def test_after_three_lookups_from_one_address_a_captcha_is_asked(client, account, settings):
    settings.PUBLIC_FORM_CAPTCHA_AFTER = 3
    for number in ("6399999991", "6399999992"):
        assert 'name="captcha_1"' not in look_up(client, number).content.decode()
    assert 'name="captcha_1"' not in client.get(LOOKUP, REMOTE_ADDR="10.0.0.1").content.decode()
    look_up(client, "6399999993")
    page = client.get(LOOKUP, REMOTE_ADDR="10.0.0.1").content.decode()
    assert 'name="captcha_1"' in page and re.search(r'<img src="/captcha/image/\w+/"', page)

    refused = look_up(client, captcha_0="k", captcha_1="WRONG")
    assert "Символы с картинки введены неверно" in text(refused)
    assert "Введите символы с картинки." in text(look_up(client, captcha_0="k", captcha_1=""))
    assert look_up(client, captcha_0="k", captcha_1="PASSED")["Location"] == METERS


def test_the_third_failed_lookup_shows_the_captcha_at_once(client, account, settings):
    settings.PUBLIC_FORM_CAPTCHA_AFTER = 3
    look_up(client, "6399999991")
    look_up(client, "6399999992")
    third = look_up(client, "6399999993").content.decode()
    assert "Лицевой счёт не найден или закрыт" in third and 'name="captcha_1"' in third


def test_one_account_tried_from_many_addresses_asks_for_a_captcha(client, account, settings):
    settings.PUBLIC_FORM_CAPTCHA_AFTER = 3
    for i in range(3):
        look_up(client, ip=f"10.0.1.{i}")
        client.cookies.clear()  # a new visitor each time
    response = look_up(client, ip="10.0.1.99")
    assert response.status_code == 200
    assert "Введите символы с картинки." in text(response) and 'name="captcha_1"' in response.content.decode()
    assert look_up(client, ip="10.0.1.99", captcha_0="k", captcha_1="PASSED")["Location"] == METERS


def test_an_address_over_its_limit_is_refused_while_another_goes_on(client, account, settings):
    settings.PUBLIC_FORM_PER_IP_HOUR = 4
    settings.PUBLIC_FORM_CAPTCHA_AFTER = 100
    for i in range(4):
        look_up(client, f"639999999{i}")
    assert "Слишком много попыток" in text(look_up(client))
    client.cookies.clear()
    assert look_up(client, ip="10.0.0.2")["Location"] == METERS


def test_an_account_over_its_limit_is_refused_from_any_address(client, account, settings):
    settings.PUBLIC_FORM_PER_ACCOUNT_HOUR = 2
    settings.PUBLIC_FORM_CAPTCHA_AFTER = 100
    look_up(client, ip="10.0.2.1")
    look_up(client, ip="10.0.2.2")
    assert "Слишком много попыток" in text(look_up(client, ip="10.0.2.3"))


def test_submissions_per_account_are_limited(client, account, meter, settings):
    settings.PUBLIC_FORM_PER_ACCOUNT_HOUR = 2
    look_up(client)
    client.post(METERS, {field(meter): "1,1"})
    client.post(METERS, {field(meter): "1,1"})
    assert "Слишком много попыток" in text(client.post(METERS, {field(meter): "11400"}))
    assert not Reading.objects.filter(source=Reading.Source.PUBLIC_FORM).exists()


def test_the_form_posts_need_the_csrf_token(account, meter):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(LOOKUP, {"number": NUMBER}).status_code == 403
