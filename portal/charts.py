"""Monthly consumption as an inline SVG bar chart (stacked by zone): a picture without JavaScript."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core.periods import MONTHS_NOMINATIVE, Period
from metering.zones import zone_label

ZONE_COLOURS = {"total": "#2f6fb3", "day": "#f0a020", "night": "#3b4a8c", "peak": "#d0483c", "semipeak": "#f0a020"}
WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 240, 44, 36, 12


def _n(value: float) -> str:
    return f"{value:.1f}"


def consumption_chart(monthly: Sequence[tuple[Period, dict[str, int] | None]], *, zones: Sequence[str]) -> SafeString:
    peak = max((sum(v.values()) for _, v in monthly if v), default=0) or 1
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    slot = (WIDTH - PAD_LEFT) / max(len(monthly), 1)
    bar_w = slot * 0.62
    parts = []
    for index, (period, volumes) in enumerate(monthly):
        x = PAD_LEFT + index * slot + (slot - bar_w) / 2
        y = HEIGHT - PAD_BOTTOM
        month = str(MONTHS_NOMINATIVE[period.month - 1])[:3]
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle" class="axis">{}</text>',
                _n(x + bar_w / 2),
                HEIGHT - PAD_BOTTOM + 16,
                month,
            )
        )
        if not volumes:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle" class="axis">—</text>', _n(x + bar_w / 2), _n(y - 4)
                )
            )
            continue
        total = sum(volumes.values())
        for zone in zones:
            h = plot_h * volumes.get(zone, 0) / peak
            y -= h
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{} {}: {} {}</title></rect>',
                    _n(x),
                    _n(y),
                    _n(bar_w),
                    _n(h),
                    ZONE_COLOURS[zone],
                    period.label,
                    zone_label(zone),
                    volumes.get(zone, 0),
                    _("кВт·ч"),
                )
            )
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle" class="value">{}</text>', _n(x + bar_w / 2), _n(y - 4), total
            )
        )
    legend = (
        format_html_join(
            "",
            '<rect x="{}" y="{}" width="10" height="10" fill="{}"></rect><text x="{}" y="{}" class="axis">{}</text>',
            (
                (PAD_LEFT + i * 110, 0, ZONE_COLOURS[z], PAD_LEFT + i * 110 + 14, 9, zone_label(z))
                for i, z in enumerate(zones)
            ),
        )
        if len(zones) > 1
        else ""
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}">{}<line x1="{}" y1="{}" x2="{}" y2="{}" class="baseline"/>{}</svg>',
        WIDTH,
        HEIGHT,
        _("Потребление по месяцам, кВт·ч"),
        legend,
        PAD_LEFT,
        HEIGHT - PAD_BOTTOM,
        WIDTH,
        HEIGHT - PAD_BOTTOM,
        SafeString("".join(parts)),
    )
