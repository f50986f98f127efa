"""The bill (квитанция) as an A4 PDF, drawn straight on a reportlab canvas (fast: no layout engine).

Every figure comes from the issued ``Bill`` and the ledger entries it lists (``bill_detail``);
nothing is recomputed here. The payment QR is drawn module by module from ``qr.matrix`` (segno's symbol).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from billing.models import ChargeLine
from billing.selectors import BillDetail
from core.money import format_price, format_rub
from customers.models import Account
from metering.zones import zone_label

from . import fonts, qr
from .qr import payment_text

WIDTH, HEIGHT = A4
LEFT, RIGHT, TOP, BOTTOM = 15 * mm, WIDTH - 15 * mm, HEIGHT - 15 * mm, 15 * mm
QR_SIZE = 40 * mm
QR_BORDER = 4  # the quiet zone, in modules

# Columns of the charge table: (title, right edge or left edge, aligned right?)
COLUMNS = [
    (gettext_lazy("Счётчик, зона"), LEFT, False),
    (gettext_lazy("Основание"), LEFT + 52 * mm, False),
    (gettext_lazy("Предыдущее"), LEFT + 104 * mm, True),
    (gettext_lazy("Текущее"), LEFT + 124 * mm, True),
    (gettext_lazy("кВт·ч"), LEFT + 138 * mm, True),
    (gettext_lazy("Тариф, ₽"), LEFT + 156 * mm, True),
    (gettext_lazy("Сумма"), RIGHT, True),
]


def file_name(account_number: str, period_text: str) -> str:
    return f"kvitanciya-{account_number}-{period_text}.pdf"


class _Page:
    """A cursor over the canvas that starts a new page when the bottom is reached."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.y = TOP

    def need(self, height: float) -> None:
        if self.y - height < BOTTOM:
            self.canvas.showPage()
            self.y = TOP

    def text(self, x: float, text: str, *, size: float = 9, bold: bool = False, right: bool = False) -> None:
        self.canvas.setFont(fonts.BOLD if bold else fonts.REGULAR, size)
        if right:
            self.canvas.drawRightString(x, self.y, text)
        else:
            self.canvas.drawString(x, self.y, text)

    def line(self, text: str, *, size: float = 9, bold: bool = False, gap: float = 1.35) -> None:
        self.need(size * gap)
        self.text(LEFT, text, size=size, bold=bold)
        self.y -= size * gap

    def pair(self, label: str, value: str, *, bold: bool = False, size: float = 9.5) -> None:
        self.need(size * 1.45)
        self.text(LEFT, label, size=size, bold=bold)
        self.text(RIGHT - QR_SIZE - 8 * mm, value, size=size, bold=bold, right=True)
        self.y -= size * 1.45

    def rule(self) -> None:
        self.canvas.setLineWidth(0.5)
        self.canvas.line(LEFT, self.y + 3, RIGHT, self.y + 3)
        self.y -= 4


def _basis_text(line: ChargeLine) -> str:
    text = str(ChargeLine.Basis(line.basis).label)
    if line.tier:
        text += ", " + (_("в норме") if line.tier == ChargeLine.Tier.WITHIN else _("сверх нормы"))
    return text


def _value(value: int | None) -> str:
    return "—" if value is None else str(value)


def _lines_table(page: _Page, lines: Sequence[ChargeLine]) -> None:
    page.need(24)
    for title, x, right in COLUMNS:
        page.text(x, str(title), size=8, bold=True, right=right)
    page.y -= 4
    page.rule()
    page.y -= 7
    for line in lines:
        page.need(12)
        meter = f"№ {line.meter.serial}, " if line.meter is not None else ""
        first = f"{meter}{zone_label(line.zone)}"
        if not line.whole_month:
            first += f" {line.date_from:%d.%m}–{line.date_to:%d.%m}"
        cells = [
            first,
            _basis_text(line),
            _value(line.previous_value),
            _value(line.current_value),
            str(line.volume),
            format_price(line.price),
            format_rub(line.amount),
        ]
        for (_title, x, right), cell in zip(COLUMNS, cells, strict=True):
            page.text(x, cell, size=8.5, right=right)
        page.y -= 11


def _qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """The QR as filled squares (no raster image): sharp at any zoom, and cheap to draw.

    The mask is fixed instead of scored (see ``qr.matrix``): every mask is valid and read by every
    decoder. Runs of dark modules in a row become one rectangle, written in module units under a
    scale, as integers.
    """
    rows = qr.matrix(text)
    modules = len(rows) + 2 * QR_BORDER
    cell = size / modules
    rects: list[str] = []
    for row_index, row in enumerate(rows):
        bottom = modules - QR_BORDER - row_index - 1
        rects += [f"{run.start() + QR_BORDER} {bottom} {run.end() - run.start()} 1 re" for run in _DARK.finditer(row)]
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(cell, cell)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.addLiteral("\n".join(rects) + "\nf")
    canvas.restoreState()


_DARK = re.compile("1+")


