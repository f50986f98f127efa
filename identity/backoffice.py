"""The back office (Django admin at /backoffice/) with the staff's optional second factor.

Staff who switched TOTP on (``identity.totp``) log in in two steps: phone and password, then a
current code from their app. Until a session has shown the code, the back office treats it as not
logged in, also when the same person signed in to the customer portal with the password alone.
"""

from __future__ import annotations

import time
from typing import Any

import django_otp
import segno
from django import forms
from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import login as auth_login
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.decorators import method_decorator
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from core.errors import DomainError

from . import totp
from .models import User

PENDING_KEY = "backoffice_second_factor"
PENDING_SECONDS = 300  # the password step is good for five minutes


class TotpCodeForm(forms.Form):
    code = forms.RegexField(
        label=gettext_lazy("Код из приложения"),
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        error_messages={"invalid": gettext_lazy("Код — 6 цифр из приложения-аутентификатора.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}),
    )


class StaffLoginView(LoginView):
    """The admin's login view; a user with TOTP switched on is sent to the code step instead."""

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if not totp.has_second_factor(user):
            return super().form_valid(form)
        self.request.session[PENDING_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "next": self.get_success_url(),
            "until": time.time() + PENDING_SECONDS,
        }
        return HttpResponseRedirect(reverse("admin:login_code"))


class BackofficeSite(admin.AdminSite):
    site_header = "Абонент — бэк-офис"
    site_title = "Абонент"
    index_title = "Бэк-офис энергосбытовой компании"

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and totp.second_factor_passed(request.user)  # type: ignore[arg-type]

    def get_urls(self) -> list[URLPattern | URLResolver]:
        return [
            path("login/code/", self.login_code, name="login_code"),
            path("security/two-factor/", self.admin_view(self.two_factor), name="two_factor"),
            *super().get_urls(),
        ]

    @method_decorator(never_cache)
    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """Django's admin login with :class:`StaffLoginView` (same form, same template)."""
        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        from django.contrib.admin.forms import AdminAuthenticationForm

        context = {
            **self.each_context(request),
            "title": _("Вход"),
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
        }
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=self.name)
        context.update(extra_context or {})
        request.current_app = self.name
        return StaffLoginView.as_view(  # type: ignore[return-value]
            extra_context=context,
            authentication_form=self.login_form or AdminAuthenticationForm,
            template_name=self.login_template or "admin/login.html",
        )(request)

    @method_decorator(never_cache)
    def login_code(self, request: HttpRequest) -> HttpResponse:
        """Step two: a current code from the staff member's app."""
        pending: dict[str, Any] = request.session.get(PENDING_KEY) or {}
        user = None
        if pending.get("until", 0) > time.time():
            user = User.objects.filter(pk=pending["user"], is_active=True, is_staff=True).first()
        if user is None:
            request.session.pop(PENDING_KEY, None)
            messages.error(request, _("Войдите ещё раз: время на ввод кода истекло."))
            return redirect("admin:login")
        form = TotpCodeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                device = totp.verify_login(user=user, token=form.cleaned_data["code"])
            except DomainError as error:
                form.add_error("code", error.message)
            else:
                del request.session[PENDING_KEY]
                auth_login(request, user, backend=pending["backend"])
                django_otp.login(request, device)
                return HttpResponseRedirect(pending["next"])
        context = {**self.each_context(request), "title": _("Код из приложения"), "form": form}
        request.current_app = self.name
        return TemplateResponse(request, "admin/identity/login_code.html", context)

    def two_factor(self, request: HttpRequest) -> HttpResponse:
        """Switch the second factor on (QR code, then one code) or off (a current code)."""
        user: User = request.user  # type: ignore[assignment]
        enabled = totp.has_second_factor(user)
        form = TotpCodeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                if enabled:
                    totp.disable(user=user, token=form.cleaned_data["code"])
                else:
                    device = totp.confirm_setup(user=user, token=form.cleaned_data["code"])
                    django_otp.login(request, device)  # this session has just shown a code
            except DomainError as error:
                form.add_error("code", error.message)
            else:
                messages.success(
                    request,
                    _("Вход по коду из приложения выключен.")
                    if enabled
                    else _("Вход по коду из приложения включён: при следующем входе понадобится код."),
                )
                return redirect("admin:two_factor")
        context: dict[str, Any] = {
            **self.each_context(request),
            "title": _("Двухфакторная аутентификация"),
            "form": form,
            "enabled": enabled,
        }
        if not enabled:
            try:
                device = totp.start_setup(user=user)
            except DomainError as error:
                messages.error(request, error.message)
                return redirect("admin:index")
            # segno writes the SVG itself from the otpauth:// URI; nothing user-typed goes into it.
            context["qr_svg"] = mark_safe(segno.make(device.config_url, error="m").svg_inline(scale=4))
            context["secret"] = totp.secret_for_humans(device)
        request.current_app = self.name
        return TemplateResponse(request, "admin/identity/two_factor.html", context)
