"""Requests per minute through ``core.ratelimit``: per token, per session user, per IP address without login.

Windows are aligned to the clock (the counter's key carries the minute), so ``Retry-After`` is the
time until the next window opens.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from core import ratelimit

from .authentication import client_ip
from .permissions import is_write
from .services import TokenAuth

WINDOW = 60


def _limits() -> dict[str, int]:
    return {
        "read": settings.API_RATE_READ_PER_MINUTE,
        "write": settings.API_RATE_WRITE_PER_MINUTE,
        "anon": settings.API_RATE_ANON_PER_MINUTE,
    }


class ApiRateThrottle(BaseThrottle):
    def allow_request(self, request: Request, view: Any) -> bool:
        user = request.user
        if isinstance(request.auth, TokenAuth):
            ident, kind = f"token:{request.auth.id}", "write" if is_write(request, view) else "read"
        elif user is not None and user.is_authenticated:
            ident, kind = f"user:{user.pk}", "write" if is_write(request, view) else "read"
        else:
            ident, kind = f"ip:{client_ip(request)}", "anon"
        now = time.time()
        window = int(now // WINDOW)
        self.retry_after = WINDOW - (now % WINDOW)
        return ratelimit.hit(f"api-{kind}", f"{ident}:{window}", window=WINDOW) <= _limits()[kind]

    def wait(self) -> float:
        return self.retry_after
