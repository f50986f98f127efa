"""Every API error is JSON: ``{"code": ..., "message": ..., "field": ...}``.

``code`` is stable (machines branch on it), ``message`` is Russian (people read it), ``field`` names
the input to blame where there is one (``values.day``, ``amounts[0].amount``). Domain errors keep the
service's own code and message; DRF's own refusals (validation, authentication, throttling, a missing
page, a wrong method) get codes here. Statuses: 400 a malformed request, 401 no or a bad credential,
403 a credential without the right, 404 nothing of yours there, 409 a conflict with the current state
(an implausible reading to confirm, an account already linked), 422 well-formed but refused input,
429 too many requests (with ``Retry-After``), 503 a provider we depend on is down.
"""

from __future__ import annotations

import logging
import math
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from rest_framework import exceptions
from rest_framework.response import Response

from core.errors import DomainError

log = logging.getLogger(__name__)

# Statuses for domain codes whose class does not say it (most are 422, the DomainError default).
STATUS_BY_CODE = {
    "reading_implausible": 409,
    "link_exists": 409,
    "account_not_yours": 404,
    "link_not_found": 404,
    "acquirer_unavailable": 503,
    # Limits the services keep (codes, logins, linking): 429 whether or not they carry retry_after,
    # so the status never tells a known phone from an unknown one.
    "code_resend_too_soon": 429,
    "code_limit": 429,
    "login_locked": 429,
    "link_locked": 429,
    "phone_change_locked": 429,
}