def render_bill(detail: BillDetail, account: Account) -> bytes:
    """The PDF of one issued bill; ``account`` with its customer and premise loaded."""
    fonts.register()
    bill = detail.bill
    company = settings.COMPANY
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(
        _("Счёт за %(period)s, лицевой счёт %(number)s") % {"period": bill.period.label, "number": account.number}
    )
    canvas.setAuthor(company["name"])
    page = _Page(canvas)

    page.line(company["name"], size=11, bold=True)
    page.line(_("ИНН %(inn)s, КПП %(kpp)s. %(address)s. Тел. %(phone)s") % company, size=8)
    page.line(
        _("Р/с %(account)s в %(bank_name)s, БИК %(bic)s, к/с %(corr_account)s") % company,
        size=8,
    )
    page.y -= 6
    page.line(
        _("Счёт (квитанция) № %(number)s за %(period)s") % {"number": bill.number, "period": bill.period.label},
        size=13,
        bold=True,
        gap=1.6,
    )
    customer = account.customer
    premise = account.premise
    page.pair(_("Лицевой счёт"), account.number, bold=True)
    page.pair(_("Абонент"), customer.display_name)
    page.pair(_("Адрес"), premise.address)
    page.pair(_("Проживает человек"), str(premise.residents))
    page.pair(_("Оплатить до"), f"{bill.due_on:%d.%m.%Y}", bold=True)
    qr_top = page.y + 5 * 9.5 * 1.45 + 4
    _qr(canvas, payment_text(bill, account_number=account.number), RIGHT - QR_SIZE, qr_top - QR_SIZE, QR_SIZE)
    page.y = min(page.y, qr_top - QR_SIZE) - 8

    page.line(_("Начисление за период"), size=10.5, bold=True, gap=1.7)
    if detail.charge_lines:
        _lines_table(page, detail.charge_lines)
    else:
        page.line(_("Начислений за период нет."))
    page.y -= 4
    for entry in detail.recalculations:
        label = _("Перерасчёт за %(period)s") % {"period": entry.for_period.label if entry.for_period else ""}
        page.line(f"{label}: {format_rub(entry.amount)}", size=9.5, bold=True, gap=1.6)
        _lines_table(page, list(entry.lines.all()))
        page.y -= 4

    page.y -= 4
    page.line(_("Расчёт суммы к оплате"), size=10.5, bold=True, gap=1.7)
    page.pair(_("Задолженность (+) или переплата (−) на начало периода"), format_rub(bill.opening_balance))
    page.pair(_("Начислено за период"), format_rub(bill.charged))
    page.pair(_("Перерасчёт"), format_rub(bill.recalculated))
    page.pair(_("Пени"), format_rub(bill.penalties))
    if bill.adjusted:
        page.pair(_("Корректировки"), format_rub(bill.adjusted))
    page.pair(_("Оплачено в периоде"), format_rub(-bill.paid))
    for payment in detail.payments:
        page.pair(f"    {payment.posted_on:%d.%m.%Y}", format_rub(-payment.amount), size=8.5)
    page.rule()
    if bill.closing_balance < 0:
        page.pair(_("Переплата на конец периода"), format_rub(bill.overpayment), bold=True, size=11)
        page.pair(_("Итого к оплате"), format_rub(bill.to_pay), bold=True, size=11)
    else:
        page.pair(_("Итого к оплате"), format_rub(bill.to_pay), bold=True, size=11)
    page.line(
        _("В том числе НДС %(rate)s %%: %(vat)s.") % {"rate": f"{bill.vat_rate:.0f}", "vat": format_rub(bill.vat)},
        size=8.5,
    )
    page.y -= 6
    page.line(_("Обратите внимание"), size=9.5, bold=True)
    for text in _notice(bill.due_on.strftime("%d.%m.%Y")):
        page.line(text, size=8)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _notice(due: str) -> list[str]:
    company = settings.COMPANY
    return [
        _("Оплатите до %(due)s. С 31-го дня просрочки начисляются пени: 1/300 ключевой ставки ЦБ в день,")
        % {"due": due},
        _("с 91-го дня — 1/130. Оплаты после окончания периода войдут в следующий счёт."),
        _("Передавайте показания с %(opens)s-го по %(closes)s-е число месяца: в личном кабинете, по SMS на номер")
        % {"opens": settings.READINGS_WINDOW_OPENS_DAY, "closes": settings.READINGS_WINDOW_CLOSES_DAY},
        _("%(sms)s (001#показания) или по телефону %(phone)s. Позже поданные показания учитываются")
        % {"sms": company["sms_number"], "phone": company["phone"]},
        _("в следующем периоде."),
        _("Без показаний объём начисляется по среднемесячному потреблению за последние 6 месяцев,"),
        _("не более 3 периодов подряд, затем — по нормативу потребления на проживающих (×1,5 без"),
        _("исправного счётчика). Когда показания поступят, начисление будет пересчитано."),
        _("Для оплаты отсканируйте QR-код в приложении банка: реквизиты и сумма заполнятся сами."),
    ]
