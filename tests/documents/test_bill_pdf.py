"""The bill PDF: its text shows the ledger's figures, its QR carries every payment field (read back by zbar)."""

import datetime as dt
from decimal import Decimal as D
from unittest import mock

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as settings_hypothesis
from hypothesis import strategies as st

from billing.models import LedgerEntry
from billing.services import post_payment
from core.money import format_rub, money_sum
from core.periods import Period
from documents import fonts
from documents.qr import parse_payment_text, payment_text
from documents.services import bill_pdf
from metering.models import Reading
from tests.documents.conftest import pdf_qr_codes, pdf_text
from tests.factories import add_submission

NOV = Period(2026, 11)


def rub(amount) -> str:
    return format_rub(D(amount)).replace("\u00a0", " ")


def test_the_pdf_shows_the_bill_figures_as_the_ledger_has_them(november_bill, pdf_tools):
    account = november_bill.account
    name, pdf = bill_pdf(account, NOV)
    assert name == "kvitanciya-6300000101-2026-11.pdf"
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    ledger = LedgerEntry.objects.filter(account=account, period=NOV)
    charged = money_sum(ledger.filter(kind="charge"))
    paid = money_sum(ledger.filter(kind="payment"))
    balance = money_sum(LedgerEntry.objects.filter(account=account))
    assert (charged, paid, balance) == (D("1500.00"), D("-300.00"), D("1200.00"))
    assert "Счёт (квитанция) № 2026116300000101 за ноябрь 2026" in text
    assert "6300000101" in text and account.premise.address in text
    assert account.customer.display_name in text
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert f"Начислено за период {rub(charged)}" in lines
    assert f"Оплачено в периоде {rub(-paid)}" in lines
    assert f"Итого к оплате {rub(balance)}" in lines
    assert "Оплатить до 15.12.2026" in lines
    assert f"В том числе НДС 22 %: {rub(november_bill.vat)}." in lines
    # The zone line: previous and current readings, volume, price and amount, basis "по показаниям".
    line = next(line for line in lines if "круглосуточно" in line)
    assert line.endswith("по показаниям 11200 11450 250 6,00 1 500,00 ₽")
    assert "по среднемесячному потреблению" in text and "по нормативу" in text


def test_the_payment_qr_decodes_to_every_field_of_the_bill(november_bill, pdf_tools, zbar, settings):
    _name, pdf = bill_pdf(november_bill.account, NOV)
    [decoded] = pdf_qr_codes(pdf, zbar)
    assert decoded == payment_text(november_bill, account_number="6300000101")
    assert decoded.startswith("ST00012|Name=")
    fields = parse_payment_text(decoded)
    company = settings.COMPANY
    assert list(fields)[:5] == ["Name", "PersonalAcc", "BankName", "BIC", "CorrespAcc"]
    assert fields == {
        "Name": company["name"],
        "PersonalAcc": company["account"],
        "BankName": company["bank_name"],
        "BIC": company["bic"],
        "CorrespAcc": company["corr_account"],
        "PayeeINN": company["inn"],
        "KPP": company["kpp"],
        "PersAcc": "6300000101",
        "Sum": "120000",
        "Purpose": "Оплата электроэнергии, л/с 6300000101, 11.2026",
        "PaymPeriod": "112026",
        "QuittId": "2026116300000101",
        "TechCode": "02",
    }


def test_an_overpaid_bill_shows_the_overpayment_and_its_qr_has_no_sum(meter, close, pdf_tools, zbar):
    post_payment(account=meter.account, amount="5000.00", paid_on=dt.date(2026, 11, 5), reference="big")
    close("2026-11")
    bill = meter.account.bills.get()
    assert bill.closing_balance < 0
    _name, pdf = bill_pdf(meter.account, NOV)
    lines = [" ".join(line.split()) for line in pdf_text(pdf).splitlines()]
    assert f"Переплата на конец периода {rub(-bill.closing_balance)}" in lines
    assert f"Итого к оплате {rub(0)}" in lines
    [decoded] = pdf_qr_codes(pdf, zbar)
    assert "Sum" not in parse_payment_text(decoded)


def test_a_value_with_the_separator_cannot_break_the_qr_fields(november_bill, settings):
    settings.COMPANY = {**settings.COMPANY, "name": "ООО «Свет|Sum=1»"}
    fields = parse_payment_text(payment_text(november_bill, account_number="6300000101"))
    assert fields["Name"] == "ООО «Свет Sum=1»"
    assert fields["Sum"] == "120000"


