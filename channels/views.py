"""Readings without login (``/readings/``): an account number, then the readings of its meters.

The second step shows what confirms the right account and nothing else: the masked address
(town and street) and each meter's zones with the last four characters of its serial. No name,
balance, history or preview of the consumption (the volume would tell the last reading). Every
lookup and submission counts against the visitor's address and the account number; past
``PUBLIC_FORM_CAPTCHA_AFTER`` lookups the form asks for a CAPTCHA, past the hourly limits it refuses.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core import ratelimit
from core.errors import DomainError
from metering import selectors as metering_selectors
from metering.zones import SCHEME_LABELS

from . import selectors, services
from .forms import AccountLookupForm, MeterReadingsForm

SESSION_KEY = "public_readings"
DONE_KEY = "public_readings_done"
CAPTCHA_KEY = "public_readings_captcha"
LOOKUP_TTL = 15 * 60  # seconds the second step stays open after the lookup
HOUR = 3600


def _ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _too_many() -> str:
    return _("Слишком много попыток. Попробуйте через час или передайте показания в личном кабинете.")


def _needs_captcha(request: HttpRequest) -> bool:
    return bool(request.session.get(CAPTCHA_KEY)) or ratelimit.limit_exceeded(
        "public-readings-ip", _ip(request), limit=settings.PUBLIC_FORM_CAPTCHA_AFTER
    )


@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    captcha = _needs_captcha(request)
    form = AccountLookupForm(request.POST or None, captcha=captcha)
    if request.method == "POST":
        ip = _ip(request)
        if ratelimit.limit_exceeded("public-readings-ip", ip, limit=settings.PUBLIC_FORM_PER_IP_HOUR):
            form.is_valid()
            form.add_error(None, _too_many())
        elif form.is_valid():
            number = form.cleaned_data["number"]
            found = _find(request, form, number, captcha=captcha)
            if found:
                request.session[SESSION_KEY] = {"number": number, "until": time.time() + LOOKUP_TTL, "done": []}
                request.session.pop(DONE_KEY, None)
                return redirect("channels:public_readings_meters")
            if not captcha and _needs_captcha(request):  # the next try shows the picture
                form = _with_captcha(request, form)
    return render(request, "channels/public_lookup.html", {"form": form})


def _with_captcha(request: HttpRequest, form: AccountLookupForm) -> AccountLookupForm:
    """The same form, its errors kept, now with the CAPTCHA (not asked for yet: no error on it)."""
    again = AccountLookupForm(request.POST, captcha=True)
    again.is_valid()
    again.errors.pop("captcha", None)
    for field, errors in form.errors.items():
        for error in errors:
            again.add_error(None if field == "__all__" else field, error)
    return again


def _find(request: HttpRequest, form: AccountLookupForm, number: str, *, captcha: bool) -> bool:
    if ratelimit.limit_exceeded("public-readings-account", number, limit=settings.PUBLIC_FORM_PER_ACCOUNT_HOUR):
        form.add_error(None, _too_many())
        return False
    if not captcha and ratelimit.limit_exceeded(
        "public-readings-account", number, limit=settings.PUBLIC_FORM_CAPTCHA_AFTER
    ):
        request.session[CAPTCHA_KEY] = True  # this number is being tried from many places
        form.add_error(None, _("Введите символы с картинки."))
        return False
    ratelimit.hit("public-readings-ip", _ip(request), window=HOUR)
    ratelimit.hit("public-readings-account", number, window=HOUR)
    account = selectors.account_for_public_form(number)
    if account is None:
        form.add_error("number", _("Лицевой счёт не найден или закрыт. Проверьте номер в квитанции."))
        return False
    if not selectors.active_meters(account):
        form.add_error("number", _("По этому лицевому счёту нет счётчиков, показания которых можно передать."))
        return False
    return True


def _looked_up(request: HttpRequest) -> dict[str, Any] | None:
    state = request.session.get(SESSION_KEY)
    if not state or state.get("until", 0) < time.time():
        request.session.pop(SESSION_KEY, None)
        return None
    return state


@require_http_methods(["GET", "POST"])
def meters(request: HttpRequest) -> HttpResponse:
    state = _looked_up(request)
    if state is None:
        return redirect("channels:public_readings")
    account = selectors.account_for_public_form(state["number"])
    if account is None:
        request.session.pop(SESSION_KEY, None)
        return redirect("channels:public_readings")
    done = set(state["done"])
    forms = [
        MeterReadingsForm(request.POST or None, meter=meter)
        for meter in selectors.active_meters(account)
        if meter.pk not in done
    ]
    errors: list[str] = []
    accepted: list[dict[str, str]] = []
    if request.method == "POST":
        ip = _ip(request)
        valid = all([form.is_valid() for form in forms])
        if ratelimit.hit(
            "public-readings-submit", account.number, window=HOUR
        ) > settings.PUBLIC_FORM_PER_ACCOUNT_HOUR or (
            ratelimit.hit("public-readings-ip", ip, window=HOUR) > settings.PUBLIC_FORM_PER_IP_HOUR
        ):
            errors.append(_too_many())
        elif valid and not any(form.filled() for form in forms):
            errors.append(_("Введите показания хотя бы одного счётчика."))
        elif valid:
            for form in forms:
                if not form.filled():
                    continue
                try:
                    submission = services.submit_public_readings(meter=form.meter, values=form.values(), ip=ip)
                except DomainError as error:
                    form.add_error(error.field if error.field in form.fields else None, error.message)
                    continue
                state["done"].append(form.meter.pk)
                accepted.append({"serial": form.masked_serial, "period": submission.period.label})
            request.session[DONE_KEY] = request.session.get(DONE_KEY, []) + accepted
            request.session.modified = True
            if accepted and not any(form.errors for form in forms):
                request.session.pop(SESSION_KEY, None)
                return redirect("channels:public_readings_done")
    shown = [form for form in forms if form.meter.pk not in state["done"]]
    context = {
        "address": account.premise.masked_address,
        "meters": [{"form": form, "scheme": SCHEME_LABELS[form.meter.scheme]} for form in shown],
        "errors": errors,
        "accepted": request.session.get(DONE_KEY, []),
        "window": metering_selectors.window_status(timezone.localdate()),
    }
    return render(request, "channels/public_meters.html", context)


def done(request: HttpRequest) -> HttpResponse:
    accepted = request.session.pop(DONE_KEY, None)
    if not accepted:
        return redirect("channels:public_readings")
    return render(request, "channels/public_done.html", {"accepted": accepted})
