"""The reconciliation statement (акт сверки) as PDF and XLSX, and the money history as CSV.

CSV for Russian Excel: UTF-8 with a BOM (so Excel detects the encoding), ``;`` between fields (a
comma is the decimal separator in the Russian locale), amounts with a decimal comma and no
thousands separator, dates dd.mm.yyyy. Amounts follow the ledger's sign: + adds to the debt.
XLSX keeps amounts as numbers (Decimal -> cell value) with a "0.00" format, dates as dates.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.conf import settings
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from billing.models import LedgerEntry
from core.money import format_rub

from . import fonts
from .bill_pdf import LEFT, RIGHT, _Page
from .selectors import Statement


def _comma(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")


def _what(entry: LedgerEntry) -> str:
    text = capfirst(str(LedgerEntry.Kind(entry.kind).label))
    if entry.for_period and entry.for_period != entry.period:
        text += " " + _("за %(period)s") % {"period": entry.for_period.label}
    if entry.reason:
        text += f": {entry.reason}"
    return text


def history_csv(entries: list[LedgerEntry]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Дата"), _("Период счёта"), _("Операция"), _("Начислено"), _("Оплачено"), _("Сумма")])
    for entry in entries:
        writer.writerow(
            [
                f"{entry.posted_on:%d.%m.%Y}",
                str(entry.period),
                _what(entry),
                _comma(entry.amount) if entry.amount > 0 else "",
                _comma(-entry.amount) if entry.amount < 0 else "",
                _comma(entry.amount),
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def statement_title(statement: Statement) -> str:
    return _("Акт сверки по лицевому счёту %(number)s с %(start)s по %(end)s") % {
        "number": statement.account.number,
        "start": f"{statement.date_from:%d.%m.%Y}",
        "end": f"{statement.date_to:%d.%m.%Y}",
    }


def statement_xlsx(statement: Statement) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Акт сверки")
    bold = Font(bold=True)
    sheet.append([statement_title(statement)])
    sheet["A1"].font = bold
    sheet.append([settings.COMPANY["name"], "", statement.account.customer.display_name])
    sheet.append([])
    sheet.append([_("Дата"), _("Операция"), _("Увеличение долга"), _("Уменьшение долга")])
    for cell in sheet[4]:
        cell.font = bold
    sheet.append([_("Сальдо на начало"), "", statement.opening])
    for entry in statement.entries:
        sheet.append(
            [
                entry.posted_on,
                _what(entry),
                entry.amount if entry.amount > 0 else None,
                -entry.amount if entry.amount < 0 else None,
            ]
        )
    sheet.append([_("Обороты за период"), "", statement.debit, statement.credit])
    sheet.append([_("Сальдо на конец"), "", statement.closing])
    for row in sheet.iter_rows(min_row=5):
        row[0].number_format = "DD.MM.YYYY"
        for cell in row[2:4]:
            cell.number_format = "0.00"
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 48
    sheet.column_dimensions["C"].width = 18
    sheet.column_dimensions["D"].width = 18
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def statement_pdf(statement: Statement) -> bytes:
    fonts.register()
    company = settings.COMPANY
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setTitle(statement_title(statement))
    page = _Page(canvas)
    page.line(company["name"], size=11, bold=True)
    page.line(_("ИНН %(inn)s, КПП %(kpp)s. %(address)s") % company, size=8)
    page.y -= 6
    page.line(statement_title(statement), size=12, bold=True, gap=1.6)
    page.line(_("Абонент: %(name)s") % {"name": statement.account.customer.display_name})
    page.line(_("Адрес: %(address)s") % {"address": statement.account.premise.address})
    page.y -= 6
    debit_x, credit_x = RIGHT - 35 * 2.83, RIGHT
    page.text(LEFT, _("Дата"), size=8, bold=True)
    page.text(LEFT + 60, _("Операция"), size=8, bold=True)
    page.text(debit_x, _("Увеличение долга"), size=8, bold=True, right=True)
    page.text(credit_x, _("Уменьшение долга"), size=8, bold=True, right=True)
    page.y -= 4
    page.rule()
    page.y -= 8
    page.text(LEFT, _("Сальдо на начало: %(amount)s") % {"amount": format_rub(statement.opening)}, size=9, bold=True)
    page.y -= 13
    for entry in statement.entries:
        page.need(12)
        page.text(LEFT, f"{entry.posted_on:%d.%m.%Y}", size=8.5)
        page.text(LEFT + 60, _what(entry)[:70], size=8.5)
        if entry.amount > 0:
            page.text(debit_x, format_rub(entry.amount), size=8.5, right=True)
        else:
            page.text(credit_x, format_rub(-entry.amount), size=8.5, right=True)
        page.y -= 11
    page.rule()
    page.y -= 8
    page.text(LEFT, _("Обороты за период"), size=9, bold=True)
    page.text(debit_x, format_rub(statement.debit), size=9, bold=True, right=True)
    page.text(credit_x, format_rub(statement.credit), size=9, bold=True, right=True)
    page.y -= 14
    closing = _("Сальдо на конец: %(amount)s") % {"amount": format_rub(statement.closing)}
    page.line(closing, size=10, bold=True)
    page.line(_("Сальдо: плюс — задолженность абонента, минус — переплата (аванс)."), size=8)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
