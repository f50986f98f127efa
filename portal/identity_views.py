"""Sign-up (by phone, by account, business customers), password recovery and quick login:
forms in, identity and customers services called, errors shown next to their fields."""

from __future__ import annotations

from captcha.fields import CaptchaField, CaptchaTextInput
from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.validators import RegexValidator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from core import ratelimit
from core.errors import DomainError
from customers import selectors as customer_selectors
from customers import services as customer_services
from identity import services
from identity.backends import BACKEND
from identity.forms import PhoneField
from identity.models import User

from .forms import AccountNumberField

REGISTER_PER_IP_HOUR = 20
PASSWORD_HELP = gettext_lazy(
    "Не короче 10 символов; не из списка распространённых паролей; не только цифры; не похож на номер телефона."
)


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


class CaptchaWidget(CaptchaTextInput):
    template_name = "portal/widgets/captcha.html"


def captcha_field() -> CaptchaField:
    return CaptchaField(
        label=gettext_lazy("Символы с картинки"),
        help_text=gettext_lazy(
            "Защита от подбора: введите символы с картинки, регистр не важен. Не читается — обновите страницу."
        ),
        error_messages={
            "invalid": gettext_lazy("Символы с картинки введены неверно. Введите символы с новой картинки."),
            "required": gettext_lazy("Введите символы с картинки."),
            "incomplete": gettext_lazy("Введите символы с картинки."),
        },
        widget=CaptchaWidget(),
    )


name_validator = RegexValidator(
    r"^[^\W\d_]+(?:[ '’\-][^\W\d_]+)*$",
    gettext_lazy("Только буквы; между частями допускаются пробел, дефис и апостроф."),
)


def name_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=150, validators=[name_validator], widget=forms.TextInput(attrs={"autocomplete": "off"})
    )


