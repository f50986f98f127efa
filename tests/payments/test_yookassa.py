"""The YooKassa adapter against a local fake of its HTTP API: creation with an idempotence key and
Basic auth, notifications trusted only from its addresses and only after reading the payment back."""

from __future__ import annotations

import base64
import json
from decimal import Decimal

import pytest

from billing.selectors import balance
from core.models import AuditEntry
from payments.acquirers import AcquirerError, YooKassaAcquirer
from payments.models import Payment
from payments.services import start_payment

from .fake_http import FakeProvider

YOOKASSA_IP = "185.71.76.10"


@pytest.fixture
def yookassa(settings):
    with FakeProvider() as fake:
        settings.PAYMENTS_ACQUIRER = "yookassa"
        settings.PAYMENTS_YOOKASSA_URL = fake.url + "/v3"
        settings.PAYMENTS_YOOKASSA_SHOP_ID, settings.PAYMENTS_YOOKASSA_SECRET = "123456", "test_secret"
        fake.payments = {}

        def create(request):
            body = request["json"]
            payment_id = f"2d{len(fake.payments):06d}-000f-5000-9000-1b68e7b15f3f"
            fake.payments[payment_id] = {
                "id": payment_id,
                "status": "pending",
                "amount": body["amount"],
                "payment_method": {"type": "bank_card", "id": payment_id, "saved": False},
                "confirmation": {"type": "redirect", "confirmation_url": f"https://yoomoney.ru/checkout/{payment_id}"},
            }
            return 200, fake.payments[payment_id]

        def get(request):
            payment_id = request["path"].rsplit("/", 1)[1]
            return (200, fake.payments[payment_id]) if payment_id in fake.payments else (404, {"type": "error"})

        fake.routes[("POST", "/v3/payments")] = create
        fake.routes[("GET", "/v3/payments/*")] = get
        yield fake


def notify(client, payment_id, *, ip=YOOKASSA_IP, event="payment.succeeded"):
    body = {"type": "notification", "event": event, "object": {"id": payment_id, "status": "succeeded"}}
    return client.post("/pay/notify/yookassa/", data=json.dumps(body), content_type="application/json", REMOTE_ADDR=ip)


def test_a_payment_is_created_with_the_idempotence_key_and_basic_auth(payer, yookassa):
    payment = start_payment(user=payer, amounts={payer.flat.number: Decimal("1234.56")})

    request = yookassa.requests[0]
    assert request["method"] == "POST" and request["path"] == "/v3/payments"
    assert request["headers"]["Idempotence-Key"] == payment.idempotence_key
    assert request["headers"]["Authorization"] == "Basic " + base64.b64encode(b"123456:test_secret").decode()
    assert request["json"]["amount"] == {"value": "1234.56", "currency": "RUB"}
    assert request["json"]["confirmation"]["return_url"].endswith(f"/pay/{payment.pk}/")
    assert payment.provider == "yookassa" and payment.state == Payment.State.PENDING
    assert payment.confirmation_url.startswith("https://yoomoney.ru/checkout/")


def test_a_notification_is_applied_only_after_reading_the_payment_back(client, payer, yookassa):
    payment = start_payment(user=payer, amounts={payer.flat.number: Decimal("1234.56")})

    # Still pending at YooKassa: a notification claiming success changes nothing.
    assert notify(client, payment.provider_payment_id).status_code == 200
    assert balance(payer.flat) == Decimal("1234.56")

    yookassa.payments[payment.provider_payment_id]["status"] = "succeeded"
    assert notify(client, payment.provider_payment_id).status_code == 200
    assert notify(client, payment.provider_payment_id).status_code == 200  # repeated: once
    assert balance(payer.flat) == 0
    assert yookassa.requests[-1]["path"] == f"/v3/payments/{payment.provider_payment_id}"


def test_a_notification_from_a_foreign_address_is_refused(client, payer, yookassa):
    payment = start_payment(user=payer, amounts={payer.flat.number: Decimal("1234.56")})
    yookassa.payments[payment.provider_payment_id]["status"] = "succeeded"
    assert notify(client, payment.provider_payment_id, ip="203.0.113.7").status_code == 403
    assert balance(payer.flat) == Decimal("1234.56")
    assert AuditEntry.objects.filter(action="payments.notification_rejected", changes__status=403).exists()


def test_an_amount_changed_at_the_acquirer_is_refused(client, payer, yookassa):
    payment = start_payment(user=payer, amounts={payer.flat.number: Decimal("1234.56")})
    yookassa.payments[payment.provider_payment_id].update(
        status="succeeded", amount={"value": "1.00", "currency": "RUB"}
    )
    assert notify(client, payment.provider_payment_id).status_code == 400
    assert balance(payer.flat) == Decimal("1234.56")


def test_an_unknown_payment_at_yookassa_is_refused(client, payer, yookassa):
    assert notify(client, "no-such-payment").status_code == 503  # cannot be verified: YooKassa retries later


def test_yookassa_down_is_a_russian_error_for_the_customer(client, payer, settings):
    settings.PAYMENTS_ACQUIRER = "yookassa"
    settings.PAYMENTS_YOOKASSA_URL = "http://127.0.0.1:9/v3"  # nothing listens there
    with pytest.raises(Exception) as info:
        start_payment(user=payer, amounts={payer.flat.number: Decimal("10.00")})
    assert "Банк сейчас недоступен" in str(info.value)
    assert Payment.objects.get().state == Payment.State.FAILED


def test_a_saved_card_is_charged_with_its_token(payer, yookassa):
    def charge(request):
        return 200, {"id": "autopay-1", "status": "succeeded", "amount": request["json"]["amount"]}

    yookassa.routes[("POST", "/v3/payments")] = charge
    result = YooKassaAcquirer().charge_saved_card(
        card_token="pm-1", idempotence_key="k1", amount=Decimal("5.00"), description="x", metadata={}
    )
    assert result.status == "succeeded"
    assert yookassa.requests[-1]["json"]["payment_method_id"] == "pm-1"
    assert yookassa.requests[-1]["headers"]["Idempotence-Key"] == "k1"


def test_a_refusal_from_yookassa_raises(payer, yookassa):
    yookassa.routes[("POST", "/v3/payments")] = lambda request: (400, {"type": "error", "code": "invalid_request"})
    with pytest.raises(AcquirerError):
        YooKassaAcquirer().create_payment(
            idempotence_key="k", amount=Decimal("1"), description="d", return_url="http://x", metadata={}
        )


def test_yookassa_is_asked_to_keep_the_card_only_when_the_customer_chose_it(payer, yookassa):
    start_payment(user=payer, amounts={payer.flat.number: Decimal("100.00")})
    start_payment(user=payer, amounts={payer.dacha.number: Decimal("100.00")}, save_card=True)
    assert [r["json"]["save_payment_method"] for r in yookassa.requests] == [False, True]
