"""Accounts, meters, tariffs, balance and bills through the API: what the portal's pages show, as JSON."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from billing.models import TariffCategory, TariffPrice
from billing.services import post_payment
from core.models import AuditEntry
from customers.models import AccountLink
from metering.models import Reading, SubmissionWindow
from tests.factories import AccountFactory, MeterFactory, add_submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def billed(meter, close):
    """November 2026 closed: 11 450 - 11 200 = 250 kWh x 6.00 = 1 500.00 (the clock is on 02.12.2026)."""
    add_submission(meter, dt.date(2026, 11, 20), {"total": 11_450}, state=Reading.State.ACCEPTED)
    close("2026-11")
    return meter


# --- Accounts -----------------------------------------------------------------------------------


def test_the_account_list_has_alias_group_address_and_tariff(api, customer, meter):
    AccountLink.objects.filter(user=customer).update(alias="Квартира", group="Самара")
    meter.account.premise.address = "г. Самара, ул. Садовая, д. 7, кв. 12"
    meter.account.premise.save()
    body = api.get("/accounts/").json()
    assert body["count"] == 1
    assert body["results"][0] == {
        "number": "6300000101", "alias": "Квартира", "group": "Самара", "address": "г. Самара, ул. Садовая, д. 7, кв. 12",
        "residents": 1, "holder": "Тестов Тест", "status": "active",
        "tariff_category": {"code": "town", "name": "Город"},
    }  # fmt: skip
    assert api.get("/accounts/6300000101/").json() == body["results"][0]


def test_an_account_is_linked_with_its_bill_code_and_audited_as_api(api, customer):
    AccountFactory(number="6311111111", bill_code="482913")
    response = api.post("/accounts/link/", {"number": "6311111111", "proof": "482913", "alias": "Дача"})
    assert response.status_code == 201
    assert (response.json()["number"], response.json()["alias"]) == ("6311111111", "Дача")
    assert AuditEntry.objects.get(action="account.linked", account__number="6311111111").channel == "api"
    again = api.post("/accounts/link/", {"number": "6311111111", "proof": "482913"})
    assert again.status_code == 409 and again.json()["code"] == "link_exists"


def test_a_wrong_pair_gets_one_answer_and_guessing_is_limited(api):
    AccountFactory(number="6311111111", bill_code="482913")
    wrong_code = api.post("/accounts/link/", {"number": "6311111111", "proof": "000000"})
    wrong_number = api.post("/accounts/link/", {"number": "6399999999", "proof": "482913"})
    assert wrong_code.status_code == wrong_number.status_code == 422
    assert wrong_code.json() == wrong_number.json()
    assert wrong_code.json()["code"] == "link_mismatch"
    for _ in range(3):
        api.post("/accounts/link/", {"number": "6311111111", "proof": "000000"})
    locked = api.post("/accounts/link/", {"number": "6311111111", "proof": "482913"})
    assert locked.status_code == 429 and locked.json()["code"] == "link_locked"
    assert int(locked["Retry-After"]) == 3600


def test_unlinking_an_account_removes_it_from_the_cabinet(api, customer):
    assert api.delete("/accounts/6300000101/").status_code == 204
    assert not AccountLink.objects.filter(user=customer).exists()
    assert AuditEntry.objects.get(action="account.unlinked").channel == "api"
    assert api.get("/accounts/6300000101/").status_code == 404


# --- Meters --------------------------------------------------------------------------------------


def test_meters_come_with_zones_hours_last_reading_and_the_window(api, meter):
    SubmissionWindow.objects.create(valid_from=dt.date(2026, 1, 1), opens_day=5, closes_day=25)
    body = api.get("/accounts/6300000101/meters/").json()
    assert body["count"] == 1
    item = body["results"][0]
    assert (item["id"], item["serial"], item["digits"], item["scheme"], item["scheme_label"]) == (
        meter.pk, meter.serial, 6, 1, "однотарифный",
    )  # fmt: skip
    assert item["zones"] == [
        {"zone": "total", "label": "круглосуточно", "hours": ["00:00–24:00"],
         "last_reading": {"value": 11200, "taken_on": "2026-10-20", "state": "billed", "accepted_for_period": "2026-10"}},
    ]  # fmt: skip
    assert item["submission_window"] == {
        "is_open": True, "period": "2026-11", "period_label": "ноябрь 2026", "opens_on": "2026-11-05",
        "closes_on": "2026-11-25", "days": 6,
    }  # fmt: skip
    assert api.get(f"/accounts/6300000101/meters/{meter.pk}/").json() == item


def test_a_three_zone_meter_lists_peak_semipeak_and_night_with_their_hours(api, customer):
    other = MeterFactory(account__number="6300000103", scheme=3)
    AccountLink.objects.create(user=customer, account=other.account)
    zones = api.get(f"/accounts/6300000103/meters/{other.pk}/").json()["zones"]
    assert [(z["zone"], z["hours"]) for z in zones] == [
        ("peak", ["07:00–10:00", "17:00–21:00"]),
        ("semipeak", ["10:00–17:00", "21:00–23:00"]),
        ("night", ["23:00–07:00"]),
    ]
    assert all(z["last_reading"] is None for z in zones)


# --- Tariffs -------------------------------------------------------------------------------------


def test_tariffs_are_public_with_price_per_zone(anonymous, meter, today):
    TariffPrice.objects.create(
        category=TariffCategory.objects.get(code="town"), scheme=1, zone="total", valid_from=dt.date(2026, 7, 1),
        price=D("6.4321"),
    )  # fmt: skip
    body = anonymous.get("/tariffs/").json()
    town = body["categories"][0]
    assert (body["on"], town["code"]) == ("2026-11-20", "town")
    assert [(sch["scheme"], [(z["zone"], z["price"]) for z in sch["zones"]]) for sch in town["schemes"]] == [
        (1, [("total", "6.4321")]),
        (2, [("day", "7.0000"), ("night", "3.5000")]),
        (3, [("peak", "8.0000"), ("semipeak", "6.0000"), ("night", "3.5000")]),
    ]
    earlier = anonymous.get("/tariffs/", {"on": "2026-06-30"}).json()["categories"][0]["schemes"][0]["zones"]
    assert earlier[0]["price"] == "6.0000"


def test_the_accounts_tariff_gives_the_price_of_each_of_its_meters_zones(api, meter):
    body = api.get("/accounts/6300000101/tariff/").json()
    assert body["category"]["code"] == "town"
    assert body["meters"] == [
        {"meter": meter.pk, "serial": meter.serial, "scheme": 1, "scheme_label": "однотарифный",
         "zones": [{"zone": "total", "label": "круглосуточно", "price": "6.0000", "hours": ["00:00–24:00"]}]},
    ]  # fmt: skip


# --- Balance and bills ---------------------------------------------------------------------------


def test_balance_shows_the_debt_the_last_bill_and_the_penalty_forecast(api, billed):
    body = api.get("/accounts/6300000101/balance/").json()
    assert (body["balance"], body["debt"], body["overpayment"], body["amount_due"]) == (
        "1500.00", "1500.00", "0.00", "1500.00",
    )  # fmt: skip
    assert (body["last_bill"]["period"], body["last_bill"]["to_pay"], body["last_bill"]["due_on"]) == (
        "2026-11", "1500.00", "2026-12-15",
    )  # fmt: skip
    # Due 15.12.2026; unpaid, a penalty starts on day 31, inside the forecast's 45 days from 02.12.
    assert (body["penalty_forecast"]["starts_on"], body["penalty_forecast"]["by_date"]) == ("2027-01-15", "2027-01-16")


def test_an_overpayment_is_negative_balance_and_nothing_is_due(api, billed):
    post_payment(account=billed.account, amount=D("2000"), paid_on=dt.date(2026, 12, 5), reference="p-1")
    body = api.get("/accounts/6300000101/balance/").json()
    assert (body["balance"], body["debt"], body["overpayment"], body["amount_due"]) == (
        "-500.00", "0.00", "500.00", "0.00",
    )  # fmt: skip
    assert body["penalty_forecast"] is None


def test_the_penalty_forecast_warns_before_it_starts(api, billed, clock):
    clock.set(dt.date(2027, 1, 5))
    forecast = api.get("/accounts/6300000101/balance/").json()["penalty_forecast"]
    assert forecast["starts_on"] == "2027-01-15"
    assert D(forecast["per_day"]) == D("0.825")  # 1 500.00 x 16.5 % / 300, exact


def test_bills_list_and_a_bill_with_its_zone_lines(api, billed):
    bills = api.get("/accounts/6300000101/bills/").json()
    assert bills["count"] == 1
    bill = bills["results"][0]
    assert (bill["period"], bill["number"], bill["charged"], bill["closing_balance"], bill["vat"], bill["vat_rate"]) == (
        "2026-11", "2026116300000101", "1500.00", "1500.00", "270.49", "22.00",
    )  # fmt: skip
    detail = api.get("/accounts/6300000101/bills/2026-11/").json()
    assert detail["number"] == bill["number"]
    [line] = detail["charge_lines"]
    assert (line["zone"], line["basis"], line["previous_value"], line["current_value"], line["volume"]) == (
        "total", "actual", 11200, 11450, 250,
    )  # fmt: skip
    assert (line["price"], line["amount"], line["basis_label"]) == ("6.0000", "1500.00", "по показаниям")


def test_bills_are_filtered_by_period(api, billed):
    assert api.get("/accounts/6300000101/bills/", {"period_from": "2026-12"}).json()["count"] == 0
    assert api.get("/accounts/6300000101/bills/", {"period_to": "2026-11"}).json()["count"] == 1


def test_a_bill_pdf_downloads(api, billed):
    response = api.get("/accounts/6300000101/bills/2026-11/pdf", headers={"Accept": "application/pdf"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="kvitanciya-6300000101-2026-11.pdf"'
    assert response.content.startswith(b"%PDF")


def test_a_missing_bill_or_month_is_a_json_404_even_when_pdf_is_asked_for(api, billed):
    for period in ("2026-10", "2026-13"):
        response = api.get(f"/accounts/6300000101/bills/{period}/pdf", headers={"Accept": "application/pdf"})
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json()["code"] == "not_found"
        assert api.get(f"/accounts/6300000101/bills/{period}/").status_code == 404