@pytest.mark.parametrize("period", [Period(2026, 10), Period(2026, 12)])
def test_no_bill_no_pdf(november_bill, period):
    assert bill_pdf(november_bill.account, period) is None


@settings_hypothesis(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(min_size=1, max_size=200).filter(lambda s: s.strip()))
def test_any_payee_name_keeps_every_field_apart_and_fits_the_standard(november_bill, settings, name):
    settings.COMPANY = {**settings.COMPANY, "name": name}
    text = payment_text(november_bill, account_number="6300000101")
    fields = parse_payment_text(text)
    assert text.count("|") == len(fields)
    assert list(fields)[:5] == ["Name", "PersonalAcc", "BankName", "BIC", "CorrespAcc"]
    assert len(fields["Name"]) <= 160 and "|" not in fields["Name"]
    assert (fields["PersAcc"], fields["Sum"], fields["QuittId"]) == ("6300000101", "120000", "2026116300000101")


def test_without_the_fonts_the_error_says_what_to_install(settings, tmp_path):
    settings.DOCUMENTS_FONT_DIR = str(tmp_path)
    assert [p.name for p in fonts.missing_fonts()] == ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"]
    with mock.patch.object(fonts.pdfmetrics, "getRegisteredFontNames", return_value=[]):
        with pytest.raises(fonts.FontsMissing, match="fonts-dejavu"):
            fonts.register()


def _font_files(pdf: bytes) -> list[bytes]:
    import io

    from pypdf import PdfReader

    fonts_ = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"]
    files = []
    for name in sorted(fonts_):
        descriptor = fonts_[name].get_object().get("/FontDescriptor")
        if descriptor is not None:
            files.append(descriptor.get_object()["/FontFile2"].get_object().get_data())
    return files


def test_bills_of_different_customers_embed_the_same_font_subsets(november_bill, meter, pdf_tools):
    first = bill_pdf(november_bill.account, NOV)[1]
    customer = november_bill.account.customer
    customer.last_name, customer.first_name = "Щукина-Юдашкина", "Эльвира"
    customer.save()
    november_bill.account.premise.address = "г. Тольятти, Приморский б-р, д. 45, кв. 7"
    november_bill.account.premise.save()
    second = bill_pdf(november_bill.account, NOV)[1]
    assert "Щукина-Юдашкина Эльвира" in pdf_text(second) and "Приморский" in pdf_text(second)
    assert len(_font_files(first)) == 2  # regular and bold
    assert _font_files(first) == _font_files(second)


def test_a_character_beyond_the_usual_alphabet_is_printed_too(november_bill, pdf_tools):
    customer = november_bill.account.customer
    customer.last_name = "Ковальчук-Їжакевич"  # Ukrainian Ї: not in fonts.ALPHABET
    customer.save()
    assert "Ї" not in fonts.ALPHABET
    text = pdf_text(bill_pdf(november_bill.account, NOV)[1])
    assert "Ковальчук-Їжакевич" in text
    # and the next bill, without it, is drawn with the shared subsets again
    customer.last_name = "Ковальчук"
    customer.save()
    assert "Ковальчук Тест" in pdf_text(bill_pdf(november_bill.account, NOV)[1])


def test_printing_many_bills_at_once_gives_each_account_its_own_bill_in_three_queries(
    meter, close, pdf_tools, django_assert_num_queries
):
    from customers.models import Account
    from documents.services import bill_pdfs
    from tests.factories import MeterFactory, history

    other = MeterFactory(account__number="6300000102")
    history(other, {"total": 5_000})
    add_submission(meter, dt.date(2026, 11, 20), {"total": 11_450}, state=Reading.State.ACCEPTED)
    close("2026-11")
    unbilled = MeterFactory(account__number="6300000103").account  # opened after the close: no bill
    accounts = list(
        Account.objects.filter(pk__in=[meter.account_id, other.account_id, unbilled.pk])
        .select_related("customer", "premise")
        .order_by("number")
    )
    with django_assert_num_queries(3):
        made = list(bill_pdfs(NOV, accounts))
    assert [(account.number, name) for account, name, _pdf in made] == [
        ("6300000101", "kvitanciya-6300000101-2026-11.pdf"),
        ("6300000102", "kvitanciya-6300000102-2026-11.pdf"),
    ]
    for account, _name, pdf in made:
        assert pdf_text(pdf) == pdf_text(bill_pdf(account, NOV)[1])
    assert "11200 11450 250" in " ".join(pdf_text(made[0][2]).split())
    assert "11450" not in pdf_text(made[1][2])
