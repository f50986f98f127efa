"""Counting attempts in the cache (Redis in production) to slow down guessing.

``limit_exceeded`` answers whether a key has used up its attempts in the window; callers count
only what should be limited (failed logins, sent codes) with :func:`hit`.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache


def _key(scope: str, ident: str) -> str:
    return "rl:" + scope + ":" + hashlib.sha256(ident.encode()).hexdigest()[:32]


def hit(scope: str, ident: str, *, window: int) -> int:
    key = _key(scope, ident)
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return 1


def limit_exceeded(scope: str, ident: str, *, limit: int) -> bool:
    return (cache.get(_key(scope, ident)) or 0) >= limit


def reset(scope: str, ident: str) -> None:
    cache.delete(_key(scope, ident))
