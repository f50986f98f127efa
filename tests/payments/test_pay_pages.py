"""The portal's payment pages: prefilled amounts, Russian errors, the local acquirer's card page
(success, decline, 3-D Secure), the return page, history and receipts, each only for their owner."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from billing.selectors import balance
from payments.models import LocalAcquirerPayment, Payment, Receipt
from tests.factories import AccountFactory, UserFactory, link


@pytest.fixture
def logged_in(client, payer):
    client.force_login(payer)
    return client


def choose(flat: str | None = None, dacha: str | None = None) -> dict[str, str]:
    data = {}
    if flat is not None:
        data |= {"pay_6300000201": "on", "amount_6300000201": flat}
    if dacha is not None:
        data |= {"pay_6300000202": "on", "amount_6300000202": dacha}
    return data


def card_page(response) -> str:
    assert response.status_code == 302
    url = response["Location"]
    assert re.match(r"^http://testserver/pay/test-acquirer/tp_[0-9a-f]{32}/$", url), url
    return url.removeprefix("http://testserver")


def test_the_pay_page_is_prefilled_with_what_is_due(logged_in):
    html = logged_in.get("/pay/").content.decode()
    assert 'value="1234,56"' in html and 'value="300,00"' in html
    # From an account's page, only that account is chosen.
    html = logged_in.get("/pay/?account=6300000202").content.decode()
    assert 'value="1234,56"' not in html and 'value="300,00"' in html


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Укажите сумму."),
        ("abc", "Сумма — это число рублей, например 1250,50."),
        ("10,555", "Копеек не может быть больше двух знаков."),
        ("-5", "Сумма не может быть отрицательной."),
        ("0", "Сумма должна быть больше нуля."),
        ("500000,01", "Сумма одного платежа не больше 500\u00a0000,00\u00a0₽."),
        ("NaN", "Сумма — это число рублей, например 1250,50."),
    ],
)
def test_a_wrong_amount_gets_a_specific_russian_message(logged_in, typed, message):
    response = logged_in.post("/pay/", choose(flat=typed))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Payment.objects.exists()


def test_nothing_chosen_is_refused(logged_in):
    response = logged_in.post("/pay/", {})
    assert response.status_code == 422
    assert "Укажите сумму хотя бы для одного лицевого счёта." in response.content.decode()


def test_paying_two_accounts_with_the_test_card_clears_both(logged_in, payer, django_capture_on_commit_callbacks):
    response = logged_in.post("/pay/", choose(flat="1 234,56", dacha="300"))
    page = card_page(response)
    assert "1\u00a0534,56\u00a0₽" in logged_in.get(page).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        back = logged_in.post(page, {"card": "4111 1111 1111 1111"})
    payment = Payment.objects.get()
    assert back["Location"] == f"http://testserver/pay/{payment.pk}/"
    assert payment.state == Payment.State.SUCCEEDED
    assert balance(payer.flat) == 0 and balance(payer.dacha) == 0
    assert "Платёж прошёл" in logged_in.get(f"/pay/{payment.pk}/").content.decode()
    # The bank kept the outcome and the last four digits, never the card number.
    bank = LocalAcquirerPayment.objects.get()
    assert bank.card_last4 == "1111" and "4111111111111111" not in str(bank.__dict__)
    # The dashboard shows the new balance at once.
    assert "Задолженности нет" in logged_in.get("/a/6300000201/").content.decode()
    receipt = Receipt.objects.get(payment=payment)
    html = logged_in.get(f"/pay/{payment.pk}/receipt/").content.decode()
    assert f"{receipt.fiscal_sign}" in html and "полный расчёт" in html and "6300000001" in html
    history = logged_in.get("/pay/history/").content.decode()
    assert f"ФД {receipt.fd_number}" in history


def test_a_declined_card_changes_nothing(logged_in, payer, django_capture_on_commit_callbacks):
    page = card_page(logged_in.post("/pay/", choose(flat="1234,56")))
    with django_capture_on_commit_callbacks(execute=True):
        logged_in.post(page, {"card": "4000000000000002"})
    payment = Payment.objects.get()
    assert payment.state == Payment.State.CANCELED
    assert balance(payer.flat) == Decimal("1234.56")
    assert "Платёж не прошёл" in logged_in.get(f"/pay/{payment.pk}/").content.decode()
    assert not Receipt.objects.exists()


def test_a_card_with_3ds_asks_for_the_code_first(logged_in, payer, django_capture_on_commit_callbacks):
    page = card_page(logged_in.post("/pay/", choose(flat="100")))
    response = logged_in.post(page, {"card": "4000 0000 0000 3220"})
    assert response.status_code == 200 and "Код подтверждения" in response.content.decode()
    assert Payment.objects.get().state == Payment.State.PENDING
    wrong = logged_in.post(page, {"code": "00000"})
    assert wrong.status_code == 422 and "Неверный код подтверждения." in wrong.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        logged_in.post(page, {"code": "12345"})
    assert Payment.objects.get().state == Payment.State.SUCCEEDED
    assert balance(payer.flat) == Decimal("1134.56")


def test_an_abandoned_payment_stays_pending_and_moves_nothing(logged_in, payer):
    card_page(logged_in.post("/pay/", choose(flat="1234,56")))
    payment = Payment.objects.get()
    html = logged_in.get(f"/pay/{payment.pk}/state/").content.decode()
    assert "Ожидаем подтверждение банка" in html and 'hx-trigger="every 2s"' in html
    assert balance(payer.flat) == Decimal("1234.56")


def test_a_customer_cannot_pay_or_see_someone_elses_accounts_and_payments(
    client, logged_in, payer, django_capture_on_commit_callbacks
):
    stranger_account = AccountFactory(number="6300000999")
    response = logged_in.post("/pay/", {"pay_6300000999": "on", "amount_6300000999": "100"})
    assert not Payment.objects.exists()  # an account not in the cabinet is not even offered
    assert response.status_code == 422
    page = card_page(logged_in.post("/pay/", choose(flat="10")))
    with django_capture_on_commit_callbacks(execute=True):
        logged_in.post(page, {"card": "4111111111111111"})
    payment = Payment.objects.get()

    other = UserFactory()
    link(other, stranger_account)
    client.force_login(other)
    for url in (f"/pay/{payment.pk}/", f"/pay/{payment.pk}/state/", f"/pay/{payment.pk}/receipt/"):
        assert client.get(url).status_code == 404
    assert "6300000201" not in client.get("/pay/history/").content.decode()
    assert "6300000201" not in client.get("/pay/").content.decode()


def test_pages_need_a_login(client):
    assert client.get("/pay/")["Location"].startswith("/login/")
    assert client.get("/pay/history/")["Location"].startswith("/login/")


def test_too_many_payments_in_an_hour_are_refused(logged_in):
    for _ in range(20):
        assert logged_in.post("/pay/", choose(flat="1")).status_code == 302
    response = logged_in.post("/pay/", choose(flat="1"))
    assert response.status_code == 422
    assert "Слишком много платежей за час" in response.content.decode()


def test_a_lost_notification_is_recovered_by_the_return_page_asking_the_bank(
    logged_in, payer, settings, django_capture_on_commit_callbacks
):
    settings.PAYMENTS_LOCAL_NOTIFY_URL = "http://127.0.0.1:9/pay/notify/local/"  # nothing listens: lost
    page = card_page(logged_in.post("/pay/", choose(flat="1234,56")))
    with django_capture_on_commit_callbacks(execute=True):
        back = logged_in.post(page, {"card": "4111111111111111"})
    assert back.status_code == 302
    payment = Payment.objects.get()
    assert payment.state == Payment.State.PENDING and balance(payer.flat) == Decimal("1234.56")

    html = logged_in.get(f"/pay/{payment.pk}/state/?check=1").content.decode()
    assert "Платёж прошёл" in html
    assert balance(payer.flat) == 0


def test_the_history_page_costs_the_same_queries_for_many_payments(logged_in, payer, django_assert_max_num_queries):
    for _ in range(2):
        page = card_page(logged_in.post("/pay/", choose(flat="1", dacha="1")))
        logged_in.post(page, {"card": "4111111111111111"})
    with django_assert_max_num_queries(8):
        logged_in.get("/pay/history/")
    for _ in range(6):
        page = card_page(logged_in.post("/pay/", choose(flat="1", dacha="1")))
        logged_in.post(page, {"card": "4111111111111111"})
    with django_assert_max_num_queries(8):
        html = logged_in.get("/pay/history/").content.decode()
    assert html.count("6300000202 (1,00\u00a0₽)") == 8
