"""Unlocking a customer who locked themselves out: the rate-limit counters of their phone (and of
their user and linked accounts) that the portal's logins, SMS codes and checks keep in the cache.

The counters and their limits are the ones the portal applies (``portal.forms``, ``identity``,
``customers``); unlocking clears them all at once and leaves an audit entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import ratelimit
from core.audit import audit
from core.errors import DomainError
from customers import services as customer_services
from identity import services as identity_services
from identity.models import User
from identity.phones import mask_phone, normalize_phone
from portal import forms as portal_forms


@dataclass(frozen=True)
class Counter:
    scope: str
    key: str  # what the counter is keyed by: "phone", "user" or "account"
    label: Any

    def limit(self) -> int:
        return {
            "login-phone": portal_forms.LOGIN_LIMIT,
            "quick-login-phone": identity_services.QUICK_LOGIN_LIMIT,
            "quick-login-account": identity_services.QUICK_LOGIN_LIMIT,
            "otp-phone": settings.OTP_PER_HOUR,
            "register-account-phone": customer_services.LINK_FAILURES,
            "phone-change-user": identity_services.PHONE_CHANGE_LIMIT,
            "link-user": customer_services.LINK_FAILURES,
        }[self.scope]


COUNTERS = (
    Counter("login-phone", "phone", gettext_lazy("вход по паролю")),
    Counter("quick-login-phone", "phone", gettext_lazy("быстрый вход по коду")),
    Counter("otp-phone", "phone", gettext_lazy("SMS-коды за час")),
    Counter("register-account-phone", "phone", gettext_lazy("регистрация по лицевому счёту")),
    Counter("phone-change-user", "user", gettext_lazy("смена телефона")),
    Counter("link-user", "user", gettext_lazy("привязка лицевых счетов")),
    Counter("quick-login-account", "account", gettext_lazy("быстрый вход по счёту")),
)


@dataclass(frozen=True)
class Lock:
    counter: Counter
    ident: str
    locked: bool

    @property
    def label(self) -> str:
        if self.counter.key == "account":
            return f"{self.counter.label} {self.ident}"
        return str(self.counter.label)


def _idents(counter: Counter, phone: str, user: User | None, accounts: Sequence[str]) -> list[str]:
    if counter.key == "phone":
        return [phone]
    if counter.key == "user":
        return [str(user.pk)] if user is not None else []
    return list(accounts)


def locks_for(phone: str, *, user: User | None = None, accounts: Sequence[str] = ()) -> list[Lock]:
    """Every counter that applies to this phone, its user and their accounts, locked or not."""
    return [
        Lock(counter, ident, ratelimit.limit_exceeded(counter.scope, ident, limit=counter.limit()))
        for counter in COUNTERS
        for ident in _idents(counter, phone, user, accounts)
    ]


def _linked_numbers(user: User | None) -> list[str]:
    if user is None:
        return []
    return list(user.account_links.values_list("account__number", flat=True))  # type: ignore[attr-defined]


def lockouts(phone_text: str) -> tuple[str, User | None, list[Lock]]:
    phone = normalize_phone(phone_text)
    user = User.objects.filter(phone=phone).first()
    return phone, user, locks_for(phone, user=user, accounts=_linked_numbers(user))


def unlock(*, staff: Any, phone: str) -> list[str]:
    """Clear every counter of the phone; returns what was locked. Audited, also when nothing was."""
    if not (getattr(staff, "is_staff", False) and staff.has_perm("backoffice.unlock_users")):
        raise DomainError("forbidden", _("Снимать блокировку могут только сотрудники с этим правом."))
    phone, user, locks = lockouts(phone)
    for lock in locks:
        ratelimit.reset(lock.counter.scope, lock.ident)
    cleared = [lock.label for lock in locks if lock.locked]
    audit(
        "staff.user_unlocked",
        actor=staff,
        channel="backoffice",
        obj=user,
        changes={"phone": mask_phone(phone), "cleared": cleared},
    )
    return cleared
