"""The customer's pages through real URLs: login, access control, preview, submit, history, tariffs."""

import re

import pytest
from django.test import Client

from core.demo import DEMO_PASSWORD, seed_demo
from core.money import format_rub
from metering.models import Meter, Reading
from metering.selectors import last_readings

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    seed_demo()


@pytest.fixture
def ivanov(client, demo):
    assert client.login(phone="+79990000001", password=DEMO_PASSWORD)
    return client


def submit_url(number):
    meter = Meter.objects.get(account__number=number)
    return f"/a/{number}/meters/{meter.pk}/readings/", meter


def stored_after(meter, before):
    """The meter's readings stored after the reading ``before`` (an id): what a request added."""
    return Reading.objects.filter(meter=meter, pk__gt=before)


def last_id():
    return Reading.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_login_accepts_any_common_phone_spelling(client, demo):
    response = client.post("/login/", {"username": "8 (999) 000-00-01", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/", follow=True).redirect_chain[-1][0] == "/a/6300000001/"


def test_wrong_password_is_refused_in_russian_and_locked_after_five(client, demo):
    for _ in range(5):
        response = client.post("/login/", {"username": "+79990000001", "password": "wrong-one"})
        assert "Неверный номер телефона или пароль" in response.content.decode()
    response = client.post("/login/", {"username": "+79990000001", "password": DEMO_PASSWORD})
    assert "Слишком много неудачных попыток входа. Попробуйте снова через 15 минут" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_anonymous_is_sent_to_login(client, demo):
    assert client.get("/a/6300000001/")["Location"].startswith("/login/")


@pytest.mark.parametrize("path", ["/a/6300000002/", "/a/6300000002/history/", "/a/9999999999/"])
def test_another_customers_account_is_404(ivanov, path):
    assert ivanov.get(path).status_code == 404


def test_another_customers_meter_is_404_even_under_own_account(ivanov):
    _, other = submit_url("6300000002")
    stored = Reading.objects.filter(meter=other).count()
    assert ivanov.get(f"/a/6300000001/meters/{other.pk}/readings/").status_code == 404
    assert (
        ivanov.post(f"/a/6300000002/meters/{other.pk}/readings/", {"total": "1", "action": "submit"}).status_code == 404
    )
    assert Reading.objects.filter(meter=other).count() == stored


def test_dashboard_shows_meter_last_readings_and_window(ivanov):
    page = ivanov.get("/a/6300000001/").content.decode()
    meter = Meter.objects.get(account__number="6300000001")
    assert meter.serial in page
    assert str(last_readings([meter])[meter.pk]["total"].value) in page
    assert "Приём показаний за" in page


def test_preview_shows_volume_and_cost_and_stores_nothing(ivanov):
    url, meter = submit_url("6300000001")
    last, before = last_readings([meter])[meter.pk]["total"].value, last_id()
    response = ivanov.post(url, {"total": str(last + 150), "action": "preview"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html  # only the panel is swapped
    assert "Расчёт по введённым показаниям" in html
    assert format_rub(150 * meter.account.tariff_category.prices.get(scheme=1, valid_from__year=2026).price) in html
    assert not stored_after(meter, before).exists()


def test_fraction_gets_the_integer_only_message_tied_to_the_field(ivanov):
    url, meter = submit_url("6300000001")
    before = last_id()
    html = ivanov.post(url, {"total": "12345,6", "action": "submit"}).content.decode()
    assert 'aria-invalid="true"' in html
    assert re.search(r'aria-describedby="[^"]*id_total_error', html)
    assert 'id="id_total_error"' in html and "только цифры до запятой" in html
    assert not stored_after(meter, before).exists()


def test_implausible_volume_asks_for_confirmation_then_stores(ivanov):
    url, meter = submit_url("6300000001")
    value, before = last_readings([meter])[meter.pk]["total"].value + 3000, last_id()
    html = ivanov.post(url, {"total": str(value), "action": "submit"}).content.decode()
    assert "намного больше обычного" in html and 'name="confirm_implausible"' in html
    assert not stored_after(meter, before).exists()

    response = ivanov.post(url, {"total": str(value), "action": "submit", "confirm_implausible": "on"})
    assert response.status_code == 302
    assert stored_after(meter, before).get().value == value


def test_submit_lands_on_history_with_the_period_named(ivanov):
    url, meter = submit_url("6300000001")
    value = last_readings([meter])[meter.pk]["total"].value + 120
    response = ivanov.post(url, {"total": str(value), "action": "submit"}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/a/6300000001/history/"
    assert "Показания приняты за" in html and "Расход: 120 кВт·ч" in html
    assert "<svg" in html and str(value) in html
    assert "Исправить (до конца дня)" in html


def test_unchanged_button_resends_last_values(ivanov):
    url, meter = submit_url("6300000001")
    last, before = last_readings([meter])[meter.pk]["total"].value, last_id()
    ivanov.post(url, {"action": "unchanged"})
    row = stored_after(meter, before).get()
    assert row.value == last and row.unchanged


def test_post_without_csrf_token_is_refused(demo):
    client = Client(enforce_csrf_checks=True)
    client.login(phone="+79990000001", password=DEMO_PASSWORD)
    url, _meter = submit_url("6300000001")
    assert client.post(url, {"total": "1", "action": "submit"}).status_code == 403


def test_customer_with_two_accounts_sees_both(client, demo):
    client.login(phone="+79990000004", password=DEMO_PASSWORD)
    html = client.get("/").content.decode()
    assert "6300000004" in html and "6300000005" in html


def test_tariffs_page_shows_zone_hours_and_prices(client, demo):
    html = client.get("/tariffs/").content.decode()
    assert "07:00–10:00, 17:00–21:00" in html  # peak
    assert "23:00–07:00" in html
    assert "7,20" in html  # town, gas, single-rate from 01.07.2026