class SignUpMixin(NewPasswordMixin):
    """What every sign-up flow asks besides its own proof: person, contacts, password, consents, CAPTCHA."""

    last_name = name_field(gettext_lazy("Фамилия"))
    first_name = name_field(gettext_lazy("Имя"))
    email = forms.EmailField(
        label=gettext_lazy("E-mail"),
        max_length=254,
        error_messages={"invalid": gettext_lazy("Укажите адрес e-mail, например ivanov@example.ru.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=gettext_lazy("На него придёт ссылка для подтверждения; туда же — квитанции, если захотите."),
    )
    phone = PhoneField(help_text=gettext_lazy("На него придёт SMS с кодом подтверждения."))
    accept_terms = forms.BooleanField(required=False, label=gettext_lazy("Принимаю пользовательское соглашение"))
    accept_personal_data = forms.BooleanField(
        required=False, label=gettext_lazy("Даю согласие на обработку персональных данных")
    )
    captcha = captcha_field()

    def sign_up_data(self) -> dict:
        data = self.cleaned_data
        return {
            "phone": data["phone"],
            "password": data["password1"],
            "last_name": data["last_name"],
            "first_name": data["first_name"],
            "email": data["email"],
            "accept_terms": data["accept_terms"],
            "accept_personal_data": data["accept_personal_data"],
        }


SIGN_UP_FIELDS = [
    "last_name", "first_name", "email", "phone", "password1", "password2", "accept_terms", "accept_personal_data",
    "captcha",
]  # fmt: skip


class AccountRegisterForm(SignUpMixin):
    district_code = forms.RegexField(
        label=gettext_lazy("Код района"),
        regex=r"^\s*\d{1,4}\s*$",
        error_messages={"invalid": gettext_lazy("Код района — от 1 до 4 цифр, как в квитанции.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 4}),
        help_text=gettext_lazy("Напечатан в квитанции рядом с номером лицевого счёта."),
    )
    number = AccountNumberField()
    bill_code = forms.CharField(
        label=gettext_lazy("Проверочный код с квитанции"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=gettext_lazy("Напечатан внизу квитанции."),
    )
    field_order = ["district_code", "number", "bill_code", *SIGN_UP_FIELDS]


class BusinessRegisterForm(SignUpMixin):
    organization = forms.CharField(label=gettext_lazy("Организация"), max_length=255)
    inn = forms.CharField(
        label=gettext_lazy("ИНН"),
        max_length=14,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=gettext_lazy("10 цифр у организации, 12 — у индивидуального предпринимателя."),
    )
    kpp = forms.CharField(
        label=gettext_lazy("КПП"),
        max_length=11,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=gettext_lazy("9 цифр; у индивидуального предпринимателя не заполняется."),
    )
    contract_number = forms.CharField(label=gettext_lazy("Номер договора энергоснабжения"), max_length=30)
    field_order = ["organization", "inn", "kpp", "contract_number", *SIGN_UP_FIELDS]

    def clean(self):
        data = super().clean()
        if not any(name in self.errors for name in ("organization", "inn", "kpp", "contract_number")):
            try:
                data["details"] = customer_services.check_business_details(
                    organization=data.get("organization", ""),
                    inn=data.get("inn", ""),
                    kpp=data.get("kpp", ""),
                    contract_number=data.get("contract_number", ""),
                )
            except DomainError as error:
                _apply(self, error)
        return data


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


def _ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _ip_limited(request: HttpRequest, form: forms.Form) -> bool:
    if ratelimit.hit("identity-ip", _ip(request), window=3600) > REGISTER_PER_IP_HOUR:
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
            request.session.pop("register_flow", None)
            return redirect("portal:register_confirm")
    return render(request, "portal/register.html", {"form": form})


@require_http_methods(["GET", "POST"])
def register_account(request: HttpRequest) -> HttpResponse:
    """Sign-up by account: the bill proves the account, the SMS code the phone; the account is linked."""
    form = AccountRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and not _ip_limited(request, form):
        data = form.cleaned_data
        try:
            number = customer_services.start_account_registration(
                district_code=data["district_code"],
                number=data["number"],
                bill_code=data["bill_code"],
                ip=_ip(request),
                **form.sign_up_data(),
            )
        except DomainError as error:
            _apply(form, error)
        else:
            request.session["register_phone"] = data["phone"]
            request.session["register_flow"] = {"kind": "account", "number": number}
            return redirect("portal:register_confirm")
    return render(request, "portal/register_account.html", {"form": form})


@require_http_methods(["GET", "POST"])
def register_business(request: HttpRequest) -> HttpResponse:
    """Sign-up of a business customer: after the SMS code, an application waits for staff."""
    form = BusinessRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and not _ip_limited(request, form):
        try:
            details = customer_services.start_business_registration(
                details=form.cleaned_data["details"], **form.sign_up_data()
            )
        except DomainError as error:
            _apply(form, error)
        else:
            request.session["register_phone"] = form.cleaned_data["phone"]
            request.session["register_flow"] = {"kind": "business", "details": details.as_session()}
            return redirect("portal:register_confirm")
    return render(request, "portal/register_business.html", {"form": form})


def _confirm_flow(phone: str, code: str, flow: dict) -> tuple[User, str, dict]:
    """Finish whichever sign-up started this session; returns the user and where to go next."""
    if flow.get("kind") == "account":
        user = customer_services.confirm_account_registration(phone=phone, code=code, number=flow["number"])
        return user, "portal:account", {"number": flow["number"]}
    if flow.get("kind") == "business":
        details = customer_services.BusinessDetails(**flow["details"])
        user = customer_services.confirm_business_registration(phone=phone, code=code, details=details)
        return user, "portal:business_pending", {}
    return services.confirm_registration(phone=phone, code=code), "portal:home", {}


@require_http_methods(["GET", "POST"])
def register_confirm(request: HttpRequest) -> HttpResponse:
    phone = request.session.get("register_phone")
    if not phone:
        return redirect("portal:register")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, target, args = _confirm_flow(
                phone, form.cleaned_data["code"], request.session.get("register_flow") or {}
            )
        except DomainError as error:
            _apply(form, error)
        else:
            del request.session["register_phone"]
            request.session.pop("register_flow", None)
            login(request, user, backend=BACKEND)
            messages.success(request, _("Телефон подтверждён, добро пожаловать в личный кабинет."))
            return redirect(target, **args)
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
            services.start_code_login(account_number=form.cleaned_data["number"], ip=_ip(request))
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
            user = services.finish_code_login(account_number=number, code=form.cleaned_data["code"], ip=_ip(request))
        except DomainError as error:
            _apply(form, error)
        else:
            login(request, user, backend=BACKEND)  # rotates the session
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


@login_required
def business_pending(request: HttpRequest) -> HttpResponse:
    """What a business user sees until staff approve the application (or after they reject it)."""
    if not customer_selectors.awaiting_approval(request.user):
        return redirect("portal:home")
    application = customer_selectors.business_application(request.user)
    return render(request, "portal/business_pending.html", {"application": application})
