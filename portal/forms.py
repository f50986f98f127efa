from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import ratelimit
from core.errors import DomainError
from identity.phones import normalize_phone
from metering.models import Meter
from metering.zones import zone_label

LOGIN_LIMIT = 5
LOGIN_WINDOW = 15 * 60


class AccountNumberField(forms.RegexField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", gettext_lazy("Номер лицевого счёта"))
        kwargs.setdefault("error_messages", {"invalid": gettext_lazy("Номер лицевого счёта — 10 цифр.")})
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 10})
        )
        super().__init__(r"^\d{10}$", **kwargs)


class PhoneLoginForm(AuthenticationForm):
    """Phone + password. Failed attempts are limited per phone and per IP address."""

    username = forms.CharField(
        label=gettext_lazy("Мобильный телефон"),
        widget=forms.TextInput(
            attrs={"autocomplete": "tel", "inputmode": "tel", "placeholder": "+7 999 123-45-67", "autofocus": True}
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # People type "8 (999) 000-00-01": longer than the stored +79990000001.
        self.fields["username"].max_length = 24  # type: ignore[attr-defined]
        self.fields["username"].widget.attrs["maxlength"] = 24

    def clean(self) -> dict[str, Any]:
        raw_phone = self.cleaned_data.get("username") or ""
        password = self.cleaned_data.get("password")
        ip = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        try:
            phone = normalize_phone(raw_phone)
        except DomainError as error:
            raise forms.ValidationError(error.message, code=error.code) from None
        if ratelimit.limit_exceeded("login-phone", phone, limit=LOGIN_LIMIT) or ratelimit.limit_exceeded(
            "login-ip", ip, limit=LOGIN_LIMIT * 4
        ):
            raise forms.ValidationError(
                _("Слишком много неудачных попыток входа. Попробуйте снова через %(minutes)s минут.")
                % {"minutes": LOGIN_WINDOW // 60},
                code="rate_limited",
            )
        self.user_cache = authenticate(self.request, phone=phone, password=password)
        if self.user_cache is None:
            ratelimit.hit("login-phone", phone, window=LOGIN_WINDOW)
            ratelimit.hit("login-ip", ip, window=LOGIN_WINDOW)
            raise forms.ValidationError(_("Неверный номер телефона или пароль."), code="invalid_login")
        self.confirm_login_allowed(self.user_cache)
        ratelimit.reset("login-phone", phone)
        return self.cleaned_data


def reading_field(meter: Meter, zone: str) -> forms.CharField:
    """The input of one zone's reading: digits only (the rules explain anything else), a phone's number pad."""
    return forms.CharField(
        label=zone_label(zone).capitalize() if meter.scheme > 1 else _("Показание"),
        required=False,
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9 ]*", "class": "reading-input"}
        ),
        help_text=_("Только цифры до запятой, %(digits)s разрядов") % {"digits": meter.digits},
    )


class ReadingsForm(forms.Form):
    """One field per zone of the meter, in the meter's zone order."""

    confirm_implausible = forms.BooleanField(
        required=False, label=gettext_lazy("Я проверил(а) показания: они верны, расход действительно такой")
    )

    def __init__(self, *args: Any, meter: Meter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.meter = meter
        for zone in meter.zones:
            self.fields[zone] = reading_field(meter, zone)
        # Zones first, the confirmation last.
        self.order_fields([*meter.zones, "confirm_implausible"])

    def zone_fields(self) -> list[forms.BoundField]:
        return [self[zone] for zone in self.meter.zones]

    def values(self) -> dict[str, str]:
        return {zone: self.data.get(zone, "") for zone in self.meter.zones}

    def add_domain_error(self, error: DomainError) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)
