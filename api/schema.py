"""The OpenAPI schema: every operation lists its JSON errors and its Idempotency-Key header.

drf-spectacular builds the schema from the views' ``extend_schema``; this AutoSchema adds what is
the same everywhere (the error responses of ``api.errors``), and the extensions describe the two
ways to authenticate.
"""

from __future__ import annotations

from typing import Any, Literal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import permissions

SUCCESS = {
    "200": _("Успешно."),
    "201": _("Создано."),
    "202": _("Принято: код отправлен в SMS (ответ тот же, если номер или счёт неизвестен)."),
    "204": _("Готово, без тела ответа."),
}
ERRORS = {
    "400": _("Запрос повреждён (не JSON) или без обязательного заголовка Idempotency-Key."),
    "401": _("Нет входа, ключ API неверен, отозван или истёк."),
    "403": _("Нет права: ключ только для чтения, нет CSRF-токена при входе по сессии, заявка не одобрена."),
    "404": _("Не найдено — или принадлежит не вам: чужой лицевой счёт, счётчик, счёт, платёж."),
    "409": _("Конфликт с текущим состоянием: например, большой расход нужно подтвердить."),
    "422": _("Данные понятны, но не приняты: код и сообщение говорят, что исправить."),
    "429": _("Слишком много запросов: повторите через Retry-After секунд."),
    "503": _("Банк или другой поставщик сейчас недоступен."),
}


class ApiAutoSchema(AutoSchema):
    def _handler(self) -> Any:
        return getattr(self.view, self.method.lower(), None)

    def _public(self) -> bool:
        return any(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions())

    def get_auth(self) -> list[Any]:
        # A public operation lists no security: a token may be sent (and a bad one still gets 401).
        return [] if self._public() else super().get_auth()

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        mode = getattr(self._handler(), "idempotency", None)
        if mode:
            parameters.append(
                OpenApiParameter(
                    "Idempotency-Key",
                    str,
                    OpenApiParameter.HEADER,
                    required=mode == "required",
                    description=_(
                        "Ключ идемпотентности (например, UUID): повтор с тем же ключом и телом вернёт первый "
                        "успешный ответ и ничего не выполнит дважды; тот же ключ с другим телом — 422."
                    ),
                )
            )
        return parameters

    def _error_codes(self) -> list[str]:
        public = self._public()
        codes = ["401", "404", "429"]
        if not (public and self.method in permissions.SAFE_METHODS):
            codes.append("403")
        if self.method not in permissions.SAFE_METHODS:
            codes += ["400", "422"]
        elif self._get_parameters():
            codes.append("422")
        return codes

    def _get_response_bodies(self, direction: Literal["request", "response"] = "response") -> dict[str, Any]:
        from .serializers import ErrorSerializer

        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code, ["application/json"], direction)
        for code, response in responses.items():
            if not response.get("description"):
                text = ERRORS.get(code) or SUCCESS.get(code)
                response["description"] = str(text) if text else ""
            if code == "429":
                response.setdefault("headers", {})["Retry-After"] = {
                    "schema": {"type": "integer"},
                    "description": str(_("Через сколько секунд повторить.")),
                }
        return responses


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "abn_…",
            "description": str(_("Личный ключ API из профиля личного кабинета: только чтение или чтение и запись.")),
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.SessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        from django.conf import settings

        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": str(_("Сессия после POST /auth/login/; изменения — с заголовком X-CSRFToken.")),
        }
