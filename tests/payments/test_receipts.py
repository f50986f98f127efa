"""Every confirmed payment gets one fiscal receipt with the 54-ФЗ data, e-mailed to the confirmed address."""

from __future__ import annotations

from decimal import Decimal
from email.header import decode_header, make_header

import pytest

from billing.selectors import balance
from payments.fiscal import AtolFiscal, FiscalError, verify_local_signature
from payments.models import Receipt
from payments.services import confirm_payment, issue_pending_receipts, start_payment
from payments.tasks import issue_receipt

from .conftest import notification, post_notification
from .fake_http import FakeProvider


def pay(payer, django_capture_on_commit_callbacks, amounts=None):
    payment = start_payment(
        user=payer, amounts=amounts or {payer.flat.number: Decimal("1234.56"), payer.dacha.number: Decimal("500.00")}
    )
    with django_capture_on_commit_callbacks(execute=True):
        confirm_payment(payment_id=payment.pk, amount=payment.amount)
    return payment


def test_the_receipt_has_every_field_and_a_valid_signature(payer, django_capture_on_commit_callbacks, settings):
    payment = pay(payer, django_capture_on_commit_callbacks)
    receipt = Receipt.objects.get(payment=payment)
    data = receipt.data

    assert receipt.state == Receipt.State.ISSUED
    assert receipt.fn_number == settings.PAYMENTS_FISCAL_FN_NUMBER and len(receipt.fn_number) == 16
    assert receipt.fd_number.isdigit() and len(receipt.fiscal_sign) == 10 and receipt.fiscal_sign.isdigit()
    assert data["operation"] == "приход"
    assert (data["taxation_system"], data["taxation_system_label"]) == ("osn", "ОСН")
    assert data["company"]["inn"] == settings.COMPANY["inn"]
    assert data["payment_type"] == "электронными"
    assert data["client"] == {"email": "payer@example.ru", "phone": "+79161112233"}
    assert data["total"] == "1734.56"
    flat, dacha = data["items"]
    assert (flat["account"], flat["sum"], flat["payment_method_label"]) == ("6300000201", "1234.56", "полный расчёт")
    # 500 ₽ against a 300 ₽ debt is partly an advance.
    assert (dacha["account"], dacha["sum"], dacha["payment_method_label"]) == ("6300000202", "500.00", "аванс")
    assert flat["payment_subject"] == "услуга"
    assert flat["vat_rate"] == "22" and flat["vat_sum"] == "222.63"  # 1234.56 × 22/122
    assert verify_local_signature(receipt)
    receipt.data["total"] = "1.00"
    assert not verify_local_signature(receipt)  # a changed field breaks the signature


def test_the_receipt_is_emailed_over_smtp_to_the_confirmed_address(payer, django_capture_on_commit_callbacks, smtp):
    payment = pay(payer, django_capture_on_commit_callbacks)
    receipt = Receipt.objects.get(payment=payment)

    assert len(smtp.messages) == 1
    recipients, message = smtp.messages[0]
    assert recipients == ["payer@example.ru"]
    assert str(make_header(decode_header(message["Subject"]))) == "Кассовый чек: оплата электроэнергии"
    text = message.get_payload(decode=True).decode()
    assert f"ФД № {receipt.fd_number}" in text and f"ФП {receipt.fiscal_sign}" in text
    assert "ИТОГ: 1\u00a0734,56\u00a0₽" in text
    assert "ИНН 6300000001" in text and "Система налогообложения: ОСН" in text
    assert receipt.emailed_at is not None


def test_no_email_to_an_unconfirmed_address(payer, django_capture_on_commit_callbacks, smtp):
    payer.email_confirmed = False
    payer.save()
    payment = pay(payer, django_capture_on_commit_callbacks)
    assert smtp.messages == []
    receipt = Receipt.objects.get(payment=payment)
    assert receipt.state == Receipt.State.ISSUED and receipt.data["client"]["email"] == ""


def test_running_the_receipt_task_again_issues_nothing_new(payer, django_capture_on_commit_callbacks, smtp):
    payment = pay(payer, django_capture_on_commit_callbacks)
    receipt = Receipt.objects.get(payment=payment)
    first = (receipt.fd_number, receipt.fiscal_sign)
    assert issue_receipt.delay(receipt.pk).get() is False
    with django_capture_on_commit_callbacks(execute=True):
        confirm_payment(payment_id=payment.pk, amount=payment.amount)  # a late duplicate confirmation
    receipt.refresh_from_db()
    assert (receipt.fd_number, receipt.fiscal_sign) == first
    assert Receipt.objects.count() == 1 and len(smtp.messages) == 1


