"""Who is calling: a personal token (``Authorization: Bearer abn_…``) or the app's session.

A token request needs no CSRF token (a browser never sends one by itself); a session request that
changes something does, as in the portal. Wrong tokens are counted per IP address, so guessing one
ends in 429.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from core import ratelimit

from .services import TokenAuth, TokenRefused, authenticate_token

BAD_TOKEN_WINDOW = 600

REFUSALS = {
    "token_invalid": lambda: _("Ключ API не найден. Проверьте, что он скопирован целиком."),
    "token_revoked": lambda: _("Ключ API отозван. Создайте новый в профиле личного кабинета."),
    "token_expired": lambda: _("Срок действия ключа API истёк. Создайте новый в профиле личного кабинета."),
    "user_inactive": lambda: _("Учётная запись отключена."),
}


def client_ip(request: Any) -> str:
    return request.META.get("REMOTE_ADDR", "")


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, TokenAuth] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        keyword, _sep, raw = header.partition(" ")
        if keyword.lower() != self.keyword.lower():
            return None  # another scheme: not ours to judge (and then no session either: 401 below)
        raw = raw.strip()
        ip = client_ip(request)
        if ratelimit.limit_exceeded("api-bad-token", ip, limit=settings.API_BAD_TOKENS_PER_IP):
            raise exceptions.Throttled(wait=BAD_TOKEN_WINDOW)
        try:
            if not raw or " " in raw:
                raise TokenRefused("token_invalid")
            return authenticate_token(raw)
        except TokenRefused as refused:
            ratelimit.hit("api-bad-token", ip, window=BAD_TOKEN_WINDOW)
            raise exceptions.AuthenticationFailed(REFUSALS[refused.code](), code=refused.code) from None

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication with the CSRF refusal in Russian and with its own code."""

    def enforce_csrf(self, request: Request) -> None:
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied:
            raise exceptions.PermissionDenied(
                _(
                    "Нет CSRF-токена: при входе по сессии передавайте заголовок X-CSRFToken "
                    "со значением cookie csrftoken (GET /api/v1/auth/csrf/)."
                ),
                code="csrf_failed",
            ) from None
