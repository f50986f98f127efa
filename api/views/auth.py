"""Sign-up by phone, login (session), quick login by account, password recovery, the signed-in user.

The same identity services, rate limits and answers as the portal's pages: an answer about a phone
or an account never says whether it is known. A session opened here is the app's login; requests
that change something then need the ``X-CSRFToken`` header (its value: GET /auth/csrf/).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth import login, logout
from django.middleware.csrf import get_token
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import ratelimit
from core.errors import DomainError
from identity import services as identity
from identity.backends import BACKEND
from identity.phones import mask_phone, normalize_phone
from portal.forms import LOGIN_WINDOW, PhoneLoginForm
from portal.identity_views import REGISTER_PER_IP_HOUR

from .. import serializers as s
from ..authentication import client_ip
from ..errors import ApiError
from ..idempotency import idempotent
from ..permissions import Anyone, IsSignedIn
from .base import valid

CHANNEL = "api"


def _phone(raw: str) -> str:
    return normalize_phone(raw)  # DomainError phone_invalid / phone_not_russian: 422 on "phone"


@contextmanager
def _password_field() -> Iterator[None]:
    """identity names the portal's field "password1"; here it is "password"."""
    try:
        yield
    except DomainError as error:
        if error.field == "password1":
            error.field = "password"
        raise


def _ip_guard(request: Request) -> None:
    """The portal's per-address limit on sign-up, recovery and quick login (the same counter)."""
    if ratelimit.hit("identity-ip", client_ip(request), window=3600) > REGISTER_PER_IP_HOUR:
        raise ApiError(
            429,
            "ip_limited",
            _("Слишком много запросов с вашего адреса. Попробуйте через час."),
            retry_after=3600,
        )


def _user(user: Any) -> dict[str, Any]:
    return {
        "phone": user.phone,
        "last_name": user.last_name,
        "first_name": user.first_name,
        "middle_name": user.middle_name,
        "email": user.email,
        "email_confirmed": user.email_confirmed,
        "kind": user.kind,
    }


def _session(request: Request, user: Any, *, status: int = 200) -> Response:
    login(request._request, user, backend=getattr(user, "backend", BACKEND))  # a new session and CSRF token
    data = {"user": _user(user), "csrf_token": get_token(request._request)}
    return Response(s.SessionSerializer(data).data, status=status)


def _notice(code: str, message: str, status: int = 202) -> Response:
    return Response(s.NoticeSerializer({"code": code, "message": message}).data, status=status)


class CsrfView(APIView):
    permission_classes = [Anyone]
    authentication_classes: list = []

    @extend_schema(tags=["auth"], summary=gettext_lazy("CSRF-токен для входа по сессии"), responses=s.CsrfSerializer)
    def get(self, request: Request) -> Response:
        # get_token marks the cookie for CsrfViewMiddleware to set on the response.
        return Response(s.CsrfSerializer({"csrf_token": get_token(request._request)}).data)


class LoginView(APIView):
    permission_classes = [Anyone]

    @extend_schema(
        tags=["auth"],
        summary=gettext_lazy("Вход по телефону и паролю (сессия)"),
        description=gettext_lazy(
            "Как в портале: неудачные попытки ограничены по телефону и по IP-адресу (429 login_locked). "
            "Ответ на неверный телефон и на неверный пароль один: 401 invalid_login."
        ),
        request=s.LoginRequestSerializer,
        responses={200: s.SessionSerializer},
    )
    def post(self, request: Request) -> Response:
        data = valid(s.LoginRequestSerializer, request.data)
        form = PhoneLoginForm(request._request, data={"username": data["phone"], "password": data["password"]})
        if form.is_valid():
            return _session(request, form.get_user())
        error = next(e for errors in form.errors.as_data().values() for e in errors)
        message = error.messages[0]
        if error.code == "rate_limited":
            raise ApiError(429, "login_locked", message, retry_after=LOGIN_WINDOW)
        if error.code in ("invalid_login", "inactive"):
            response = Response(s.ErrorSerializer({"code": "invalid_login", "message": message}).data, status=401)
            response["WWW-Authenticate"] = 'Bearer realm="api"'
            return response
        raise ApiError(422, error.code or "invalid_request", message, field="phone")


