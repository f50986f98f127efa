"""Personal API tokens: create (shown once), revoke, and look one up for a request.

A token is ``abn_`` + 43 URL-safe characters (256 random bits). The database keeps its SHA-256;
a looked-up token is cached for ``API_TOKEN_CACHE_SECONDS`` under that hash, so an API call costs
no query for authentication. Revoking a token, or any change to its user, drops the cached copy at
once. Creating and revoking are audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit
from core.errors import DomainError, NotFound

from .models import ApiToken, IdempotencyRecord

TOKEN_PREFIX = "abn_"
_CACHE_PREFIX = "api:token:"
_USED_PREFIX = "api:token-used:"
LAST_USED_EVERY = 60  # seconds: last_used_at is written at most this often per token
EXPIRY_CHOICES_DAYS = (30, 90, 365)
REVOKED = "revoked"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class CreatedToken:
    token: ApiToken
    raw: str  # the only time the token is known in clear


def create_token(*, user: Any, name: str, scope: str, expires_in_days: int | None = None) -> CreatedToken:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("token_name_required", _("Назовите ключ, например «Умный дом»."), field="name")
    if len(name) > 60:
        raise DomainError("token_name_too_long", _("Название ключа — не длиннее 60 символов."), field="name")
    if scope not in ApiToken.Scope.values:
        raise DomainError("token_scope_invalid", _("Выберите права ключа."), field="scope")
    if expires_in_days is not None and expires_in_days not in EXPIRY_CHOICES_DAYS:
        raise DomainError("token_expiry_invalid", _("Выберите срок действия ключа из списка."), field="expires")
    now = timezone.now()
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        active = ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
        if sum(1 for token in active if token.is_active(now)) >= settings.API_TOKENS_PER_USER:
            raise DomainError(
                "token_limit",
                _("У вас уже %(n)s действующих ключей: отзовите ненужные.") % {"n": settings.API_TOKENS_PER_USER},
            )
        token = ApiToken.objects.create(
            user=user,
            name=name,
            scope=scope,
            prefix=raw[: len(TOKEN_PREFIX) + 6],
            token_hash=hash_token(raw),
            expires_at=now + dt.timedelta(days=expires_in_days) if expires_in_days else None,
        )
        audit(
            "api.token_created",
            actor=user,
            channel="portal",
            obj=token,
            changes={
                "name": name,
                "scope": scope,
                "prefix": token.prefix,
                "expires_at": token.expires_at.isoformat() if token.expires_at else None,
            },
        )
    return CreatedToken(token, raw)


def revoke_token(*, user: Any, token_id: int, actor: Any = None, channel: str = "portal") -> ApiToken:
    """Revoke one of the user's tokens; from the next request on it gets 401.

    ``actor`` is who did it when not the owner (staff in the back office, for a leaked key)."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(user=user, pk=token_id, revoked_at__isnull=True).first()
        if token is None:
            raise NotFound("token_not_found", _("Такого действующего ключа нет."))
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit(
            "api.token_revoked",
            actor=actor or user,
            channel=channel,
            obj=token,
            changes={"prefix": token.prefix, "owner": user.pk},
        )
        transaction.on_commit(lambda: _mark_revoked(token.token_hash))
    _mark_revoked(token.token_hash)  # and at once: refusing it a moment before the commit is harmless
    return token


def _mark_revoked(digest: str) -> None:
    # A tombstone, not a delete: a request that read the token just before the revocation stores
    # its copy with cache.add, which a tombstone blocks.
    cache.set(_CACHE_PREFIX + digest, REVOKED, timeout=settings.API_TOKEN_CACHE_SECONDS)


def tokens_for_user(user: Any) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at", "-id"))


# --- Authentication -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenAuth:
    """What a request authenticated by a token carries as ``request.auth``."""

    id: int
    scope: str
    expires_at: dt.datetime | None

    @property
    def read_only(self) -> bool:
        return self.scope == ApiToken.Scope.READ


class TokenRefused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code  # token_invalid, token_revoked, token_expired, user_inactive


def authenticate_token(raw: str) -> tuple[Any, TokenAuth]:
    """The user and the token's scope for a presented token; raises TokenRefused."""
    digest = hash_token(raw)
    cached = cache.get(_CACHE_PREFIX + digest)
    if cached == REVOKED:
        raise TokenRefused("token_revoked")
    if cached is None:
        token = ApiToken.objects.select_related("user").filter(token_hash=digest).first()
        if token is None:
            raise TokenRefused("token_invalid")
        if token.revoked_at is not None:
            raise TokenRefused("token_revoked")
        cached = (TokenAuth(token.pk, token.scope, token.expires_at), token.user)
        cache.add(_CACHE_PREFIX + digest, cached, timeout=settings.API_TOKEN_CACHE_SECONDS)
    auth, user = cached
    now = timezone.now()
    if auth.expires_at is not None and auth.expires_at <= now:
        raise TokenRefused("token_expired")
    if not user.is_active:
        raise TokenRefused("user_inactive")
    if cache.add(_USED_PREFIX + str(auth.id), 1, timeout=LAST_USED_EVERY):
        ApiToken.objects.filter(pk=auth.id).update(last_used_at=now)
    return user, auth


def forget_cached_tokens(user_id: int) -> None:
    """Drop the user's cached tokens (the user was changed: deactivated, renamed, a new password)."""
    hashes = ApiToken.objects.filter(user_id=user_id, revoked_at__isnull=True).values_list("token_hash", flat=True)
    cache.delete_many([_CACHE_PREFIX + digest for digest in hashes])


# --- Idempotency records ------------------------------------------------------------------------


def purge_idempotency_records(*, now: dt.datetime | None = None) -> int:
    """Forget answers older than ``API_IDEMPOTENCY_TTL_HOURS``; returns how many."""
    since = (now or timezone.now()) - dt.timedelta(hours=settings.API_IDEMPOTENCY_TTL_HOURS)
    deleted, _detail = IdempotencyRecord.objects.filter(created_at__lt=since).delete()
    return deleted
