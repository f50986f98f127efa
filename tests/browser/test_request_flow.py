"""In a real browser: a customer files a reading correction with a photo of the meter; an operator
answers it in the back office; the customer sees the answer (and was sent it), then writes back."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from backoffice.demo import STAFF_DEMO_PASSWORD
from core.demo import DEMO_PASSWORD, seed_demo
from metering.models import Meter
from metering.selectors import last_readings
from service.demo import meter_photo
from service.models import Request
from tests.messages import sms_texts

pytestmark = pytest.mark.browser

CUSTOMER = "+79990000002"  # day/night meter on 6300000002
OPERATOR = "+79990000091"
ANSWER = "Проверили фото: ночные показания исправлены, перерасчёт будет в следующем счёте."
SCREENSHOT = "/tmp/abonent-request.png"


@pytest.fixture
def meter(settings, tmp_path, live_server) -> Meter:
    settings.SERVICE_PRIVATE_ROOT = tmp_path / "private"
    # The test runs at any hour on the real clock; quiet hours would hold the answer's SMS till morning.
    settings.NOTIFICATIONS_QUIET_HOURS = ""
    seed_demo()
    return Meter.objects.get(account__number="6300000002")


def test_customer_files_a_correction_with_a_photo_and_reads_the_operators_answer(
    browser, page: Page, live_server, meter, tmp_path
):
    last = last_readings([meter])[meter.pk]
    right = {"day": last["day"].value, "night": last["night"].value - 90}
    photo = tmp_path / "счётчик.jpg"
    photo.write_bytes(meter_photo(f"{right['day']:06d} {right['night']:06d}"))

    # The customer files the request.
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Мобильный телефон").fill(CUSTOMER)
    page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Войти", exact=True).click()
    page.get_by_role("navigation", name="Основное меню").get_by_role("link", name="Обращения").click()
    page.get_by_role("link", name="Новое обращение").click()
    page.get_by_role("link", name=re.compile("^Исправление показаний")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Исправление показаний")
    page.get_by_label("Верное показание: день").fill(str(right["day"]))
    page.get_by_label("Верное показание: ночь").fill(str(right["night"]))
    page.get_by_label("Дата ошибочных показаний").fill(last["night"].taken_on.isoformat())
    page.get_by_label("Что не так (необязательно)").fill("В ночной зоне лишняя цифра.")
    page.get_by_label("Фото счётчика").set_input_files(str(photo))
    page.get_by_role("button", name="Отправить обращение").click()

    expect(page).to_have_url(re.compile(r"/requests/\d+/$"))
    filed = Request.objects.filter(user__phone=CUSTOMER, kind="correction").latest("pk")
    expect(page.get_by_role("status")).to_contain_text(f"Обращение № {filed.number} принято")
    expect(page.locator("#request-status")).to_have_text("Новое")
    expect(page.get_by_role("img", name="счётчик.jpg")).to_be_visible()
    assert filed.details["values"] == right and filed.attachments.get().content_type == "image/jpeg"

    # The operator answers in the back office (a browser of their own).
    office = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    staff_page = office.new_page()
    staff_page.goto(f"{live_server.url}/backoffice/")
    staff_page.get_by_label("Мобильный телефон").fill(OPERATOR)
    staff_page.get_by_label("Пароль").fill(STAFF_DEMO_PASSWORD)
    staff_page.get_by_role("button", name="Войти").click()
    staff_page.get_by_role("link", name="Обращения", exact=True).first.click()
    staff_page.get_by_role("link", name="ждут ответа (новые и в работе)").click()
    staff_page.get_by_role("link", name=f"№ {filed.number}").click()
    expect(staff_page.locator("#request-facts")).to_contain_text(f"день: {right['day']}, ночь: {right['night']}")
    photo_link = staff_page.locator("#request-facts img")
    expect(photo_link).to_have_attribute("alt", "счётчик.jpg")
    # Served and decoded: wait for the picture to finish loading rather than reading it mid-load.
    staff_page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo_link.element_handle())
    assert staff_page.evaluate("img => img.naturalWidth", photo_link.element_handle()) == 480
    staff_page.get_by_label("Ответ абоненту").fill(ANSWER)
    staff_page.get_by_role("button", name="Ответить").click()
    expect(staff_page.locator(".messagelist")).to_contain_text("Ответ отправлен")
    expect(staff_page.locator("#request-status")).to_contain_text("Дан ответ")
    office.close()

    # The customer sees the answer, and was told of it.
    page.reload()
    expect(page.locator("#request-status")).to_have_text("Дан ответ")
    answer = page.locator("article.from-staff")
    expect(answer).to_contain_text(ANSWER)
    expect(answer).to_contain_text("Специалист Ольга")
    assert any(ANSWER[:60] in text and filed.number in text for text in sms_texts(CUSTOMER))

    # ... and writes back without leaving the page (HTMX).
    url = page.url
    page.get_by_label("Сообщение").fill("Спасибо!")
    page.get_by_role("button", name="Отправить", exact=True).click()
    expect(page.locator("article.from-customer")).to_contain_text("Спасибо!")
    expect(page.locator("#request-status")).to_have_text("В работе")
    assert page.url == url
    page.screenshot(path=SCREENSHOT, full_page=True)
