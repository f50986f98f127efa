"""Money in the portal: balance and last bill on the dashboard, the bills archive, a bill's lines,
the preview's total to pay, the penalty forecast, and nobody else's bills."""

import datetime as dt
import re
from decimal import Decimal as D

import pytest

from billing.models import ConsumptionNorm, KeyRate
from billing.services import close_period, post_adjustment, post_payment
from core.money import format_rub
from core.periods import Period
from metering.models import Reading
from tests.factories import MeterFactory, UserFactory, add_submission, history, link


@pytest.fixture
def billed(meter, clock):
    """November 2026 closed for ``meter``'s account: 11 450 - 11 200 = 250 kWh x 6.00 = 1 500.00."""
    ConsumptionNorm.objects.create(
        category=meter.account.tariff_category, residents=1, valid_from=dt.date(2020, 1, 1), kwh_per_resident=60
    )
    KeyRate.objects.create(valid_from=dt.date(2025, 10, 27), rate=D("16.5"))
    add_submission(meter, dt.date(2026, 11, 20), {"total": 11_450}, state=Reading.State.ACCEPTED)
    clock.set(dt.date(2026, 12, 2))
    close_period(period=Period(2026, 11))
    return meter


def test_dashboard_shows_the_debt_and_the_last_bill(client, customer, billed):
    client.force_login(customer)
    page = client.get("/a/6300000101/").content.decode()
    assert "Задолженность" in page and format_rub(D("1500")) in page
    assert "к оплате " + format_rub(D("1500")) + " до 15.12.2026" in page
    assert 'href="/a/6300000101/bills/2026-11/"' in page


def test_a_paid_last_bill_is_not_asked_for_again(client, customer, billed):
    post_payment(account=billed.account, amount=D("1500"), paid_on=dt.date(2026, 12, 5), reference="p-0")
    client.force_login(customer)
    page = client.get("/a/6300000101/").content.decode()
    assert "Задолженности нет" in page
    assert "за ноябрь 2026" in page and format_rub(D("1500")) + ", оплачен" in page
    assert "к оплате" not in page


def test_overpayment_is_shown_as_such(client, customer, billed):
    post_payment(account=billed.account, amount=D("2000"), paid_on=dt.date(2026, 12, 5), reference="p-1")
    client.force_login(customer)
    page = client.get("/a/6300000101/").content.decode()
    assert "Переплата (аванс)" in page and format_rub(D("500")) in page


def test_bills_archive_and_a_bill_with_its_zone_lines(client, customer, billed):
    client.force_login(customer)
    archive = client.get("/a/6300000101/bills/").content.decode()
    assert "Ноябрь 2026" in archive and "15.12.2026" in archive
    page = client.get("/a/6300000101/bills/2026-11/").content.decode()
    assert "Счёт за ноябрь 2026" in page
    for text in ("11200", "11450", ">250<", "6,00", format_rub(D("1500")), "по показаниям", "2026116300000101"):
        assert text in page
    assert "В том числе НДС 22 %: " + format_rub(D("270.49")) in page


def test_the_archive_row_adds_up_to_the_kopeck(client, customer, billed, clock):
    # December: 11 450 -> 11 533 = 83 kWh x 6.00 = 498.00, and a staff correction of +12.34 ₽.
    # The row: 1 500.00 at the start + 510.34 added in the period - 0 paid = 2 010.34 to pay.
    add_submission(billed, dt.date(2026, 12, 20), {"total": 11_533}, state=Reading.State.ACCEPTED)
    post_adjustment(
        account=billed.account, amount=D("12.34"), reason="Акт сверки", actor=None, day=dt.date(2026, 12, 21)
    )
    clock.set(dt.date(2027, 1, 2))
    close_period(period=Period(2026, 12))
    client.force_login(customer)
    archive = client.get("/a/6300000101/bills/").content.decode()
    row = archive[archive.index("Декабрь 2026") :].split("</tr>")[0]
    figures = re.findall(r'<td class="num">(?:<strong>)?([^<]*)<', row)
    assert figures == [format_rub(D(x)) for x in ("1500", "510.34", "0", "2010.34")]


def test_someone_elses_bill_is_not_found(client, billed):
    stranger = UserFactory()
    other = MeterFactory(account__number="6300000999")
    link(stranger, other.account)
    client.force_login(stranger)
    assert client.get("/a/6300000101/bills/").status_code == 404
    assert client.get("/a/6300000101/bills/2026-11/").status_code == 404
    assert client.get("/a/6300000999/bills/2026-10/").status_code == 404  # no such bill


def test_preview_adds_the_typed_charge_to_the_debt(client, customer, billed, clock):
    clock.set(dt.date(2026, 12, 18))
    client.force_login(customer)
    url = f"/a/6300000101/meters/{billed.pk}/readings/"
    html = client.post(url, {"total": "11650", "action": "preview"}, HTTP_HX_REQUEST="true").content.decode()
    # 200 kWh x 6.00 = 1 200.00 for December on top of November's 1 500.00 still unpaid
    assert "Начисление за декабрь 2026" in html
    assert format_rub(D("1200")) in html
    assert f'<strong id="to-pay">{format_rub(D("2700"))}</strong>' in html
    assert not Reading.objects.filter(meter=billed, period=Period(2026, 12)).exists()


def test_penalty_forecast_warns_before_it_starts(client, customer, billed, clock):
    # November's bill is due 15.12.2026; unpaid, the penalty starts on day 31: 15.01.2027.
    clock.set(dt.date(2027, 1, 5))
    client.force_login(customer)
    page = client.get("/a/6300000101/").content.decode()
    assert "с 15.01.2027 начисляются пени" in page
    # The 9.5 % cap ended on 01.01.2027: 1 500.00 x 16.5 % / 300 = 0.825 a day, shown as 0,83
    assert format_rub(D("0.83")) + " в день" in page


def test_no_penalty_forecast_without_debt(client, customer, billed, clock):
    history(MeterFactory(account=billed.account, serial="X2"), {"total": 1})
    post_payment(account=billed.account, amount=D("1500"), paid_on=dt.date(2026, 12, 10), reference="p-2")
    clock.set(dt.date(2027, 1, 5))
    client.force_login(customer)
    assert "пени" not in client.get("/a/6300000101/").content.decode()
