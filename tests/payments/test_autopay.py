"""Autopay: a notice the day before, the amount due (up to the limit) charged on the chosen day, once a month."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from billing.selectors import balance
from core.errors import DomainError
from payments.models import AutopaySetting, Payment
from payments.services import confirm_payment, run_autopay, send_autopay_notices, set_autopay, start_payment
from payments.tasks import autopay_daily
from tests.messages import sms_texts


@pytest.fixture
def saved_card(payer, client, django_capture_on_commit_callbacks):
    """The payer paid 10 ₽ once with the test card, asking the bank to remember it: the bank saved it."""
    client.force_login(payer)
    response = client.post("/pay/", {"pay_6300000202": "on", "amount_6300000202": "10", "save_card": "on"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"].removeprefix("http://testserver"), {"card": "4111111111111111"})
    payment = Payment.objects.get()
    assert payment.card_token.startswith("card_")
    return payment.card_token


def test_autopay_is_switched_on_from_the_portal_with_the_saved_card(client, payer, saved_card):
    response = client.post("/pay/autopay/", {"account": "6300000201", "day": "15", "max_amount": "3000"})
    assert response.status_code == 302
    setting = AutopaySetting.objects.get(account=payer.flat)
    assert (setting.day, setting.max_amount, setting.card_token) == (15, Decimal("3000.00"), saved_card)
    bad = client.post("/pay/autopay/", {"account": "6300000201", "day": "31", "max_amount": "3000"})
    assert bad.status_code == 422 and "День списания — от 1 до 28." in bad.content.decode()
    foreign = client.post("/pay/autopay/", {"account": "6300000999", "day": "5", "max_amount": "3000"})
    assert foreign.status_code == 422 and "Выберите лицевой счёт из списка." in foreign.content.decode()


def test_without_a_saved_card_autopay_cannot_be_set(payer):
    with pytest.raises(DomainError) as error:
        set_autopay(user=payer, account=payer.flat, day=5, max_amount=Decimal("100"), card_token="")
    assert error.value.code == "autopay_no_card"


def test_notice_the_day_before_then_the_charge_on_the_day_once(
    payer, saved_card, clock, send_now, django_capture_on_commit_callbacks
):
    set_autopay(user=payer, account=payer.flat, day=21, max_amount=Decimal("5000"), card_token=saved_card)

    clock.set(dt.date(2026, 11, 20))
    assert send_autopay_notices(today=dt.date(2026, 11, 20)) == 1
    assert send_autopay_notices(today=dt.date(2026, 11, 20)) == 0  # once a month
    assert any(
        "Завтра по автоплатежу с карты будет списано 1\u00a0234,56\u00a0₽ за л/с 6300000201." in t
        for t in sms_texts(payer.phone)
    )
    assert balance(payer.flat) == Decimal("1234.56")

    clock.set(dt.date(2026, 11, 21))
    with django_capture_on_commit_callbacks(execute=True):
        outcome = autopay_daily.delay().get()
    assert outcome["charged"] == 1
    assert balance(payer.flat) == 0
    autopaid = Payment.objects.get(autopay__isnull=False)
    assert autopaid.state == Payment.State.SUCCEEDED and autopaid.receipt is not None
    # The task running twice the same day, or the card later: nothing more is charged this month.
    assert run_autopay(today=dt.date(2026, 11, 21)).charged == 0
    assert Payment.objects.filter(autopay__isnull=False).count() == 1


def test_the_charge_never_exceeds_the_limit(payer, saved_card, clock):
    set_autopay(user=payer, account=payer.flat, day=21, max_amount=Decimal("1000"), card_token=saved_card)
    clock.set(dt.date(2026, 11, 21))
    run_autopay(today=dt.date(2026, 11, 21))
    assert balance(payer.flat) == Decimal("234.56")


def test_nothing_due_nothing_charged(payer, saved_card, clock):
    set_autopay(user=payer, account=payer.dacha, day=21, max_amount=Decimal("1000"), card_token=saved_card)
    payment = start_payment(user=payer, amounts={payer.dacha.number: Decimal("290.00")})
    confirm_payment(payment_id=payment.pk, amount=payment.amount)  # 300 - 10 - 290: nothing due
    clock.set(dt.date(2026, 11, 21))
    assert run_autopay(today=dt.date(2026, 11, 21)).charged == 0
    assert balance(payer.dacha) == 0


def test_an_unknown_card_is_declined_and_moves_nothing(payer, clock):
    set_autopay(user=payer, account=payer.flat, day=21, max_amount=Decimal("5000"), card_token="card_forged")
    clock.set(dt.date(2026, 11, 21))
    assert run_autopay(today=dt.date(2026, 11, 21)).charged == 0
    assert Payment.objects.get().state == Payment.State.FAILED
    assert balance(payer.flat) == Decimal("1234.56")


def test_a_card_is_kept_for_autopay_only_when_the_customer_asks(client, payer, django_capture_on_commit_callbacks):
    client.force_login(payer)
    response = client.post("/pay/", {"pay_6300000202": "on", "amount_6300000202": "10"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"].removeprefix("http://testserver"), {"card": "4111111111111111"})
    assert Payment.objects.get().state == Payment.State.SUCCEEDED
    assert Payment.objects.get().card_token == ""
    page = client.get("/pay/autopay/").content.decode()
    assert "Запомнить карту для автоплатежа" in page and 'name="max_amount"' not in page
