"""Money by month as an inline SVG: charged and paid side by side, each bar titled for screen readers."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core.money import format_rub
from core.periods import MONTHS_NOMINATIVE

from .selectors import MonthMoney

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 240, 44, 36, 24
CHARGED, PAID = "#d0483c", "#2f8f4e"


def _n(value: float) -> str:
    return f"{value:.1f}"


def money_chart(months: Sequence[MonthMoney]) -> SafeString:
    peak = float(max((max(m.charged, m.paid) for m in months), default=0)) or 1.0
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    slot = (WIDTH - PAD_LEFT) / max(len(months), 1)
    bar_w = slot * 0.34
    parts = [
        format_html(
            '<rect x="{}" y="2" width="10" height="10" fill="{}"></rect><text x="{}" y="11" class="axis">{}</text>'
            '<rect x="{}" y="2" width="10" height="10" fill="{}"></rect><text x="{}" y="11" class="axis">{}</text>',
            PAD_LEFT,
            CHARGED,
            PAD_LEFT + 14,
            _("начислено"),
            PAD_LEFT + 120,
            PAID,
            PAD_LEFT + 134,
            _("оплачено"),
        )
    ]
    for index, month in enumerate(months):
        x = PAD_LEFT + index * slot + slot * 0.14
        label = str(MONTHS_NOMINATIVE[month.period.month - 1])[:3]
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle" class="axis">{}</text>',
                _n(x + bar_w),
                HEIGHT - PAD_BOTTOM + 16,
                label,
            )
        )
        for offset, amount, colour, what in (
            (0.0, month.charged, CHARGED, _("начислено")),
            (bar_w, month.paid, PAID, _("оплачено")),
        ):
            h = plot_h * float(amount) / peak
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}, {}: {}</title></rect>',
                    _n(x + offset),
                    _n(HEIGHT - PAD_BOTTOM - h),
                    _n(bar_w),
                    _n(h),
                    colour,
                    month.period.label,
                    what,
                    format_rub(amount),
                )
            )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}"><title>{}</title>{}'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" class="baseline"/></svg>',
        WIDTH,
        HEIGHT,
        _("Начислено и оплачено по месяцам, ₽"),
        _("Начислено и оплачено по месяцам, ₽"),
        SafeString("".join(parts)),
        PAD_LEFT,
        HEIGHT - PAD_BOTTOM,
        WIDTH,
        HEIGHT - PAD_BOTTOM,
    )
