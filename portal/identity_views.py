"""Registration by phone and password recovery: forms in, identity services called, errors shown."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from core import ratelimit
from core.errors import DomainError
from identity import services
from identity.phones import normalize_phone

from .forms import AccountNumberField

REGISTER_PER_IP_HOUR = 20
PASSWORD_HELP = gettext_lazy(
    "Не короче 10 символов; не из списка распространённых паролей; не только цифры; не похож на номер телефона."
)


class PhoneField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", gettext_lazy("Мобильный телефон"))
        kwargs.setdefault("max_length", 24)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "placeholder": "+7 999 123-45-67"}),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        try:
            return normalize_phone(value)
        except DomainError as error:
            raise forms.ValidationError(error.message, code=error.code) from None


class NewPasswordMixin(forms.Form):
    password1 = forms.CharField(
        label=gettext_lazy("Пароль"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=PASSWORD_HELP,
    )
    password2 = forms.CharField(
        label=gettext_lazy("Пароль ещё раз"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("Пароли не совпадают."))
        return data


class RegisterForm(NewPasswordMixin):
    phone = PhoneField()
    accept_terms = forms.BooleanField(required=False, label=gettext_lazy("Принимаю пользовательское соглашение"))
    accept_personal_data = forms.BooleanField(
        required=False, label=gettext_lazy("Даю согласие на обработку персональных данных")
    )
    field_order = ["phone", "password1", "password2", "accept_terms", "accept_personal_data"]


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Код из SMS"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class PhoneForm(forms.Form):
    phone = PhoneField()


class ResetForm(CodeForm, NewPasswordMixin):
    pass


class AccountNumberForm(forms.Form):
    number = AccountNumberField()


def _apply(form: forms.Form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _ip_limited(request: HttpRequest, form: forms.Form) -> bool:
    ip = request.META.get("REMOTE_ADDR", "")
    if ratelimit.hit("identity-ip", ip, window=3600) > REGISTER_PER_IP_HOUR:
        form.add_error(None, _("Слишком много запросов с вашего адреса. Попробуйте через час."))
        return True
    return False


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and not _ip_limited(request, form):
        try:
            services.start_registration(
                phone=form.cleaned_data["phone"],
                password=form.cleaned_data["password1"],
                accept_terms=form.cleaned_data["accept_terms"],
                accept_personal_data=form.cleaned_data["accept_personal_data"],
            )
        except DomainError as error:
            _apply(form, error)
        else:
            request.session["register_phone"] = form.cleaned_data["phone"]
            return redirect("portal:register_confirm")
    return render(request, "portal/register.html", {"form": form})


@require_http_methods(["GET", "POST"])
def register_confirm(request: HttpRequest) -> HttpResponse:
    phone = request.session.get("register_phone")
    if not phone:
        return redirect("portal:register")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.confirm_registration(phone=phone, code=form.cleaned_data["code"])
        except DomainError as error:
            _apply(form, error)
        else:
            del request.session["register_phone"]
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Телефон подтверждён, добро пожаловать в личный кабинет."))
            return redirect("portal:home")
    return render(request, "portal/code.html", {"form": form, "title": _("Подтверждение телефона"), "phone": phone})


@require_http_methods(["GET", "POST"])
def forgot_password(request: HttpRequest) -> HttpResponse:
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and not _ip_limited(request, form):
        try:
            services.start_recovery(phone=form.cleaned_data["phone"])
        except DomainError as error:
            _apply(form, error)
        else:
            request.session["recover_phone"] = form.cleaned_data["phone"]
            return redirect("portal:reset_password")
    return render(request, "portal/forgot.html", {"form": form})


@require_http_methods(["GET", "POST"])
def reset_password(request: HttpRequest) -> HttpResponse:
    phone = request.session.get("recover_phone")
    if not phone:
        return redirect("portal:forgot_password")
    form = ResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.finish_recovery(
                phone=phone, code=form.cleaned_data["code"], password=form.cleaned_data["password1"]
            )
        except DomainError as error:
            _apply(form, error)
        else:
            del request.session["recover_phone"]
            messages.success(request, _("Пароль изменён. Войдите с новым паролем."))
            return redirect("portal:login")
    return render(request, "portal/code.html", {"form": form, "title": _("Новый пароль"), "phone": phone})


@require_http_methods(["GET", "POST"])
def code_login(request: HttpRequest) -> HttpResponse:
    """Quick login, step 1: the account number; a code goes to the holder's phone."""
    form = AccountNumberForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and not _ip_limited(request, form):
        try:
            services.start_code_login(account_number=form.cleaned_data["number"])
        except DomainError as error:
            _apply(form, error)
        else:
            request.session["code_login_account"] = form.cleaned_data["number"]
            return redirect("portal:code_login_confirm")
    return render(request, "portal/code_login.html", {"form": form})


@require_http_methods(["GET", "POST"])
def code_login_confirm(request: HttpRequest) -> HttpResponse:
    number = request.session.get("code_login_account")
    if not number:
        return redirect("portal:code_login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.finish_code_login(account_number=number, code=form.cleaned_data["code"])
        except DomainError as error:
            _apply(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")  # rotates the session
            return redirect("portal:account", number=number)
    return render(
        request,
        "portal/code.html",
        {
            "form": form,
            "title": _("Вход по коду из SMS"),
            "notice": _(
                "Если лицевой счёт %(number)s подключён к кабинету, код отправлен на телефон владельца. Код действует 5 минут."
            )
            % {"number": number},
        },
    )
