"""One-time SMS codes: issue and verify, the same rules for every flow that uses them.

A code is stored as HMAC-SHA256 under the project's secret key (never in clear), lives
``OTP_TTL_SECONDS``, is spent by the first right answer and dies after ``OTP_MAX_ATTEMPTS``
wrong ones. A new code for the same phone and purpose waits ``OTP_RESEND_SECONDS`` and at most
``OTP_PER_HOUR`` are sent an hour; issuing one retires the previous one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core import ratelimit
from core.errors import DomainError
from notifications.services import send_sms

from .models import OneTimeCode

CODE_TEXTS = {  # translated when sent
    OneTimeCode.Purpose.REGISTER: gettext_noop(
        "Код для регистрации в личном кабинете: %(code)s. Никому его не сообщайте."
    ),
    OneTimeCode.Purpose.LOGIN: gettext_noop("Код для входа в личный кабинет: %(code)s. Никому его не сообщайте."),
    OneTimeCode.Purpose.RECOVER: gettext_noop("Код для восстановления пароля: %(code)s. Никому его не сообщайте."),
    OneTimeCode.Purpose.CHANGE_PHONE: gettext_noop("Код для подтверждения номера: %(code)s. Никому его не сообщайте."),
}


def _hash(purpose: str, phone: str, code: str) -> str:
    message = f"{purpose}:{phone}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def issue_code(*, purpose: str, phone: str) -> None:
    """Send a fresh code to ``phone``; refuses while the resend pause or the hourly limit lasts."""
    now = timezone.now()
    with transaction.atomic():
        last = OneTimeCode.objects.filter(phone=phone, purpose=purpose).order_by("-created_at").first()
        if last is not None:
            wait = int((last.created_at + dt.timedelta(seconds=settings.OTP_RESEND_SECONDS) - now).total_seconds())
            if wait > 0:
                raise DomainError(
                    "code_resend_too_soon",
                    _("Новый код можно запросить через %(seconds)s с.") % {"seconds": wait},
                    retry_after=wait,
                )
        if ratelimit.limit_exceeded("otp-phone", phone, limit=settings.OTP_PER_HOUR):
            raise DomainError(
                "code_limit", _("Слишком много кодов за последний час. Попробуйте через час."), retry_after=3600
            )
        ratelimit.hit("otp-phone", phone, window=3600)
        OneTimeCode.objects.filter(phone=phone, purpose=purpose, used_at__isnull=True).update(used_at=now)
        code = "".join(secrets.choice("0123456789") for _ in range(settings.OTP_LENGTH))
        OneTimeCode.objects.create(
            purpose=purpose,
            phone=phone,
            code_hash=_hash(purpose, phone, code),
            expires_at=now + dt.timedelta(seconds=settings.OTP_TTL_SECONDS),
        )
        send_sms(phone, _(CODE_TEXTS[OneTimeCode.Purpose(purpose)]) % {"code": code})


def verify_code(*, purpose: str, phone: str, code: str) -> None:
    """Spend the current code if ``code`` is right; otherwise count the try and explain.

    The count of wrong tries is committed before the refusal is raised, so it cannot be rolled back.
    """
    now = timezone.now()
    error: DomainError | None = None
    with transaction.atomic():
        current = (
            OneTimeCode.objects.select_for_update()
            .filter(phone=phone, purpose=purpose, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if current is None:
            error = DomainError("code_invalid", _("Неверный код."), field="code")
        elif current.expires_at <= now:
            error = DomainError("code_expired", _("Срок действия кода истёк. Запросите новый код."), field="code")
        elif current.attempts >= settings.OTP_MAX_ATTEMPTS:
            error = _too_many()
        elif not hmac.compare_digest(current.code_hash, _hash(purpose, phone, (code or "").strip())):
            current.attempts += 1
            current.save(update_fields=["attempts"])
            left = settings.OTP_MAX_ATTEMPTS - current.attempts
            error = (
                _too_many()
                if left <= 0
                else DomainError(
                    "code_invalid", _("Неверный код. Осталось попыток: %(left)s.") % {"left": left}, field="code"
                )
            )
        else:
            current.used_at = now
            current.save(update_fields=["used_at"])
    if error is not None:
        raise error


def _too_many() -> DomainError:
    return DomainError("code_attempts", _("Код введён неверно слишком много раз. Запросите новый код."), field="code")
