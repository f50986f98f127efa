"""The profile's API keys: create one (shown once), revoke one. Served under /profile/tokens/."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError

from .models import ApiToken
from .services import EXPIRY_CHOICES_DAYS, create_token, revoke_token, tokens_for_user


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Название"),
        max_length=60,
        help_text=gettext_lazy("Для чего ключ, например «Умный дом» или «Табло на кухне»."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("Права"),
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
    )
    expires = forms.TypedChoiceField(
        label=gettext_lazy("Срок действия"),
        choices=[("", gettext_lazy("бессрочно, пока не отзовёте"))]
        + [(str(days), lazy(lambda d: _("%(days)s дней") % {"days": d}, str)(days)) for days in EXPIRY_CHOICES_DAYS],
        coerce=int,
        empty_value=None,
        required=False,
    )


def section_context(request: HttpRequest, form: TokenForm | None = None) -> dict:
    return {"tokens": tokens_for_user(request.user), "token_form": form or TokenForm(prefix="token")}


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None, prefix="token")
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = create_token(
                user=request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_in_days=form.cleaned_data["expires"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in ("name", "scope") else None, error.message)
        else:
            form = TokenForm(prefix="token")
    response = render(
        request,
        "api/tokens.html",
        {**section_context(request, form), "created": created},
        status=422 if request.method == "POST" and created is None else 200,
    )
    response["Cache-Control"] = "no-store"  # the new key is on this page once: no cache keeps it
    return response


@login_required
@require_POST
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = revoke_token(user=request.user, token_id=token_id)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Ключ «%(name)s» отозван: с ним больше нельзя войти.") % {"name": token.name})
    return redirect(reverse("portal:api_tokens"))
