"""A customer submits three-zone readings in a real browser: log in, preview the cost, submit, see history."""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from core.demo import DEMO_PASSWORD, seed_demo
from metering import selectors
from metering.models import Meter, Reading

pytestmark = pytest.mark.browser

ACCOUNT = "6300000003"
PHONE_AS_TYPED = "8 999 000-00-03"  # as people write it: a leading 8, spaces and dashes
PHONE_COMPACT = "+79990000003"
ZONE_LABELS = {"peak": "Пик", "semipeak": "Полупик", "night": "Ночь"}
# kWh added to the last accepted value of each zone: a believable month of a country house.
ADDED = {"peak": 41, "semipeak": 77, "night": 52}
PREVIEW_SCREENSHOT = "/tmp/abonent-preview.png"
PHONE_SCREENSHOT = "/tmp/abonent-phone.png"
PHONE_WIDTH = 390  # CSS pixels, as the phone_page fixture's viewport
SUBMIT_URL = re.compile(rf"/a/{ACCOUNT}/meters/\d+/readings/$")


@pytest.fixture
def meter() -> Meter:
    seed_demo()
    return Meter.objects.select_related("account").get(account__number=ACCOUNT)


def last_values(meter: Meter) -> dict[str, int]:
    last = selectors.last_readings([meter])[meter.pk]
    return {zone: last[zone].value for zone in meter.zones}


def log_in(page: Page, live_server, phone: str = PHONE_COMPACT) -> None:
    page.goto(f"{live_server.url}/login/")
    field = page.get_by_label("Мобильный телефон")
    field.fill(phone)
    assert field.input_value() == phone, (
        f"the phone field cut {phone!r} to {field.input_value()!r} (maxlength={field.get_attribute('maxlength')})"
    )
    page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Войти", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/a/{ACCOUNT}/$"))


def open_submit_form(page: Page, live_server) -> None:
    log_in(page, live_server)
    page.get_by_role("link", name="Передать показания").click()
    expect(page).to_have_url(SUBMIT_URL)


def zone_input(page: Page, zone: str):
    return page.get_by_label(ZONE_LABELS[zone], exact=True)


def test_customer_previews_and_submits_three_zone_readings(page: Page, live_server, meter):
    before = last_values(meter)
    new = {zone: before[zone] + ADDED[zone] for zone in meter.zones}
    volume = sum(ADDED.values())
    stored_before = Reading.objects.filter(meter=meter).count()

    log_in(page, live_server, PHONE_AS_TYPED)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Лицевой счёт {ACCOUNT}")
    page.get_by_role("link", name="Передать показания").click()
    expect(page).to_have_url(SUBMIT_URL)

    for zone in meter.zones:
        zone_input(page, zone).fill(str(new[zone]))
    page.get_by_role("button", name="Рассчитать").click()

    # HTMX swapped #submit-panel in place: same URL, now with the preview table.
    preview = page.locator("#submit-panel #preview")
    expect(preview).to_be_visible()
    expect(page).to_have_url(SUBMIT_URL)
    for zone in meter.zones:
        row = preview.locator("tbody tr").filter(has=page.get_by_role("rowheader", name=ZONE_LABELS[zone], exact=True))
        cells = row.locator("td")
        expect(cells.nth(0)).to_have_text(str(before[zone]))
        expect(cells.nth(1)).to_have_text(str(new[zone]))
        expect(cells.nth(2)).to_have_text(str(ADDED[zone]))  # consumption of the zone, kWh
        # The charge this zone's volume would produce, at its tariff.
        charge = preview.locator("table.bill-lines tbody tr").filter(
            has=page.get_by_role("rowheader", name=re.compile(ZONE_LABELS[zone], re.IGNORECASE))
        )
        expect(charge.locator("td").last).to_have_text(re.compile(r"^[\d\u00a0]+,\d\d\u00a0₽$"))
    totals = preview.locator("table").first.locator("tfoot tr")
    expect(totals.locator("td").nth(2)).to_have_text(str(volume))
    expect(preview.locator("#to-pay")).to_have_text(re.compile(r"^[\d\u00a0]+,\d\d\u00a0₽$"))
    for zone in meter.zones:  # the typed values survive the swap
        expect(zone_input(page, zone)).to_have_value(str(new[zone]))
    assert Reading.objects.filter(meter=meter).count() == stored_before, "a preview must store nothing"
    page.screenshot(path=PREVIEW_SCREENSHOT, full_page=True)

    page.get_by_role("button", name="Передать показания").click()
    expect(page).to_have_url(re.compile(rf"/a/{ACCOUNT}/history/$"))

    assert Reading.objects.filter(meter=meter).count() == stored_before + 3
    stored = list(Reading.objects.filter(meter=meter).order_by("-id")[:3])
    assert {r.zone: r.value for r in stored} == new
    assert {r.source for r in stored} == {Reading.Source.PORTAL}
    assert {r.state for r in stored} == {Reading.State.ACCEPTED}
    assert len({r.submission for r in stored}) == 1
    with translation.override("ru"):  # the page is Russian, whatever an earlier test left active here
        period_label = stored[0].period.label

    expect(page.get_by_role("status")).to_contain_text(f"Показания приняты за {period_label}. Расход: {volume} кВт·ч.")
    newest = page.locator(f"#history-{meter.pk} table.history tbody tr").first.locator("td")
    expect(newest.nth(1)).to_have_text(period_label)
    for index, zone in enumerate(meter.zones, start=2):
        expect(newest.nth(index)).to_have_text(str(new[zone]))
    expect(newest.nth(5)).to_have_text(str(volume))


