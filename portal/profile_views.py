"""The customer's profile: contact data, password, sessions, login history, consents, data export."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.audit import audit
from core.errors import DomainError
from identity import services
from identity.models import User


class ContactForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["last_name", "first_name", "middle_name", "email"]


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    contact = ContactForm(request.POST or None, instance=user, prefix="contact")
    password = PasswordChangeForm(user, request.POST or None, prefix="password")
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
            "consents": user.consents.order_by("accepted_at"),
            "logins": user.login_events.all()[:20],
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
