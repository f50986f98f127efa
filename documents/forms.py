"""Filters of the money history and the reconciliation statement; every bad input gets its own message."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DateField
from core.periods import Period

MAX_STATEMENT_DAYS = 366 * 5


class PeriodFilterForm(forms.Form):
    period_from = forms.CharField(label=_("С месяца"), required=False, widget=forms.TextInput(attrs={"type": "month"}))
    period_to = forms.CharField(label=_("По месяц"), required=False, widget=forms.TextInput(attrs={"type": "month"}))

    def _period(self, name: str) -> Period | None:
        text = (self.cleaned_data.get(name) or "").strip()
        if not text:
            return None
        try:
            return Period.parse(text)
        except ValueError:
            raise forms.ValidationError(_("Укажите месяц в виде ГГГГ-ММ, например 2026-11."), code="period") from None

    def clean_period_from(self) -> Period | None:
        return self._period("period_from")

    def clean_period_to(self) -> Period | None:
        return self._period("period_to")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        first, last = data.get("period_from"), data.get("period_to")
        if first and last and first > last:
            raise forms.ValidationError(_("Начальный месяц позже конечного: поменяйте их местами."), code="order")
        return data


class StatementForm(forms.Form):
    date_from = DateField(label=_("С"), error_messages={"required": _("Укажите начало периода.")})
    date_to = DateField(label=_("По"), error_messages={"required": _("Укажите конец периода.")})
    format = forms.ChoiceField(
        label=_("Формат"), choices=[("pdf", "PDF"), ("xlsx", "Excel (XLSX)")], initial="pdf",
        error_messages={"invalid_choice": _("Выберите формат: PDF или Excel.")},
    )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if start > end:
                raise forms.ValidationError(_("Дата начала позже даты конца."), code="order")
            if (end - start) > dt.timedelta(days=MAX_STATEMENT_DAYS):
                raise forms.ValidationError(_("Акт сверки — не более чем за 5 лет."), code="too_long")
        return data