class ApiError(exceptions.APIException):
    """A refusal raised by the API layer itself, with the same shape as a domain error."""

    def __init__(self, status: int, code: str, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(detail=message, code=code)
        self.status_code = status
        self.error_code = code
        self.message = str(message)
        self.field = field
        self.details = details


def body(code: str, message: str, *, field: str | None = None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"code": code, "message": str(message)}
    if field:
        data["field"] = field
    data.update({key: value for key, value in extra.items() if value is not None})
    return data


def _plain(value: Any) -> Any:
    """A domain error's parameter as JSON: numbers and flags as they are, anything else (Decimal) as text."""
    return value if isinstance(value, bool | int | str) or value is None else str(value)


def domain_status(error: DomainError) -> int:
    if error.code in STATUS_BY_CODE:
        return STATUS_BY_CODE[error.code]
    if "retry_after" in error.params:
        return 429
    return error.status


def domain_response(error: DomainError) -> Response:
    status = domain_status(error)
    details = {key: _plain(value) for key, value in error.params.items()}
    if error.code == "reading_implausible":
        details["resend_with"] = {"confirm_implausible": True}
    headers = {}
    if status == 429:
        retry = error.params.get("retry_after") or settings.OTP_RESEND_SECONDS
        headers["Retry-After"] = str(int(retry))
    return Response(
        body(error.code, error.message, field=error.field, details=details or None), status=status, headers=headers
    )


# DRF's own messages that its Russian catalogue lacks (they would come out in English), by code.
RUSSIAN_BY_CODE = {
    "invalid": _lazy("Неверное значение: проверьте тип (строка, число, true или false), как в описании API."),
    "empty": _lazy("Значение не может быть пустым."),
    "min_length": _lazy("Слишком мало элементов."),
    "max_length": _lazy("Слишком много элементов."),
}
_CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def _russian(code: str, message: str) -> str:
    if _CYRILLIC.search(message) or translation.get_language() != "ru":
        return message
    return str(RUSSIAN_BY_CODE.get(code, RUSSIAN_BY_CODE["invalid"]))


def _item(prefix: str, error: Any) -> dict[str, Any]:
    code = getattr(error, "code", "invalid")
    return {"field": prefix or None, "code": code, "message": _russian(code, str(error))}


def _flatten(errors: Any, prefix: str = "") -> list[dict[str, Any]]:
    """DRF's nested validation errors as a flat list of {field, code, message}."""
    found: list[dict[str, Any]] = []
    if isinstance(errors, dict):
        for name, value in errors.items():
            if name in ("non_field_errors", "__all__"):
                found += _flatten(value, prefix)
            elif isinstance(name, int) or str(name).isdigit():  # an item of a list: amounts[1]
                found += _flatten(value, f"{prefix}[{name}]")
            else:
                found += _flatten(value, f"{prefix}.{name}" if prefix else str(name))
    elif isinstance(errors, list):
        if all(isinstance(item, exceptions.ErrorDetail | str) for item in errors):
            found += [_item(prefix, item) for item in errors]
        else:
            for index, item in enumerate(errors):
                found += _flatten(item, f"{prefix}[{index}]")
    else:
        found.append(_item(prefix, errors))
    return found


def _validation_response(exc: exceptions.ValidationError) -> Response:
    items = _flatten(exc.detail)
    first = items[0] if items else {"field": None, "code": "invalid", "message": _("Проверьте данные запроса.")}
    code = str(first["code"])
    if code in ("invalid", "required", "null", "blank"):  # DRF's generic codes: one of ours instead
        code = "invalid_request"
    errors = [{k: v for k, v in item.items() if v} for item in items]
    return Response(
        body(code, str(first["message"]), field=first["field"], errors=errors),
        status=422,
    )


def _status_for(exc: exceptions.APIException, view: Any = None) -> tuple[str, str]:
    """(code, Russian message) for DRF's own exceptions."""
    if isinstance(exc, exceptions.ParseError):
        return "malformed_request", _("Тело запроса — не JSON или повреждено.")
    if isinstance(exc, exceptions.NotAuthenticated):
        return "not_authenticated", _(
            "Нужен вход: передайте ключ API в заголовке Authorization: Bearer … или войдите (сессия)."
        )
    if isinstance(exc, exceptions.NotFound):
        return "not_found", _("Не найдено.")
    if isinstance(exc, exceptions.MethodNotAllowed):
        return "method_not_allowed", _("Этот метод здесь не поддерживается.")
    if isinstance(exc, exceptions.NotAcceptable):
        return "not_acceptable", _("Ответ бывает только в формате application/json.")
    if isinstance(exc, exceptions.UnsupportedMediaType):
        if view is not None and any(p.media_type.startswith("multipart/") for p in view.get_parsers()):
            return "unsupported_media_type", _(
                "Отправляйте тело запроса в формате application/json или, с файлами, multipart/form-data."
            )
        return "unsupported_media_type", _("Отправляйте тело запроса в формате application/json.")
    if isinstance(exc, exceptions.Throttled):
        wait = math.ceil(exc.wait or 1)
        return "rate_limited", _("Слишком много запросов. Повторите через %(seconds)s с.") % {"seconds": wait}
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else "error"
    return code, str(exc.detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every error as JSON, nothing as an HTML page."""
    if isinstance(exc, DomainError):
        return domain_response(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, SuspiciousOperation):
        return Response(body("bad_request", _("Запрос отклонён.")), status=400)
    if isinstance(exc, ApiError):
        headers = {}
        if exc.status_code == 429:
            headers["Retry-After"] = str(int(exc.details.get("retry_after") or 60))
        return Response(
            body(exc.error_code, exc.message, field=exc.field, details=exc.details or None),
            status=exc.status_code,
            headers=headers,
        )
    if isinstance(exc, exceptions.ValidationError):
        return _validation_response(exc)
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
        if isinstance(exc, exceptions.Throttled):
            headers["Retry-After"] = str(math.ceil(exc.wait or 1))
        code, message = _status_for(exc, context.get("view"))
        return Response(body(code, message), status=exc.status_code, headers=headers)
    view = context.get("view")
    log.exception("API error in %s", view.__class__.__name__ if view else "?", exc_info=exc)
    return Response(
        body("server_error", _("Внутренняя ошибка сервера. Повторите запрос позже.")),
        status=500,
    )
