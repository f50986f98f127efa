from decimal import Decimal

from django import template

from core.money import format_kwh, format_price, format_rub

register = template.Library()


@register.filter
def rub(amount: Decimal | None) -> str:
    return format_rub(amount)


@register.filter
def price(value: Decimal | None) -> str:
    return format_price(value)


@register.filter
def kwh(volume: int | None) -> str:
    return format_kwh(volume)


@register.filter
def absolute(amount: Decimal | None) -> Decimal | None:
    """For labels that carry the sign in words: «Переплата 120,00 ₽», not «Переплата −120,00 ₽»."""
    return None if amount is None else abs(amount)
