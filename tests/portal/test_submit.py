"""Sending readings through the portal page: preview with cost, errors by the field, confirmation, success."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client

from billing.models import TariffPrice
from core.money import format_rub
from metering.models import Reading

pytestmark = pytest.mark.django_db


@pytest.fixture
def url(meter):
    return f"/a/6300000101/meters/{meter.pk}/readings/"


def accepted(meter):
    return Reading.objects.filter(meter=meter, state="accepted")


def test_the_form_shows_the_previous_reading_and_the_integer_only_hint(cabinet, url):
    html = cabinet.get(url).content.decode()
    assert "Предыдущее: 11200 от 20.10.2026" in html
    assert "Только цифры до запятой, 6 разрядов" in html


def test_preview_shows_consumption_and_cost_and_stores_nothing(cabinet, url, meter):
    TariffPrice.objects.create(
        category=meter.account.tariff_category, scheme=1, zone="total", valid_from=dt.date(2026, 7, 1),
        price=Decimal("6.4321"),
    )  # fmt: skip
    html = cabinet.post(url, {"total": "11 392", "action": "preview"}).content.decode()

    assert "Расчёт по введённым показаниям" in html
    assert re.search(r'<td class="num">192</td>', html)
    assert format_rub(Decimal("1234.96")) in html  # 192 kWh x 6.4321 ₽, rounded to kopecks
    assert '<td class="num">6,4321</td>' in html  # the price as charged, not rounded to 6,43
    assert "1\u00a0234,96\u00a0₽" in html
    assert "Показания будут учтены за ноябрь 2026." in html
    assert not accepted(meter).exists()


def test_htmx_preview_returns_only_the_panel(cabinet, url):
    response = cabinet.post(url, {"total": "11300", "action": "preview"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<form method="post"')
    assert "<html" not in html and "<h1>" not in html
    assert "Расчёт по введённым показаниям" in html
    full = cabinet.post(url, {"total": "11300", "action": "preview"}).content.decode()
    assert "<html" in full and 'id="submit-panel"' in full


def test_a_fraction_gets_the_integer_only_error_tied_to_the_field(cabinet, url, meter):
    html = cabinet.post(url, {"total": "12345,6", "action": "submit"}).content.decode()

    field = re.search(r'<input[^>]*name="total"[^>]*>', html)[0]
    assert 'aria-invalid="true"' in field
    described = re.search(r'aria-describedby="([^"]*)"', field)[1].split()
    assert "id_total_error" in described
    error = re.search(r'<p id="id_total_error"[^>]*>(.*?)</p>', html, re.S)[1]
    assert "Введите только цифры до запятой" in error and "введите 12345." in error
    assert 'value="12345,6"' in field  # what was typed stays for editing
    assert not accepted(meter).exists()


def test_a_valid_field_is_not_marked_invalid(cabinet, url):
    html = cabinet.post(url, {"total": "11300", "action": "preview"}).content.decode()
    field = re.search(r'<input[^>]*name="total"[^>]*>', html)[0]
    assert "aria-invalid" not in field and 'aria-describedby="id_total_helptext"' in field


def test_implausible_volume_warns_and_stores_only_when_confirmed(cabinet, url, meter):
    html = cabinet.post(url, {"total": "112000", "action": "submit"}).content.decode()
    assert "Скорее всего, в показания попали цифры после запятой" in html
    assert 'type="checkbox" name="confirm_implausible"' in html
    assert not accepted(meter).exists()

    response = cabinet.post(url, {"total": "112000", "action": "submit", "confirm_implausible": "on"})
    assert response.status_code == 302
    row = accepted(meter).get()
    assert (row.value, row.implausible_confirmed) == (112_000, True)


def test_submit_lands_on_history_with_a_message_naming_the_period(cabinet, url, meter, customer):
    response = cabinet.post(url, {"total": "11 350", "action": "submit"}, follow=True)
    assert response.redirect_chain == [("/a/6300000101/history/", 302)]
    html = response.content.decode()
    assert "Показания приняты за ноябрь 2026. Расход: 150 кВт·ч." in html
    row = accepted(meter).get()
    assert (row.value, row.source, row.entered_by) == (11_350, "portal", customer)


def test_same_day_correction_says_so(cabinet, url, meter):
    cabinet.post(url, {"total": "11500", "action": "submit"})
    preview = cabinet.post(url, {"total": "11300", "action": "preview"}).content.decode()
    assert "Сегодня вы уже передали показания по этому счётчику: новые заменят их." in preview
    html = cabinet.post(url, {"total": "11300", "action": "submit"}, follow=True).content.decode()
    assert "Показания исправлены. Показания приняты за ноябрь 2026. Расход: 100 кВт·ч." in html
    assert accepted(meter).get().value == 11_300


def test_lower_than_last_is_refused_at_the_field(cabinet, url, meter):
    html = cabinet.post(url, {"total": "11100", "action": "submit"}).content.decode()
    error = re.search(r'<p id="id_total_error"[^>]*>(.*?)</p>', html, re.S)[1]
    assert "меньше последнего принятого 11200" in error
    assert not accepted(meter).exists()


def test_after_the_window_the_page_says_which_period_it_counts_for(cabinet, url, clock):
    clock.set(dt.date(2026, 11, 26))
    html = cabinet.post(url, {"total": "11300", "action": "preview"}).content.decode()
    assert "эти показания будут учтены за декабрь 2026" in html
    assert "Показания будут учтены за декабрь 2026." not in html  # said once, with the reason
    response = cabinet.post(url, {"total": "11300", "action": "submit"}, follow=True)
    assert "Показания приняты за декабрь 2026." in response.content.decode()


def test_unchanged_button_resends_the_last_values(cabinet, url, meter):
    response = cabinet.post(url, {"action": "unchanged"}, follow=True)
    assert "Расход: 0 кВт·ч." in response.content.decode()
    row = accepted(meter).get()
    assert (row.value, row.unchanged) == (11_200, True)


def test_post_without_csrf_token_is_refused(customer, meter, url, today):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    assert client.post(url, {"total": "11300", "action": "submit"}).status_code == 403
    assert not accepted(meter).exists()

    client.get(url)  # the page sets the token; with it the same post goes through
    token = client.cookies["csrftoken"].value
    response = client.post(url, {"total": "11300", "action": "submit", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert accepted(meter).exists()
