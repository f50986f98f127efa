"""The customer's profile: contact data, phone change by SMS code, password, notification channels,
e-bills per account, sessions, login history, consents, data export."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.audit import audit
from core.errors import DomainError
from customers.models import AccountLink
from customers.services import set_ebill_subscriptions
from identity import services
from identity.models import User
from notifications.models import Channel, Kind
from notifications.selectors import preferences_for
from notifications.services import set_channel_preferences

from .identity_views import CodeForm, PhoneField


class ContactForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["last_name", "first_name", "middle_name", "email"]


class ProfilePasswordForm(PasswordChangeForm):
    """Django's password change, without its autofocus: on the profile it is one form of several
    (on a phone the keyboard opened over the contact details)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].widget.attrs.pop("autofocus", None)


class PhoneChangeForm(forms.Form):
    phone = PhoneField(label=gettext_lazy("Новый номер мобильного телефона"))
    password = forms.CharField(
        label=gettext_lazy("Текущий пароль"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class NotificationChannelsForm(forms.Form):
    """One choice of channel per kind of message."""

    def __init__(self, *args, initial_channels: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for kind in Kind:
            self.fields[kind.value] = forms.ChoiceField(
                label=str(kind.label).capitalize(), choices=Channel.choices, initial=initial_channels[kind.value]
            )


class EbillForm(forms.Form):
    """A checkbox per linked account: its bills by e-mail."""

    ebill = forms.MultipleChoiceField(
        label=gettext_lazy("Квитанции по e-mail"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, links: list[AccountLink], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["ebill"]
        field.choices = [  # type: ignore[attr-defined]
            (
                link.account.number,
                " · ".join(p for p in (link.alias, link.account.number, link.account.premise.address) if p),
            )
            for link in links
        ]
        field.initial = [link.account.number for link in links if link.ebill]


def _data_for(request: HttpRequest, name: str):
    """The POST data for the form that was submitted, None for the others (they stay unbound)."""
    return request.POST if request.method == "POST" and request.POST.get("form") == name else None


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    links = list(AccountLink.objects.filter(user=user).select_related("account__premise").order_by("account__number"))
    contact = ContactForm(_data_for(request, "contact"), instance=user, prefix="contact")
    password = ProfilePasswordForm(user, _data_for(request, "password"), prefix="password")
    phone = PhoneChangeForm(_data_for(request, "phone"), prefix="phone")
    channels = NotificationChannelsForm(
        _data_for(request, "channels"), prefix="channels", initial_channels=preferences_for(user)
    )
    ebill = EbillForm(_data_for(request, "ebill"), prefix="ebill", links=links)
    if phone.is_bound and phone.is_valid():
        try:
            services.start_phone_change(
                user=user, new_phone=phone.cleaned_data["phone"], password=phone.cleaned_data["password"]
            )
        except DomainError as error:
            phone.add_error(error.field if error.field in phone.fields else None, error.message)
        else:
            request.session["phone_change"] = phone.cleaned_data["phone"]
            return redirect("portal:profile_phone_confirm")
    if channels.is_bound and channels.is_valid():
        try:
            set_channel_preferences(user=user, choices=channels.cleaned_data)
        except DomainError as error:
            channels.add_error(error.field if error.field in channels.fields else None, error.message)
        else:
            messages.success(request, _("Каналы уведомлений сохранены."))
            return redirect("portal:profile")
    if ebill.is_bound and ebill.is_valid():
        try:
            set_ebill_subscriptions(user=user, numbers=ebill.cleaned_data["ebill"])
        except DomainError as error:
            ebill.add_error("ebill", error.message)
        else:
            messages.success(request, _("Подписка на электронные квитанции сохранена."))
            return redirect("portal:profile")
    if request.method == "POST" and request.POST.get("form") == "contact" and contact.is_valid():
        user = contact.save(commit=False)
        if "email" in contact.changed_data:
            user.email_confirmed = False
        user.save()
        if "email" in contact.changed_data:
            services.request_email_confirmation(user=user)
            messages.info(request, _("На новый адрес отправлено письмо со ссылкой для подтверждения."))
        audit("user.contacts_changed", actor=user, channel="portal", obj=user, changes={"fields": contact.changed_data})
        messages.success(request, _("Данные сохранены."))
        return redirect("portal:profile")
    if request.method == "POST" and request.POST.get("form") == "password" and password.is_valid():
        password.save()
        update_session_auth_hash(request, password.user)  # other devices are signed out, this one stays
        audit("user.password_changed", actor=user, channel="portal", obj=user)
        messages.success(request, _("Пароль изменён; на других устройствах нужно войти заново."))
        return redirect("portal:profile")
    return render(
        request,
        "portal/profile.html",
        {
            "contact": contact,
            "password": password,
            "phone_form": phone,
            "channels": channels,
            "ebill": ebill,
            "has_links": bool(links),
            "consents": user.consents.order_by("accepted_at"),
            "logins": user.login_events.all()[:20],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def phone_confirm(request: HttpRequest) -> HttpResponse:
    """Second step of the phone change: the code sent to the new number."""
    new_phone = request.session.get("phone_change")
    if not new_phone:
        return redirect("portal:profile")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.confirm_phone_change(user=request.user, new_phone=new_phone, code=form.cleaned_data["code"])
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            del request.session["phone_change"]
            messages.success(request, _("Номер телефона изменён: входите с новым номером."))
            return redirect("portal:profile")
    return render(
        request,
        "portal/code.html",
        {
            "form": form,
            "title": _("Подтверждение нового номера"),
            "notice": _(
                "На номер %(phone)s отправлен код в SMS. Код действует 5 минут. Номер сменится после ввода кода."
            )
            % {"phone": new_phone},
        },
    )


@login_required
@require_POST
def end_sessions(request: HttpRequest) -> HttpResponse:
    services.end_other_sessions(user=request.user)
    update_session_auth_hash(request, request.user)
    messages.success(request, _("Вы вышли из кабинета на всех других устройствах."))
    return redirect("portal:profile")


@login_required
@require_POST
def withdraw_consent(request: HttpRequest, consent_id: int) -> HttpResponse:
    try:
        services.withdraw_consent(user=request.user, consent_id=consent_id)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Согласие отозвано."))
    return redirect("portal:profile")


@login_required
def export_data(request: HttpRequest) -> HttpResponse:
    data = services.export_personal_data(user=request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="abonent-data-{timezone.localdate():%Y-%m-%d}.json"'
    return response


def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        services.confirm_email(token=token)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Адрес e-mail подтверждён."))
    return redirect("portal:profile" if request.user.is_authenticated else "portal:login")