class LogoutView(APIView):
    permission_classes = [IsSignedIn]

    @extend_schema(tags=["auth"], summary=gettext_lazy("Выйти (закрыть сессию)"), request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        logout(request._request)
        return Response(status=204)


class RegisterView(APIView):
    permission_classes = [Anyone]

    @extend_schema(
        tags=["auth"],
        summary=gettext_lazy("Регистрация по телефону: код в SMS"),
        description=gettext_lazy(
            "Ответ один и тот же, зарегистрирован номер или нет (владельцу известного номера придёт SMS "
            "с напоминанием войти). Затем POST /auth/register/confirm/ с кодом."
        ),
        request=s.RegisterRequestSerializer,
        responses={202: s.NoticeSerializer},
    )
    @idempotent()
    def post(self, request: Request) -> Response:
        data = valid(s.RegisterRequestSerializer, request.data)
        phone = _phone(data["phone"])
        _ip_guard(request)
        with _password_field():
            identity.start_registration(
                phone=phone,
                password=data["password"],
                accept_terms=data["accept_terms"],
                accept_personal_data=data["accept_personal_data"],
            )
        return _notice(
            "code_sent",
            _("Код подтверждения отправлен в SMS на номер %(phone)s. Код действует 5 минут.")
            % {"phone": mask_phone(phone)},
        )


class RegisterConfirmView(APIView):
    permission_classes = [Anyone]

    @extend_schema(
        tags=["auth"],
        summary=gettext_lazy("Подтвердить регистрацию кодом из SMS и войти"),
        request=s.PhoneCodeSerializer,
        responses={201: s.SessionSerializer},
    )
    def post(self, request: Request) -> Response:
        data = valid(s.PhoneCodeSerializer, request.data)
        user = identity.confirm_registration(phone=_phone(data["phone"]), code=data["code"], channel=CHANNEL)
        return _session(request, user, status=201)


class CodeLoginView(APIView):
    permission_classes = [Anyone]

    @extend_schema(
        tags=["auth"],
        summary=gettext_lazy("Быстрый вход по номеру лицевого счёта: код на телефон владельца"),
        request=s.AccountNumberSerializer,
        responses={202: s.NoticeSerializer},
    )
    @idempotent()
    def post(self, request: Request) -> Response:
        number = valid(s.AccountNumberSerializer, request.data)["account_number"]
        _ip_guard(request)
        identity.start_code_login(account_number=number, ip=client_ip(request))
        return _notice(
            "code_sent",
            _(
                "Если лицевой счёт %(number)s подключён к кабинету, код отправлен на телефон владельца. Код действует 5 минут."
            )
            % {"number": number},
        )


class CodeLoginConfirmView(APIView):
    permission_classes = [Anyone]

    @extend_schema(
        tags=["auth"],
        summary=gettext_lazy("Войти кодом из SMS"),
        request=s.AccountCodeSerializer,
        responses={200: s.SessionSerializer},
    )
    def post(self, request: Request) -> Response:
        data = valid(s.AccountCodeSerializer, request.data)
        user = identity.finish_code_login(
            account_number=data["account_number"], code=data["code"], ip=client_ip(request), channel=CHANNEL
        )
        return _session(request, user)


class RecoverView(APIView):
    permission_classes = [Anyone]

    @extend_schema(
        tags=["auth"],
        summary=gettext_lazy("Восстановление пароля: код в SMS"),
        request=s.PhoneSerializer,
        responses={202: s.NoticeSerializer},
    )
    @idempotent()
    def post(self, request: Request) -> Response:
        phone = _phone(valid(s.PhoneSerializer, request.data)["phone"])
        _ip_guard(request)
        identity.start_recovery(phone=phone)
        return _notice(
            "code_sent",
            _("Если номер %(phone)s зарегистрирован, на него отправлен код. Код действует 5 минут.")
            % {"phone": mask_phone(phone)},
        )


class ResetPasswordView(APIView):
    permission_classes = [Anyone]

    @extend_schema(
        tags=["auth"],
        summary=gettext_lazy("Новый пароль по коду из SMS"),
        request=s.ResetPasswordSerializer,
        responses={200: s.NoticeSerializer},
    )
    @idempotent()
    def post(self, request: Request) -> Response:
        data = valid(s.ResetPasswordSerializer, request.data)
        with _password_field():
            identity.finish_recovery(
                phone=_phone(data["phone"]), code=data["code"], password=data["password"], channel=CHANNEL
            )
        return _notice("password_changed", _("Пароль изменён. Войдите с новым паролем."), status=200)


class MeView(APIView):
    permission_classes = [IsSignedIn]

    @extend_schema(tags=["auth"], summary=gettext_lazy("Кто я"), responses=s.UserSerializer)
    def get(self, request: Request) -> Response:
        return Response(s.UserSerializer(_user(request.user)).data)
