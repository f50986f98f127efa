from decimal import Decimal

from django import template

from core.money import format_kwh, format_rub

register = template.Library()


@register.filter
def rub(amount: Decimal | None) -> str:
    return format_rub(amount)


@register.filter
def kwh(volume: int | None) -> str:
    return format_kwh(volume)
