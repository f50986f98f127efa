"""One-time SMS codes: issue and verify, the same rules for every flow that uses them.

A code is stored as HMAC-SHA256 under the project's secret key (never in clear), lives
``OTP_TTL_SECONDS``, is spent by the first right answer and dies after ``OTP_MAX_ATTEMPTS``
wrong ones. A new code for the same phone and purpose waits ``OTP_RESEND_SECONDS`` and at most
``OTP_PER_HOUR`` are asked for an hour; issuing one retires the previous one.

The flows that must not tell a known phone or account from an unknown one (sign-up, recovery,
quick login) claim the request first (:func:`claim_code_request`: the pause and the hourly limit,
kept per key whether or not a code follows), then either send a code (:func:`send_code`) or keep a
decoy that no answer matches (:func:`issue_decoy`), so every later answer is the same too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets

from django.conf import settings
from django.core.cache import cache
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


def _asked_key(purpose: str, key: str) -> str:
    return "otp-asked:" + purpose + ":" + hashlib.sha256(key.encode()).hexdigest()[:32]


def _too_soon(wait: int) -> DomainError:
    return DomainError(
        "code_resend_too_soon",
        _("Новый код можно запросить через %(seconds)s с.") % {"seconds": wait},
        retry_after=wait,
    )


def claim_code_request(*, purpose: str, key: str, count_hour: bool = True) -> None:
    """Count one request for a code about ``key`` (a phone, or an account number for quick login).

    The flows call it before they look up who ``key`` belongs to, so its answers (the pause with
    the seconds left, the hourly limit) are the same for a known and an unknown phone or account.
    The moment of the request is kept in the cache per purpose and key; the hourly counter is the
    phone's ``otp-phone`` (the one the back office's unlock clears), counted only for phones.
    """
    pause = settings.OTP_RESEND_SECONDS
    now = timezone.now().timestamp()
    cache_key = _asked_key(purpose, key)
    asked = cache.get(cache_key)
    if asked is not None:
        wait = math.ceil(asked + pause - now)
        if wait > 0:
            raise _too_soon(wait)
    if count_hour and ratelimit.limit_exceeded("otp-phone", key, limit=settings.OTP_PER_HOUR):
        raise DomainError(
            "code_limit", _("Слишком много кодов за последний час. Попробуйте через час."), retry_after=3600
        )
    if asked is None:
        if not cache.add(cache_key, now, timeout=pause):  # a concurrent request claimed it first
            raise _too_soon(pause)
    else:  # the pause is over though the entry is still there (the clock moved): start a new one
        cache.set(cache_key, now, timeout=pause)
    if count_hour:
        ratelimit.hit("otp-phone", key, window=3600)


def send_code(*, purpose: str, phone: str) -> bool:
    """Send a fresh code to ``phone`` after :func:`claim_code_request`; retires the previous one.

    Quietly sends nothing (``False``) when a code for the same phone and purpose went out less than
    the resend pause ago: the caller has already answered as for any phone, and the phone's owner
    is not flooded through another key (quick login by each of several accounts).
    """
    now = timezone.now()
    with transaction.atomic():
        last = OneTimeCode.objects.filter(phone=phone, purpose=purpose).order_by("-created_at").first()
        if last is not None and last.created_at + dt.timedelta(seconds=settings.OTP_RESEND_SECONDS) > now:
            return False
        OneTimeCode.objects.filter(phone=phone, purpose=purpose, used_at__isnull=True).update(used_at=now)
        code = "".join(secrets.choice("0123456789") for _ in range(settings.OTP_LENGTH))
        OneTimeCode.objects.create(
            purpose=purpose,
            phone=phone,
            code_hash=_hash(purpose, phone, code),
            expires_at=now + dt.timedelta(seconds=settings.OTP_TTL_SECONDS),
        )
        send_sms(phone, _(CODE_TEXTS[OneTimeCode.Purpose(purpose)]) % {"code": code})
    return True


def issue_decoy(*, purpose: str, phone: str) -> None:
    """Where no code is sent (an unknown phone or account), keep one that no answer can match.

    Its hash is random, not of any code, so :func:`verify_code` answers a try exactly as it answers a
    wrong try at a real code: tries left, then too many, expired after the same time. ``phone`` may
    be another key of at most 12 characters (``#`` and an account number for quick login).
    """
    now = timezone.now()
    with transaction.atomic():
        OneTimeCode.objects.filter(phone=phone, purpose=purpose, used_at__isnull=True).update(used_at=now)
        OneTimeCode.objects.create(
            purpose=purpose,
            phone=phone,
            code_hash=secrets.token_hex(32),
            expires_at=now + dt.timedelta(seconds=settings.OTP_TTL_SECONDS),
        )


def issue_code(*, purpose: str, phone: str) -> None:
    """Send a fresh code to ``phone``; refuses while the resend pause or the hourly limit lasts."""
    claim_code_request(purpose=purpose, key=phone)
    send_code(purpose=purpose, phone=phone)


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
