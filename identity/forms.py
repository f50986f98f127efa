"""Form fields of identity: a mobile phone as customers type it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from core.errors import DomainError

from .phones import normalize_phone


class PhoneField(forms.CharField):
    """A Russian mobile number in any usual spelling, cleaned to ``+79991234567``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", gettext_lazy("Мобильный телефон"))
        kwargs.setdefault("max_length", 24)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "placeholder": "+7 999 123-45-67"}),
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        if not value and not self.required:
            return value
        try:
            return normalize_phone(value)
        except DomainError as error:
            raise forms.ValidationError(error.message, code=error.code) from None
