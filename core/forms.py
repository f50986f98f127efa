"""Form fields every channel's forms share."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy


class DateField(forms.DateField):
    """A day picked in the browser's date input, or typed as ДД.ММ.ГГГГ.

    The input is given its value as ISO (``2026-01-01``): a date input shows a value in any other
    format, such as the locale's 01.01.2026, as an empty field.
    """

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    input_formats = ["%Y-%m-%d", "%d.%m.%Y"]

    def __init__(self, **kwargs: Any) -> None:
        kwargs["error_messages"] = {
            "invalid": gettext_lazy("Дата в виде ДД.ММ.ГГГГ."),
            **kwargs.get("error_messages", {}),
        }
        super().__init__(**kwargs)
