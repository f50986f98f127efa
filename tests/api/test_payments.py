"""Paying through the API: one payment over several accounts, the bank's page, its state, the receipt."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.models import AuditEntry
from payments.acquirers import AcquirerError, LocalAcquirer
from payments.models import LocalAcquirerPayment, Payment
from tests.api.conftest import Api
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def payer_api(client, payer):
    from api.services import create_token

    return Api(client, create_token(user=payer, name="Банк", scope="write").raw)


def pay(api, *parts, key=None):
    return api.post("/payments/", {"amounts": [{"account": a, "amount": m} for a, m in parts]}, key=key)


def test_a_payment_over_two_accounts_gives_the_banks_page(payer_api, payer):
    response = pay(payer_api, ("6300000201", "1234.56"), ("6300000202", "300,00"))
    assert response.status_code == 201
    body = response.json()
    assert (body["state"], body["amount"], body["has_receipt"]) == ("pending", "1534.56", False)
    assert body["confirmation_url"].startswith("http://127.0.0.1:8000/pay/test-acquirer/tp_")
    assert body["parts"] == [
        {"account": "6300000201", "amount": "1234.56"},
        {"account": "6300000202", "amount": "300.00"},
    ]
    payment = Payment.objects.get(pk=body["id"])
    assert payment.user == payer and payment.amount == Decimal("1534.56")
    assert AuditEntry.objects.get(action="payments.started").channel == "api"


def test_the_payment_state_follows_the_bank_and_the_receipt_appears(payer_api, django_capture_on_commit_callbacks):
    body = pay(payer_api, ("6300000201", "100")).json()
    with django_capture_on_commit_callbacks(execute=True):  # the bank's signed notification, after its commit
        LocalAcquirer.finish(LocalAcquirerPayment.objects.get(), "succeeded", "1111")
    state = payer_api.get(f"/payments/{body['id']}/").json()
    assert (state["state"], state["state_label"], state["has_receipt"]) == ("succeeded", "оплачен", True)
    assert state["confirmed_at"]
    receipt = payer_api.get(f"/payments/{body['id']}/receipt/").json()
    assert receipt["payment"] == body["id"]
    assert [item["account"] for item in receipt["data"]["items"]] == ["6300000201"]
    assert payer_api.get("/payments/").json()["results"][0]["id"] == body["id"]


def test_a_pending_payment_is_checked_with_the_bank_on_request(payer_api, monkeypatch):
    body = pay(payer_api, ("6300000201", "100")).json()
    asked = []
    monkeypatch.setattr("payments.services.refresh_state", lambda payment: asked.append(payment.pk) or payment)
    assert payer_api.get(f"/payments/{body['id']}/").json()["state"] == "pending"
    assert asked == []
    payer_api.get(f"/payments/{body['id']}/", {"check": "true"})
    assert [str(pk) for pk in asked] == [body["id"]]


def test_no_receipt_before_the_payment_succeeds(payer_api):
    body = pay(payer_api, ("6300000201", "100")).json()
    assert payer_api.get(f"/payments/{body['id']}/receipt/").status_code == 404


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        ("", "amount_required"),
        ("abc", "amount_invalid"),
        ("1e3", "amount_invalid"),
        ("10,555", "amount_fraction"),
        ("-5", "amount_negative"),
        ("0", "amount_not_positive"),
        ("500000.01", "amount_too_large"),
    ],
)
def test_a_wrong_amount_is_refused_on_its_field(payer_api, amount, code):
    response = pay(payer_api, ("6300000201", "10"), ("6300000202", amount))
    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == (code, "amounts[1].amount")
    assert not Payment.objects.exists()


def test_an_account_twice_or_no_accounts_is_refused(payer_api):
    twice = pay(payer_api, ("6300000201", "10"), ("6300000201", "20"))
    assert (twice.status_code, twice.json()["code"], twice.json()["field"]) == (422, "duplicate_account", "amounts")
    assert pay(payer_api).json()["code"] == "min_length"


def test_the_total_is_limited_like_in_the_portal(payer_api):
    response = pay(payer_api, ("6300000201", "300000"), ("6300000202", "300000"))
    assert (response.status_code, response.json()["code"]) == (422, "amount_too_large")


def test_someone_elses_account_cannot_be_paid_from_here(payer_api):
    AccountFactory(number="6300000999")
    response = pay(payer_api, ("6300000999", "10"))
    assert response.status_code == 404
    assert response.json()["code"] == "account_not_yours"


def test_payments_per_hour_are_limited_together_with_the_portal(payer_api, client, payer, monkeypatch):
    monkeypatch.setattr("api.views.payments.PAY_LIMIT", 2)
    assert pay(payer_api, ("6300000201", "1")).status_code == 201
    assert pay(payer_api, ("6300000201", "1")).status_code == 201
    response = pay(payer_api, ("6300000201", "1"))
    assert response.status_code == 429
    assert (response.json()["code"], response["Retry-After"]) == ("payments_limit", "3600")


def test_a_bank_that_is_down_is_503_and_the_failed_attempt_is_kept(payer_api, monkeypatch):
    def down(self, **kwargs):
        raise AcquirerError("timeout")

    monkeypatch.setattr(LocalAcquirer, "create_payment", down)
    response = pay(payer_api, ("6300000201", "100"))
    assert response.status_code == 503
    assert response.json()["code"] == "acquirer_unavailable"
    assert list(Payment.objects.values_list("state", flat=True)) == ["failed"]
