from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.forms import DateField
from identity.forms import PhoneField
from metering.models import Reading
from portal.forms import ReadingsForm

from .models import ReadingImport


class StaffReadingsForm(ReadingsForm):
    """The portal's readings form (a field per zone) plus the day the customer read the meter."""

    taken_on = DateField(label=gettext_lazy("Дата снятия показаний"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["taken_on"].initial = timezone.localdate()
        self.fields["confirm_implausible"].label = _("Абонент подтвердил показания: расход действительно такой")
        self.order_fields([*self.meter.zones, "taken_on", "confirm_implausible"])


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Файл CSV"),
        help_text=gettext_lazy(
            "Колонки: account;serial;date;values[;confirm]. Показания зон — через «/» в порядке зон счётчика; "
            "confirm=1 — контролёр подтвердил необычный расход. UTF-8 или Windows-1251."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Откуда показания"), choices=ReadingImport.CHANNELS, initial=Reading.Source.INSPECTOR
    )


class PhoneForm(forms.Form):
    phone = PhoneField(
        label=gettext_lazy("Телефон"), help_text=gettext_lazy("В любом написании: 8 (999) 000-00-01, +7 999 000 00 01…")
    )
