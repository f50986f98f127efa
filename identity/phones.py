"""Russian mobile numbers: every common spelling in, one canonical form (+7 and ten digits) out."""

import re

from django.utils.translation import gettext as _

from core.errors import DomainError

_NON_DIGITS = re.compile(r"[\s()\-.]")


def normalize_phone(text: str) -> str:
    """``8 (999) 000-00-01``, ``+7 999 000 00 01``, ``9990000001`` -> ``+79990000001``."""
    raw = _NON_DIGITS.sub("", text or "")
    if raw.startswith("+"):
        raw = raw[1:]
        if not raw.startswith("7"):
            raise DomainError(
                "phone_not_russian", _("Укажите российский номер мобильного телефона (+7)."), field="phone"
            )
    if not raw.isdigit():
        raise DomainError("phone_invalid", _("Номер телефона может содержать только цифры."), field="phone")
    if len(raw) == 11 and raw[0] in "78":
        raw = raw[1:]
    if len(raw) != 10 or raw[0] != "9":
        raise DomainError(
            "phone_invalid",
            _("Укажите номер мобильного телефона из 10 цифр после +7, например +7 999 123-45-67."),
            field="phone",
        )
    return "+7" + raw


def mask_phone(phone: str) -> str:
    """For logs and public pages: +7 999 ***-**-01."""
    if len(phone) != 12:
        return "***"
    return f"{phone[:2]} {phone[2:5]} ***-**-{phone[-2:]}"
