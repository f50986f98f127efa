"""Money history, CSV export and the reconciliation statement (PDF, XLSX), checked against the ledger."""

import csv
import datetime as dt
import io
from decimal import Decimal as D

import openpyxl
import pytest
from django.urls import reverse

from billing.models import LedgerEntry
from billing.services import post_payment
from core.money import money_sum
from documents.selectors import statement
from metering.models import Reading
from tests.documents.conftest import pdf_text
from tests.factories import MeterFactory, UserFactory, add_submission, link

NUMBER = "6300000101"


@pytest.fixture
def two_months(meter, close):
    """October by the readings' history, November 250 kWh; payments on 05.11 and 25.11, one on 03.12."""
    close("2026-10")
    post_payment(account=meter.account, amount="1000.00", paid_on=dt.date(2026, 11, 5), reference="p1")
    add_submission(meter, dt.date(2026, 11, 20), {"total": 11_450}, state=Reading.State.ACCEPTED)
    post_payment(account=meter.account, amount="300.00", paid_on=dt.date(2026, 11, 25), reference="p2")
    close("2026-11")
    post_payment(account=meter.account, amount="99.99", paid_on=dt.date(2026, 12, 3), reference="p3")
    return meter.account


def ledger(account, **filters):
    return money_sum(LedgerEntry.objects.filter(account=account, **filters))


def test_the_statement_opens_and_closes_with_the_ledger_balance_and_lists_every_movement(two_months):
    account = two_months
    made = statement(account, date_from=dt.date(2026, 11, 1), date_to=dt.date(2026, 11, 30))
    assert made.opening == ledger(account, posted_on__lt=dt.date(2026, 11, 1))
    assert made.closing == ledger(account, posted_on__lte=dt.date(2026, 11, 30))
    inside = LedgerEntry.objects.filter(account=account, posted_on__range=(dt.date(2026, 11, 1), dt.date(2026, 11, 30)))
    assert [e.pk for e in made.entries] == list(inside.order_by("posted_on", "id").values_list("pk", flat=True))
    assert made.credit == D("1300.00")
    assert made.opening + made.debit - made.credit == made.closing


def test_the_statement_as_xlsx_reads_back_with_the_ledger_figures(client, customer, two_months):
    client.force_login(customer)
    url = reverse("portal:statement", args=[NUMBER])
    response = client.get(url, {"date_from": "2026-10-01", "date_to": "2026-12-31", "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="akt-sverki-{NUMBER}-20261001-20261231.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [row for row in sheet.iter_rows(values_only=True) if any(v is not None for v in row)]
    assert rows[0][0] == f"Акт сверки по лицевому счёту {NUMBER} с 01.10.2026 по 31.12.2026"
    assert rows[3][0] == "Сальдо на начало" and D(str(rows[3][2])) == D("0.00")
    movements = rows[4:-2]
    entries = LedgerEntry.objects.filter(account=two_months).order_by("posted_on", "id")
    assert len(movements) == entries.count() == 5
    for row, entry in zip(movements, entries, strict=True):
        assert row[0].date() == entry.posted_on
        up, down = (D(str(v)).quantize(D("0.01")) if v is not None else None for v in row[2:4])
        assert (up, down) == ((entry.amount, None) if entry.amount > 0 else (None, -entry.amount))
    assert rows[-1][0] == "Сальдо на конец" and D(str(rows[-1][2])).quantize(D("0.01")) == ledger(two_months)


def test_the_statement_as_pdf_shows_opening_turnover_and_closing(client, customer, two_months, pdf_tools):
    client.force_login(customer)
    url = reverse("portal:statement", args=[NUMBER])
    response = client.get(url, {"date_from": "01.11.2026", "date_to": "30.11.2026", "format": "pdf"})
    text = " ".join(pdf_text(response.content).split())
    made = statement(two_months, date_from=dt.date(2026, 11, 1), date_to=dt.date(2026, 11, 30))
    rub = lambda amount: f"{amount:,.2f}".replace(",", " ").replace(".", ",") + " ₽"  # noqa: E731
    assert f"Сальдо на начало: {rub(made.opening)}" in text
    assert f"Обороты за период {rub(made.debit)} {rub(made.credit)}" in text
    assert f"Сальдо на конец: {rub(made.closing)}" in text
    assert "05.11.2026 Оплата 1 000,00 ₽" in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from": "2026-12-01", "date_to": "2026-11-01", "format": "pdf"}, "Дата начала позже даты конца."),
        ({"date_from": "вчера", "date_to": "2026-11-01", "format": "pdf"}, "Дата в виде ДД.ММ.ГГГГ."),
        ({"date_to": "2026-11-01", "format": "pdf"}, "Укажите начало периода."),
        ({"date_from": "2026-11-01", "date_to": "2026-11-30", "format": "doc"}, "Выберите формат: PDF или Excel."),
        ({"date_from": "2016-01-01", "date_to": "2026-11-30", "format": "pdf"}, "Акт сверки — не более чем за 5 лет."),
    ],
)
def test_a_bad_statement_request_says_what_is_wrong(client, customer, two_months, query, message):
    client.force_login(customer)
    response = client.get(reverse("portal:statement", args=[NUMBER]), query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_csv_is_for_russian_excel_and_sums_to_the_ledger(client, customer, two_months):
    client.force_login(customer)
    response = client.get(reverse("portal:history_csv", args=[NUMBER]), {"period_from": "2026-11"})
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Дата", "Период счёта", "Операция", "Начислено", "Оплачено", "Сумма"]
    total = sum(D(row[5].replace(",", ".")) for row in rows[1:])
    assert total == ledger(two_months, period__gte="2026-11")
    assert ["05.11.2026", "2026-11", "Оплата", "", "1000,00", "-1000,00"] in rows
    assert all(row[1] >= "2026-11" for row in rows[1:])


def test_the_history_page_filters_by_period_and_draws_both_charts(client, customer, two_months):
    client.force_login(customer)
    url = reverse("portal:money_history", args=[NUMBER])
    page = client.get(url).content.decode()
    assert page.count('<svg class="chart"') == 2
    assert "<title>ноябрь 2026, оплачено: 1\u00a0300,00\u00a0₽</title>" in page
    assert "<title>ноябрь 2026 круглосуточно: 250 кВт·ч</title>" in page
    assert "03.12.2026" in page
    october_only = client.get(url, {"period_to": "2026-10"}).content.decode()
    assert "03.12.2026" not in october_only and "05.11.2026" not in october_only
    wrong = client.get(url, {"period_from": "2026-12", "period_to": "2026-10"}).content.decode()
    assert "Начальный месяц позже конечного" in wrong
    assert "Укажите месяц в виде ГГГГ-ММ" in client.get(url, {"period_from": "ноябрь"}).content.decode()


def test_another_customers_history_and_statement_are_not_found(client, two_months):
    stranger = UserFactory(phone="+79160000088")
    link(stranger, MeterFactory(account__number="6300000198").account)
    client.force_login(stranger)
    for name in ("money_history", "history_csv", "statement"):
        assert client.get(reverse(f"portal:{name}", args=[NUMBER])).status_code == 404


def test_the_statement_form_starts_filled_in_with_the_year_so_far(client, customer, two_months, clock):
    # A date input takes only ISO dates: a value in the Russian format would show as an empty field.
    clock.set(dt.date(2026, 12, 4))
    client.force_login(customer)
    page = client.get(reverse("portal:money_history", args=[NUMBER])).content.decode()
    assert 'type="date" name="date_from" value="2026-01-01"' in page
    assert 'type="date" name="date_to" value="2026-12-04"' in page
