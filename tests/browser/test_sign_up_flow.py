"""A household customer in a real browser: signs up by account (the code read from the local SMS
page), links a second account, logs out, and comes back by quick login with an SMS code."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from customers.models import AccountLink
from identity.models import User
from tests.factories import AccountFactory, CustomerFactory, MeterFactory

pytestmark = pytest.mark.browser

PHONE = "+79997776655"
PHONE_AS_TYPED = "8 999 777-66-55"
FIRST, SECOND = "6310000001", "6310000002"
PASSWORD = "Светлый-Путь-2026"
SCREENSHOT = "/tmp/abonent-register-account.png"


@pytest.fixture
def accounts(settings, transactional_db):
    settings.DEBUG = True  # /dev/sms/ exists only with DEBUG and the local SMS backend
    holder = CustomerFactory(last_name="Смирнова", first_name="Ольга", phone=PHONE)
    first = AccountFactory(number=FIRST, customer=holder, district_code="63", bill_code="735102")
    second = AccountFactory(number=SECOND, customer=holder, district_code="63", bill_code="190846")
    MeterFactory(account=first)
    MeterFactory(account=second, serial="DACHA-0042")
    return first, second


def code_from_sms_page(page: Page, live_server) -> str:
    """Open the development SMS page in another tab and read the newest code sent to PHONE."""
    sms_page = page.context.new_page()
    sms_page.goto(f"{live_server.url}/dev/sms/")
    text = sms_page.locator("tbody tr").filter(has_text=PHONE).first.locator("td").nth(2).inner_text()
    sms_page.close()
    match = re.search(r"\b(\d{6})\b", text)
    assert match, f"no code in the newest SMS to {PHONE}: {text!r}"
    return match.group(1)


def test_sign_up_by_account_link_another_and_come_back_by_sms_code(page: Page, live_server, accounts):
    page.goto(f"{live_server.url}/register/")
    page.get_by_role("link", name="Регистрация по лицевому счёту (с квитанцией)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Регистрация по лицевому счёту")

    page.get_by_label("Код района").fill("63")
    page.get_by_label("Номер лицевого счёта").fill(FIRST)
    page.get_by_label("Проверочный код с квитанции").fill("735102")
    page.get_by_label("Фамилия").fill("Смирнова")
    page.get_by_label("Имя", exact=True).fill("Ольга")
    page.get_by_label("E-mail").fill("olga@example.ru")
    page.get_by_label("Мобильный телефон").fill(PHONE_AS_TYPED)
    page.get_by_label("Пароль", exact=True).fill(PASSWORD)
    page.get_by_label("Пароль ещё раз").fill(PASSWORD)
    page.get_by_label("Принимаю пользовательское соглашение").check()
    page.get_by_label("Даю согласие на обработку персональных данных").check()
    expect(page.locator("img.captcha")).to_be_visible()
    page.get_by_label("Символы с картинки").fill("PASSED")  # CAPTCHA test mode (abonent.settings_test)
    page.screenshot(path=SCREENSHOT, full_page=True)
    page.get_by_role("button", name="Зарегистрироваться").click()

    expect(page).to_have_url(re.compile(r"/register/confirm/$"))
    page.get_by_label("Код из SMS").fill(code_from_sms_page(page, live_server))
    page.get_by_role("button", name="Подтвердить").click()

    expect(page).to_have_url(re.compile(rf"/a/{FIRST}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Лицевой счёт {FIRST}")
    expect(page.get_by_role("status")).to_contain_text("Телефон подтверждён")
    user = User.objects.get(phone=PHONE)
    assert user.is_active and (user.last_name, user.email) == ("Смирнова", "olga@example.ru")

    # A second account, proved by its meter's serial.
    page.goto(f"{live_server.url}/?all=1")
    page.get_by_role("link", name="Добавить лицевой счёт").click()
    page.get_by_label("Номер лицевого счёта").fill(SECOND)
    page.get_by_label("Код с квитанции или номер счётчика").fill("dacha-0042")
    page.get_by_role("button", name="Добавить").click()
    expect(page).to_have_url(re.compile(rf"/a/{SECOND}/$"))
    expect(page.get_by_role("status")).to_contain_text(f"Лицевой счёт {SECOND} добавлен")
    assert set(AccountLink.objects.filter(user=user).values_list("account__number", flat=True)) == {FIRST, SECOND}

    page.get_by_role("button", name="Выйти").click()
    expect(page).to_have_url(re.compile(r"/login/$"))

    # Quick login: the account number, then the code sent to the holder's phone.
    page.get_by_role("link", name="Быстрый вход по номеру лицевого счёта и коду из SMS").click()
    page.get_by_label("Номер лицевого счёта").fill(FIRST)
    page.get_by_role("button", name="Получить код").click()
    expect(page).to_have_url(re.compile(r"/login/code/confirm/$"))
    page.get_by_label("Код из SMS").fill(code_from_sms_page(page, live_server))
    page.get_by_role("button", name="Подтвердить").click()

    expect(page).to_have_url(re.compile(rf"/a/{FIRST}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Лицевой счёт {FIRST}")
    page.goto(f"{live_server.url}/a/{SECOND}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Лицевой счёт {SECOND}")
