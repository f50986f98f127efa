"""Who may call what: a signed-in user; a read-only token only reads; a business user sees accounts after approval."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions
from rest_framework.request import Request

from customers.selectors import awaiting_approval

from .services import TokenAuth


def is_write(request: Request, view: Any) -> bool:
    """Whether the call changes something (a preview is a POST that stores nothing: a read)."""
    return request.method not in permissions.SAFE_METHODS and not getattr(view, "read_only_action", False)


class IsSignedIn(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False  # DRF answers 401 with WWW-Authenticate
        if isinstance(request.auth, TokenAuth) and request.auth.read_only and is_write(request, view):
            raise exceptions.PermissionDenied(
                _("Этот ключ API только для чтения. Для передачи показаний и оплаты создайте ключ с правом записи."),
                code="token_read_only",
            )
        return True


class IsCustomer(IsSignedIn):
    """The default: a signed-in customer whose cabinet is open (a business user's only after approval)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        if awaiting_approval(request.user):
            raise exceptions.PermissionDenied(
                _("Заявка на доступ к личному кабинету ещё не одобрена: счета станут доступны после одобрения."),
                code="business_pending",
            )
        return True


class Anyone(permissions.AllowAny):
    """Calls without login (sign-up, login, recovery, tariffs)."""
