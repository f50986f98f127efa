"""The staff's optional second factor: a TOTP app (django-otp's TOTP device, RFC 6238).

A staff member switches it on in the back office by scanning a QR code and typing one code from the
app; from then on the back office asks for a current code after the password. Codes are checked by
django-otp (drift tolerance, no reuse of a spent code, growing pauses after wrong codes).
"""

from __future__ import annotations

import base64

from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.audit import audit
from core.errors import DomainError

from .models import User

DEVICE_NAME = "authenticator"


def confirmed_device(user: User) -> TOTPDevice | None:
    if getattr(user, "pk", None) is None:  # anonymous
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_second_factor(user: User) -> bool:
    return confirmed_device(user) is not None


def second_factor_passed(user: User) -> bool:
    """True unless the user has a TOTP device and this session has not shown a code from it."""
    if not has_second_factor(user):
        return True
    is_verified = getattr(user, "is_verified", None)  # installed by django_otp's OTPMiddleware
    return bool(is_verified and is_verified())


def secret_for_humans(device: TOTPDevice) -> str:
    """The key as authenticator apps accept it typed: base32, in groups of four."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def _clean(token: str) -> str:
    return "".join((token or "").split())


def _check(device: TOTPDevice, token: str) -> None:
    """Raise unless ``token`` is a current code of ``device``; the device must be locked for update."""
    allowed, _details = device.verify_is_allowed()
    if not allowed:
        raise DomainError(
            "totp_throttled",
            _("Слишком много неверных кодов подряд. Подождите минуту и введите новый код."),
            field="code",
        )
    if not device.verify_token(_clean(token)):
        raise DomainError(
            "totp_invalid",
            _("Неверный код из приложения. Проверьте, что время на телефоне точное, и введите новый код."),
            field="code",
        )


def start_setup(*, user: User) -> TOTPDevice:
    """The device being set up (a new secret the first time); not yet asked for at login."""
    if not user.is_staff:
        raise DomainError("totp_staff_only", _("Второй фактор доступен только сотрудникам."))
    if has_second_factor(user):
        raise DomainError("totp_enabled", _("Вход по коду из приложения уже включён."))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def _verified(*, user: User, token: str, confirmed: bool) -> TOTPDevice:
    """The user's device if ``token`` is one of its current codes.

    The check runs in its own transaction, committed before a refusal is raised, so the count of
    wrong codes (and the pause it earns) cannot be rolled back with the caller's work.
    """
    failure: DomainError | None = None
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=confirmed).first()
        if device is None:
            if confirmed:
                failure = DomainError("totp_disabled", _("Вход по коду из приложения не включён."))
            else:
                failure = DomainError("totp_no_setup", _("Начните настройку заново."))
        else:
            try:
                _check(device, token)
            except DomainError as error:
                failure = error
    if failure is not None or device is None:
        raise failure or DomainError("totp_disabled", _("Вход по коду из приложения не включён."))
    return device


def confirm_setup(*, user: User, token: str) -> TOTPDevice:
    """Switch the second factor on once a code from the freshly set up app is right."""
    device = _verified(user=user, token=token, confirmed=False)
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        audit("staff.totp_enabled", actor=user, channel="backoffice", obj=user)
    return device


def disable(*, user: User, token: str) -> None:
    """Switch it off, proved by a current code (a lost phone: another administrator deletes the device)."""
    _verified(user=user, token=token, confirmed=True)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        audit("staff.totp_disabled", actor=user, channel="backoffice", obj=user)


def verify_login(*, user: User, token: str) -> TOTPDevice:
    """The second step of the back-office login; the device returned marks the session as verified."""
    return _verified(user=user, token=token, confirmed=True)
