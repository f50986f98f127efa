"""Adding an account to the cabinet and removing it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from customers.services import link_account, unlink_account

from .forms import AccountNumberField


class LinkForm(forms.Form):
    number = AccountNumberField()
    proof = forms.CharField(
        label=gettext_lazy("Код с квитанции или номер счётчика"),
        max_length=40,
        help_text=gettext_lazy("Проверочный код напечатан внизу квитанции; заводской номер — на счётчике."),
    )
    alias = forms.CharField(label=gettext_lazy("Название (необязательно)"), max_length=60, required=False)
    group = forms.CharField(
        label=gettext_lazy("Объект недвижимости (необязательно)"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("Например, «Квартира» или «Дача»: счета одного объекта показываются вместе."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def link(request: HttpRequest) -> HttpResponse:
    form = LinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = link_account(user=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Лицевой счёт %(number)s добавлен.") % {"number": added.account.number})
            return redirect("portal:account", number=added.account.number)
    return render(request, "portal/link.html", {"form": form})


@login_required
@require_POST
def unlink(request: HttpRequest, number: str) -> HttpResponse:
    try:
        unlink_account(user=request.user, number=number)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Лицевой счёт %(number)s убран из кабинета.") % {"number": number})
    return redirect("portal:home")
