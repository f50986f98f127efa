"""Login history: every sign-in and every failed password for a known phone."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from .models import LoginEvent, User


def _record(request: Any, user: User, success: bool) -> None:
    meta = getattr(request, "META", {}) if request is not None else {}
    LoginEvent.objects.create(
        user=user, success=success, ip=meta.get("REMOTE_ADDR") or None, user_agent=meta.get("HTTP_USER_AGENT", "")[:200]
    )


@receiver(user_logged_in)
def on_login(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    _record(request, user, True)


@receiver(user_login_failed)
def on_login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    user = User.objects.filter(phone=credentials.get("phone", "")).first()
    if user is not None:
        _record(request, user, False)