@pytest.fixture
def atol(settings):
    with FakeProvider() as fake:
        settings.PAYMENTS_FISCAL = "atol"
        settings.PAYMENTS_ATOL_URL = fake.url + "/possystem/v4"
        settings.PAYMENTS_ATOL_LOGIN, settings.PAYMENTS_ATOL_PASSWORD, settings.PAYMENTS_ATOL_GROUP = (
            "login",
            "pass",
            "group1",
        )
        fake.report_status = "done"
        fake.routes[("POST", "/possystem/v4/getToken")] = lambda r: (200, {"token": "tok-1", "error": None})
        fake.routes[("POST", "/possystem/v4/group1/sell")] = lambda r: (
            200,
            {"uuid": "u-1", "status": "wait", "error": None},
        )
        fake.routes[("GET", "/possystem/v4/group1/report/u-1")] = lambda r: (
            200,
            {
                "uuid": "u-1",
                "status": fake.report_status,
                "payload": {
                    "fn_number": "9999078902004010",
                    "fiscal_document_number": 117,
                    "fiscal_document_attribute": 3452367216,
                    "receipt_datetime": "23.11.2026 10:15:00",
                },
            },
        )
        yield fake


def test_the_cloud_fiscal_adapter_takes_a_token_then_sells_with_our_external_id(
    payer, django_capture_on_commit_callbacks, atol
):
    payment = pay(payer, django_capture_on_commit_callbacks, {payer.flat.number: Decimal("1234.56")})
    receipt = Receipt.objects.get(payment=payment)

    token, sell, report = atol.requests
    assert token["json"] == {"login": "login", "pass": "pass"}
    assert report["path"] == "/possystem/v4/group1/report/u-1" and report["headers"]["Token"] == "tok-1"
    assert sell["headers"]["Token"] == "tok-1"
    body = sell["json"]
    assert body["external_id"] == f"abonent-{payment.pk}"
    assert body["receipt"]["company"]["inn"] == "6300000001" and body["receipt"]["company"]["sno"] == "osn"
    assert body["receipt"]["client"]["email"] == "payer@example.ru"
    assert body["receipt"]["items"][0]["vat"] == {"type": "vat22"}
    assert body["receipt"]["items"][0]["payment_method"] == "full_payment"
    assert body["receipt"]["payments"] == [{"type": 1, "sum": 1234.56}]
    assert (receipt.provider, receipt.fn_number, receipt.fd_number, receipt.fiscal_sign) == (
        "atol", "9999078902004010", "117", "3452367216",
    )  # fmt: skip


def test_a_receipt_still_processing_is_retried_not_lost(payer, atol):
    atol.report_status = "wait"
    with pytest.raises(FiscalError):
        AtolFiscal().register(external_id="abonent-x", receipt={
            "company": {"inn": "1", "payment_address": "x"}, "taxation_system": "osn", "client": {},
            "items": [], "total": "1.00",
        })  # fmt: skip


def test_a_fiscal_service_that_is_down_never_undoes_the_payment(
    client, payer, settings, django_capture_on_commit_callbacks, smtp
):
    settings.PAYMENTS_FISCAL = "atol"
    settings.PAYMENTS_ATOL_URL = "http://127.0.0.1:9/possystem/v4"  # nothing listens there
    payment = start_payment(user=payer, amounts={payer.flat.number: Decimal("1234.56")})
    with django_capture_on_commit_callbacks(execute=True):
        response = post_notification(client, notification(payment))
    assert response.status_code == 200
    assert balance(payer.flat) == 0
    receipt = Receipt.objects.get(payment=payment)
    assert receipt.state == Receipt.State.PENDING and smtp.messages == []

    settings.PAYMENTS_FISCAL = "local"  # the service is back: the next run issues it, once
    assert issue_pending_receipts() == 1
    receipt.refresh_from_db()
    assert receipt.state == Receipt.State.ISSUED and len(smtp.messages) == 1
    assert issue_pending_receipts() == 0