def test_fractional_reading_shows_integer_only_error_and_stores_nothing(page: Page, live_server, meter):
    before = last_values(meter)
    stored_before = Reading.objects.filter(meter=meter).count()
    open_submit_form(page, live_server)

    zone_input(page, "peak").fill("12345,6")
    zone_input(page, "semipeak").fill(str(before["semipeak"] + 10))
    zone_input(page, "night").fill(str(before["night"] + 10))
    page.get_by_role("button", name="Рассчитать").click()

    error = page.locator("#id_peak_error")
    expect(error).to_contain_text("Введите только цифры до запятой")
    expect(error).to_contain_text("вместо 12345,6 введите 12345")
    field = zone_input(page, "peak")  # the error belongs to the field and is announced with it
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", re.compile(r"(^|\s)id_peak_error(\s|$)"))
    expect(field).to_have_value("12345,6")
    expect(page.locator("#preview")).to_have_count(0)
    expect(page.get_by_role("button", name="Передать показания")).to_have_count(0)
    assert Reading.objects.filter(meter=meter).count() == stored_before


def scrolls_sideways(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


def a_table_scrolls_sideways(page: Page) -> bool:
    return page.evaluate(
        "Array.from(document.querySelectorAll('.table-wrap')).some(w => w.scrollWidth > w.clientWidth)"
    )


def test_the_account_page_fits_a_phone_screen(phone_page: Page, live_server, meter):
    """Address, tariff and the last readings of a three-zone meter are readable without scrolling sideways."""
    log_in(phone_page, live_server)
    expect(phone_page.get_by_role("link", name="Передать показания")).to_be_visible()
    assert not scrolls_sideways(phone_page), "the account page scrolls sideways on a phone"
    assert not a_table_scrolls_sideways(phone_page), "the last readings have to be scrolled sideways"
    label, value = (
        phone_page.locator(".facts dt").first.bounding_box(),
        phone_page.locator(".facts dd").first.bounding_box(),
    )
    assert label and value and label["x"] + label["width"] <= value["x"], "the address overlaps its label"


def test_submit_form_fits_a_phone_screen(phone_page: Page, live_server, meter):
    page = phone_page
    before = last_values(meter)
    open_submit_form(page, live_server)
    assert not scrolls_sideways(page), "the empty form scrolls sideways on a phone"

    for zone in meter.zones:
        zone_input(page, zone).fill(str(before[zone] + ADDED[zone]))
    page.get_by_role("button", name="Рассчитать").click()
    expect(page.locator("#preview")).to_be_visible()
    page.screenshot(path=PHONE_SCREENSHOT, full_page=True)
    assert not scrolls_sideways(page), "the form with the preview scrolls sideways on a phone"
    # The total is on screen, not hidden in a table that has to be scrolled sideways.
    total = page.locator("#to-pay").bounding_box()
    assert total is not None and total["x"] >= 0 and total["x"] + total["width"] <= PHONE_WIDTH, total
