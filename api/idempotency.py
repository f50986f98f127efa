"""``Idempotency-Key`` on mutating calls: a retry gets the first answer, and the work is done once.

The first request with a key inserts its ``IdempotencyRecord`` as the first statement of one
transaction that also holds the work. A concurrent duplicate's insert waits on the unique
(owner, key) index until that transaction ends, then fails and reads the stored answer. The same
key with a different method, path or body is refused (422); a successful answer is replayed with
``Idempotent-Replayed: true``. A refused request (4xx, or 503 when a provider is down) keeps no
record (what the service itself committed stays: a counted wrong code, a failed payment), so the
corrected request may use the key again; an unexpected error rolls everything back.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response

from core.errors import DomainError

from .authentication import client_ip
from .errors import ApiError
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
ANSWERS = (DomainError, APIException, Http404, PermissionDenied)
_KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")  # printable ASCII, no spaces


class _Duplicate(Exception):
    pass


def request_key(request: Request, *, required: bool) -> str | None:
    raw = request.headers.get(HEADER)
    if raw is None:
        if required:
            raise ApiError(
                400,
                "idempotency_key_required",
                _(
                    "Передайте заголовок Idempotency-Key (например, случайный UUID): повтор запроса не выполнится дважды."
                ),
                field=HEADER,
            )
        return None
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':  # the structured-field form: "8e03978e-..."
        key = key[1:-1]
    if not _KEY_RE.match(key):
        raise ApiError(
            400,
            "idempotency_key_invalid",
            _("Idempotency-Key — от 1 до 255 печатных символов ASCII без пробелов."),
            field=HEADER,
        )
    return key


def owner_of(request: Request) -> str:
    user = request.user
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_ip(request)}"


def _file_digest(upload: Any) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return "sha256:" + digest.hexdigest()


def _comparable(data: Any) -> Any:
    """A multipart body as every value of every name, each file by its content (not only its name)."""
    if not hasattr(data, "lists"):
        return data
    return {name: [_file_digest(v) if hasattr(v, "chunks") else v for v in values] for name, values in data.lists()}


def fingerprint(request: Request) -> str:
    try:
        payload = json.dumps(
            _comparable(request.data), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
        )
    except TypeError:  # pragma: no cover - JSON-parsed data always dumps
        payload = repr(request.data)
    text = f"{request.method}\n{request.get_full_path()}\n{payload}"
    return hashlib.sha256(text.encode()).hexdigest()


def _replay(record: IdempotencyRecord) -> Response:
    return Response(record.response, status=record.status_code, headers={"Idempotent-Replayed": "true"})


def run(view: Any, request: Request, call: Callable[[], Response], *, required: bool) -> Response:
    key = request_key(request, required=required)
    if key is None:
        return call()
    owner, digest = owner_of(request), fingerprint(request)
    for _attempt in range(3):  # a duplicate whose first request failed (and left no record) runs itself
        try:
            return _first(view, request, call, owner=owner, key=key, digest=digest)
        except _Duplicate:
            record = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
            if record is None:
                continue
            if record.fingerprint != digest:
                raise ApiError(
                    422,
                    "idempotency_key_reused",
                    _("Этот Idempotency-Key уже использован для другого запроса. Для нового запроса нужен новый ключ."),
                    field=HEADER,
                ) from None
            return _replay(record)
    raise ApiError(409, "idempotency_key_busy", _("Запрос с этим Idempotency-Key ещё выполняется. Повторите позже."))


def _first(view: Any, request: Request, call: Callable[[], Response], *, owner: str, key: str, digest: str) -> Response:
    with transaction.atomic():
        try:
            record = IdempotencyRecord.objects.create(
                owner=owner, key=key, fingerprint=digest, method=request.method, path=request.get_full_path()[:500]
            )
        except IntegrityError:
            raise _Duplicate from None  # leaves the transaction, which is rolled back
        try:
            response = call()
        except ANSWERS as exc:  # a refusal the view answers (4xx, or 503 from a provider): committed
            response = view.handle_exception(exc)
        # Anything else propagates: the transaction rolls back the work and the record, and DRF
        # answers 500.
        if 200 <= response.status_code < 300:
            record.status_code, record.response = response.status_code, response.data
            record.save(update_fields=["status_code", "response"])
        else:
            record.delete()
        return response


def idempotent(*, required: bool = False) -> Callable:
    """Decorate a view's ``post``/``delete``: honour ``Idempotency-Key`` (demand it when ``required``)."""

    def decorate(method: Callable) -> Callable:
        @functools.wraps(method)
        def wrapper(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
            return run(self, request, lambda: method(self, request, *args, **kwargs), required=required)

        wrapper.idempotency = "required" if required else "optional"  # type: ignore[attr-defined]
        return wrapper

    return decorate
