"""Personal API tokens and the remembered answers to idempotency keys."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A long-lived token a customer creates in the profile for an integration.

    Only the SHA-256 of the token is stored (the token itself is shown once, at creation); tokens
    are random 256-bit strings, so a fast hash is enough. ``prefix`` is what lists show.
    """

    class Scope(models.TextChoices):
        READ = "read", _("только чтение")
        WRITE = "write", _("чтение и передача показаний, оплата")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("название"), max_length=60)
    prefix = models.CharField(_("начало ключа"), max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("права"), max_length=10, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)
    expires_at = models.DateTimeField(_("действует до"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("последнее использование"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("отозван"), null=True, blank=True)

    class Meta:
        verbose_name = _("ключ API")
        verbose_name_plural = _("ключи API")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_active(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class IdempotencyRecord(models.Model):
    """The answer to a mutating call made with an ``Idempotency-Key``, replayed to a retry.

    One row per (owner, key): the unique constraint makes a concurrent duplicate wait for the first
    request's transaction and then find its answer. Only successful answers are kept; a refused
    request's row is removed with its answer, so the corrected request may use the key again.
    """

    owner = models.CharField(max_length=80)  # "user:<id>", or "ip:<address>" for calls without login
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of the method, path and JSON body
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    status_code = models.PositiveSmallIntegerField(default=0)
    response = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("ответ на ключ идемпотентности")
        verbose_name_plural = _("ответы на ключи идемпотентности")
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="idempotency_once_per_owner")]

    def __str__(self) -> str:
        return f"{self.owner} {self.key}"
