"""The demo debtor pays the amount due in a real browser with the local test acquirer's card page,
then sees the balance cleared and the fiscal receipt."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from billing.selectors import balance
from core.demo import DEMO_PASSWORD, seed_demo
from customers.models import Account
from payments.models import Payment, Receipt

pytestmark = pytest.mark.browser

ACCOUNT = "6300000003"  # the demo debtor
PHONE = "+79990000003"
PAY_SCREENSHOT = "/tmp/abonent-pay.png"
RECEIPT_SCREENSHOT = "/tmp/abonent-receipt.png"


@pytest.fixture
def account(settings, live_server) -> Account:
    seed_demo()
    # The test acquirer notifies over a real HTTP hop to the live server's endpoint.
    settings.PAYMENTS_LOCAL_NOTIFY_URL = f"{live_server.url}/pay/notify/local/"
    return Account.objects.get(number=ACCOUNT)


def test_demo_customer_pays_the_bill_and_sees_balance_and_receipt(page: Page, live_server, account):
    due = balance(account)
    assert due > 0
    due_text = f"{due:.2f}".replace(".", ",")

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Мобильный телефон").fill(PHONE)
    page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Войти", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/a/{ACCOUNT}/$"))
    expect(page.locator("#balance")).to_contain_text("Задолженность")

    page.locator("#balance").get_by_role("link", name="Оплатить").click()
    expect(page).to_have_url(re.compile(r"/pay/\?account=" + ACCOUNT))
    expect(page.locator(f"#amount_{ACCOUNT}")).to_have_value(due_text)
    page.screenshot(path=PAY_SCREENSHOT, full_page=True)
    page.get_by_role("button", name="Перейти к оплате").click()

    # The acquirer's card page (here: the local test acquirer).
    expect(page).to_have_url(re.compile(r"/pay/test-acquirer/tp_[0-9a-f]+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Тестовый банк")
    page.get_by_label("Номер карты").fill("4111 1111 1111 1111")
    page.get_by_role("button", name="Оплатить", exact=True).click()

    expect(page).to_have_url(re.compile(r"/pay/[0-9a-f-]{36}/$"))
    expect(page.locator("#payment-state")).to_contain_text("Платёж прошёл")
    payment = Payment.objects.get()
    assert payment.state == Payment.State.SUCCEEDED and payment.amount == due
    assert balance(account) == 0

    # The receipt link appears once the fiscal task has run (the state block polls until then).
    page.reload()
    page.get_by_role("link", name="Кассовый чек").click()
    receipt = Receipt.objects.get(payment=payment)
    expect(page.locator("#receipt")).to_contain_text(receipt.fiscal_sign)
    expect(page.locator("#receipt")).to_contain_text("Приход")
    page.screenshot(path=RECEIPT_SCREENSHOT, full_page=True)

    page.goto(f"{live_server.url}/a/{ACCOUNT}/")
    expect(page.locator("#balance")).to_contain_text("Задолженности нет")
