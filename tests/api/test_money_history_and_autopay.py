"""Money history (ledger entries by period), the reconciliation statement as PDF and XLSX, and autopay,
through the API: the documents and payments services the portal's pages use."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from billing.services import post_payment
from metering.models import Reading
from payments.models import AutopaySetting
from payments.services import confirm_payment, start_payment
from tests.factories import add_submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def money(meter, close):
    """November billed (1 500.00), then 1 000.00 paid on 5 December, in December's bill."""
    add_submission(meter, dt.date(2026, 11, 20), {"total": 11_450}, state=Reading.State.ACCEPTED)
    close("2026-11")
    post_payment(account=meter.account, amount=Decimal("1000.00"), paid_on=dt.date(2026, 12, 5), reference="p-1")
    return meter.account


def test_money_history_newest_first_with_kinds_and_signs(api, money):
    body = api.get("/accounts/6300000101/money/").json()
    kinds = [(e["kind"], e["amount"], e["period"]) for e in body["results"]]
    assert kinds[0] == ("payment", "-1000.00", "2026-12")
    assert ("charge", "1500.00", "2026-11") in kinds
    oldest_first = api.get("/accounts/6300000101/money/", {"order_by": "period"}).json()["results"]
    assert [e["kind"] for e in oldest_first] == [e["kind"] for e in reversed(body["results"])]


def test_money_history_is_filtered_by_period_and_checks_the_order(api, money):
    november = api.get("/accounts/6300000101/money/", {"period_from": "2026-11", "period_to": "2026-11"}).json()
    assert {e["period"] for e in november["results"]} == {"2026-11"}
    assert november["count"] >= 1
    refused = api.get("/accounts/6300000101/money/", {"period_from": "2026-12", "period_to": "2026-11"})
    assert refused.status_code == 422 and "поменяйте их местами" in refused.json()["message"]
    assert api.get("/accounts/6300000101/money/", {"period_from": "2026-13"}).status_code == 422


def test_the_statement_as_pdf_and_xlsx_has_the_turnover(api, money):
    params = {"date_from": "2026-11-01", "date_to": "2026-12-31"}
    pdf = api.get("/accounts/6300000101/statement/pdf", params)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == 'attachment; filename="akt-sverki-6300000101-20261101-20261231.pdf"'
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "6300000101" in text
    xlsx = api.get("/accounts/6300000101/statement/xlsx", params)
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    cells = [str(c) for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True) for c in row]
    assert any("1000" in c for c in cells) and any("1500" in c for c in cells)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "2026-12-31", "date_to": "2026-11-01"}, "Дата начала позже даты конца"),
        ({"date_from": "2020-01-01", "date_to": "2026-11-01"}, "не более чем за 5 лет"),
        ({"date_from": "2026-11-01"}, "Обязательное поле"),
    ],
)
def test_a_statement_with_wrong_dates_is_a_json_422(api, money, params, message):
    response = api.get("/accounts/6300000101/statement/pdf", params)
    assert response.status_code == 422 and response["Content-Type"] == "application/json"
    assert message in response.json()["message"]


def test_another_customers_money_and_statement_are_404(api, stranger):
    number = stranger.account.number
    params = {"date_from": "2026-01-01", "date_to": "2026-11-20"}
    for path in (f"/accounts/{number}/money/", f"/accounts/{number}/statement/xlsx", f"/accounts/{number}/autopay/"):
        assert api.get(path, params).status_code == 404
    assert api.put(f"/accounts/{number}/autopay/", {"day": 5, "max_amount": "100"}).status_code == 404
    assert api.delete(f"/accounts/{number}/autopay/").status_code == 404


@pytest.fixture
def paid_by_card(customer, meter):
    payment = start_payment(user=customer, amounts={"6300000101": Decimal("10.00")})
    confirm_payment(payment_id=payment.pk, amount=payment.amount, card_token="card-123")
    return payment


def test_autopay_needs_a_card_from_an_earlier_payment(api):
    assert api.get("/accounts/6300000101/autopay/").json()["card_saved"] is False
    response = api.put("/accounts/6300000101/autopay/", {"day": 5, "max_amount": "3000"})
    assert response.status_code == 422 and response.json()["code"] == "autopay_no_card"


def test_autopay_is_set_changed_and_switched_off(api, paid_by_card, customer):
    response = api.put("/accounts/6300000101/autopay/", {"day": 5, "max_amount": "3000"})
    assert response.status_code == 200
    assert response.json() == {
        "number": "6300000101", "active": True, "day": 5, "max_amount": "3000.00", "last_charged_on": None,
        "card_saved": True,
    }  # fmt: skip
    assert AutopaySetting.objects.get().card_token == "card-123"
    assert api.put("/accounts/6300000101/autopay/", {"day": 20, "max_amount": "2500.50"}).json()["day"] == 20
    assert api.delete("/accounts/6300000101/autopay/").status_code == 204
    assert api.get("/accounts/6300000101/autopay/").json()["active"] is False
    assert api.delete("/accounts/6300000101/autopay/").status_code == 404  # nothing left to switch off


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"day": 29, "max_amount": "3000"}, "autopay_day"),
        ({"day": 5, "max_amount": "0"}, "autopay_max"),
        ({"day": 5, "max_amount": "12,345"}, "amount_fraction"),
        ({"day": "5", "max_amount": "3000"}, "invalid_request"),
    ],
)
def test_autopay_refusals_are_the_services(api, paid_by_card, data, code):
    response = api.put("/accounts/6300000101/autopay/", data)
    assert response.status_code == 422
    assert response.json()["code"] == code


def test_a_read_only_key_sees_autopay_but_cannot_set_it(reader, paid_by_card):
    assert reader.get("/accounts/6300000101/autopay/").status_code == 200
    assert reader.put("/accounts/6300000101/autopay/", {"day": 5, "max_amount": "100"}).status_code == 403
    assert not AutopaySetting.objects.exists()
