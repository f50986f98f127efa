"""Nobody reaches another customer's data: every account-scoped endpoint answers 404 for someone else's
account, meter, bill or payment — the same answer as for one that does not exist — and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from customers.models import AccountLink
from metering.models import Reading
from payments.models import Payment
from tests.factories import add_submission

pytestmark = pytest.mark.django_db
NOT_FOUND = {"code": "not_found", "message": "Не найдено."}

# (method, path with {number}, {meter} and {payment}, body)
ACCOUNT_ENDPOINTS = [
    ("get", "/accounts/{number}/", None),
    ("delete", "/accounts/{number}/", None),
    ("get", "/accounts/{number}/tariff/", None),
    ("get", "/accounts/{number}/balance/", None),
    ("get", "/accounts/{number}/bills/", None),
    ("get", "/accounts/{number}/bills/2026-11/", None),
    ("get", "/accounts/{number}/bills/2026-11/pdf", None),
    ("get", "/accounts/{number}/meters/", None),
    ("get", "/accounts/{number}/meters/{meter}/", None),
    ("get", "/accounts/{number}/meters/{meter}/readings/", None),
    ("post", "/accounts/{number}/meters/{meter}/readings/", {"values": {"day": "5700", "night": "3700"}}),
    ("post", "/accounts/{number}/meters/{meter}/readings/preview/", {"values": {"day": "5700", "night": "3700"}}),
    ("get", "/accounts/{number}/meters/{meter}/consumption/", None),
    ("get", "/accounts/{number}/money/", None),
    ("get", "/accounts/{number}/statement/pdf?date_from=2026-01-01&date_to=2026-11-30", None),
    ("get", "/accounts/{number}/statement/xlsx?date_from=2026-01-01&date_to=2026-11-30", None),
    ("get", "/accounts/{number}/autopay/", None),
    ("put", "/accounts/{number}/autopay/", {"day": 5, "max_amount": "100"}),
    ("delete", "/accounts/{number}/autopay/", None),
]
PAYMENT_ENDPOINTS = [("get", "/payments/{payment}/", None), ("get", "/payments/{payment}/receipt/", None)]


@pytest.fixture
def both_billed(meter, stranger, close):
    """November closed for both customers: each has a bill."""
    add_submission(meter, dt.date(2026, 11, 20), {"total": 11_450}, state=Reading.State.ACCEPTED)
    close("2026-11")
    assert stranger.account.bills.exists()
    return stranger


def call(api, method, template, body, **values):
    path = template.format(**values)
    if method == "get":
        return api.get(path)
    if method == "delete":
        return api.delete(path)
    if method == "put":
        return api.put(path, body)
    return api.post(path, body)


def unchanged(stranger):
    assert AccountLink.objects.filter(user=stranger, account=stranger.account).exists()
    assert not Reading.objects.filter(meter=stranger.meter, source="api").exists()


@pytest.mark.parametrize(("method", "template", "body"), ACCOUNT_ENDPOINTS)
def test_another_customers_account_is_not_found(api, both_billed, method, template, body):
    stranger = both_billed
    theirs = call(api, method, template, body, number=stranger.account.number, meter=stranger.meter.pk)
    missing = call(api, method, template, body, number="6399999999", meter=stranger.meter.pk)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json() == NOT_FOUND
    unchanged(stranger)


@pytest.mark.parametrize(("method", "template", "body"), [e for e in ACCOUNT_ENDPOINTS if "{meter}" in e[1]])
def test_another_customers_meter_under_ones_own_account_number_is_not_found(api, both_billed, method, template, body):
    stranger = both_billed
    response = call(api, method, template, body, number="6300000101", meter=stranger.meter.pk)
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    unchanged(stranger)


@pytest.mark.parametrize(("method", "template", "body"), PAYMENT_ENDPOINTS)
def test_another_customers_payment_is_not_found(api, stranger, method, template, body):
    theirs = call(api, method, template, body, payment=stranger.payment.pk)
    missing = call(api, method, template, body, payment="00000000-0000-4000-8000-000000000000")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json() == NOT_FOUND


def test_another_customers_payments_are_not_listed(api, stranger):
    assert api.get("/payments/").json()["count"] == 0


def test_another_customers_account_cannot_be_paid_for(api, stranger):
    response = api.post("/payments/", {"amounts": [{"account": stranger.account.number, "amount": "10"}]})
    assert response.status_code == 404
    assert Payment.objects.filter(user__phone="+79161234567").count() == 0


def test_another_customers_accounts_are_not_listed(api, stranger):
    assert [a["number"] for a in api.get("/accounts/").json()["results"]] == ["6300000101"]


@pytest.mark.parametrize(("method", "template", "body"), ACCOUNT_ENDPOINTS[:3])
def test_the_same_holds_for_a_session(client, customer, both_billed, method, template, body):
    from tests.api.conftest import Api

    client.force_login(customer)
    response = call(Api(client), method, template, body, number=both_billed.account.number, meter=0)
    assert response.status_code == 404
    unchanged(both_billed)
