"""Forms of the readings form without login."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from metering.models import Meter
from portal.forms import AccountNumberField, reading_field
from portal.identity_views import captcha_field


class AccountLookupForm(forms.Form):
    number = AccountNumberField(help_text=gettext_lazy("10 цифр, как в квитанции."))

    def __init__(self, *args: Any, captcha: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if captcha:
            self.fields["captcha"] = captcha_field()


class MeterReadingsForm(forms.Form):
    """The zones of one meter; its fields are prefixed with the meter (several meters on one page)."""

    def __init__(self, *args: Any, meter: Meter, **kwargs: Any) -> None:
        kwargs["prefix"] = f"m{meter.pk}"
        super().__init__(*args, **kwargs)
        self.meter = meter
        for zone in meter.zones:
            self.fields[zone] = reading_field(meter, zone)

    def values(self) -> dict[str, str]:
        return {zone: (self.cleaned_data.get(zone) or "").strip() for zone in self.meter.zones}

    def filled(self) -> bool:
        return any(self.values().values())

    @property
    def masked_serial(self) -> str:
        return "…" + self.meter.serial[-4:]
