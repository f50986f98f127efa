"""Readings without login in a real browser on a phone: from the login page, account number, the
masked address and the zones, readings in, "accepted for period X" out; no name anywhere."""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from core.demo import seed_demo
from metering import selectors
from metering.models import Meter, Reading

pytestmark = pytest.mark.browser

ACCOUNT = "6300000002"  # demo: Петрова Анна Сергеевна, г. Самара, пр. Кирова, д. 120, кв. 48; day/night
PHONE_WIDTH = 390
SCREENSHOT = "/tmp/abonent-public-readings.png"


@pytest.fixture
def meter() -> Meter:
    seed_demo()
    return Meter.objects.select_related("account").get(account__number=ACCOUNT)


def last_values(meter: Meter) -> dict[str, int]:
    last = selectors.last_readings([meter])[meter.pk]
    return {zone: last[zone].value for zone in meter.zones}


def scrolls_sideways(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


def open_meters(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("link", name="Передать показания без входа в кабинет").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Передать показания без входа")
    page.get_by_label("Номер лицевого счёта").fill(ACCOUNT)
    page.get_by_role("button", name="Продолжить").click()
    expect(page).to_have_url(re.compile(r"/readings/meters/$"))


def test_a_visitor_submits_day_and_night_readings_from_a_phone(phone_page: Page, live_server, meter):
    page = phone_page
    before = last_values(meter)
    open_meters(page, live_server)

    expect(page.locator("#masked-address")).to_have_text("г. Самара, пр. Кирова, …")
    body = page.locator("main").inner_text()
    for secret in ("Петрова", "Анна", "кв. 48", "д. 120", str(before["day"]), str(before["night"])):
        assert secret not in body, f"{secret!r} is shown to a visitor without login"
    expect(page.locator("legend")).to_contain_text(f"Счётчик № …{meter.serial[-4:]}")
    assert not scrolls_sideways(page), "the form scrolls sideways on a phone"

    page.get_by_label("День", exact=True).fill(str(before["day"] + 120))
    page.get_by_label("Ночь", exact=True).fill(str(before["night"] + 60))
    page.screenshot(path=SCREENSHOT, full_page=True)
    page.get_by_role("button", name="Передать показания").click()

    expect(page).to_have_url(re.compile(r"/readings/done/$"))
    stored = {r.zone: r for r in Reading.objects.filter(meter=meter, source=Reading.Source.PUBLIC_FORM)}
    assert {zone: r.value for zone, r in stored.items()} == {"day": before["day"] + 120, "night": before["night"] + 60}
    assert {r.entered_by_id for r in stored.values()} == {None}
    with translation.override("ru"):
        period = stored["day"].period.label
    expect(page.get_by_role("status")).to_contain_text(
        f"Показания счётчика № …{meter.serial[-4:]} приняты за {period}."
    )
    assert not scrolls_sideways(page)


def test_a_fraction_is_explained_at_its_field_and_nothing_is_stored(page: Page, live_server, meter):
    before = last_values(meter)
    open_meters(page, live_server)
    page.get_by_label("День", exact=True).fill(f"{before['day'] + 5},7")
    page.get_by_label("Ночь", exact=True).fill(str(before["night"] + 5))
    page.get_by_role("button", name="Передать показания").click()

    expect(page.locator(".has-error .error")).to_contain_text("Введите только цифры до запятой")
    expect(page.get_by_label("День", exact=True)).to_have_value(f"{before['day'] + 5},7")
    assert not Reading.objects.filter(meter=meter, source=Reading.Source.PUBLIC_FORM).exists()
