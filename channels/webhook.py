"""``POST /sms/inbound``: the SMS gateway hands over a message from a customer's phone.

Contract (README, "SMS webhook"): body form-encoded or JSON with ``from``, ``text``,
``message_id``; header ``X-Signature`` = hex HMAC-SHA256 of the raw body under
``SMS_WEBHOOK_SECRET``. Answers ``200 {"reply": "..."}`` (the same text goes back by SMS),
``429 {"reply": ...}`` over the phone's limit, ``403`` for a bad signature and ``400`` for a
malformed body, both ``{"code": ..., "message": ...}``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.errors import DomainError
from identity.phones import normalize_phone

from .services import handle_sms

log = logging.getLogger(__name__)

MESSAGE_ID = re.compile(r"[\x21-\x7e]{1,128}")  # visible ASCII, as gateways' ids are


def signature(body: bytes, secret: str | None = None) -> str:
    """The ``X-Signature`` of a body: hex HMAC-SHA256 under the shared secret."""
    key = (secret if secret is not None else settings.SMS_WEBHOOK_SECRET).encode()
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def _error(status: int, code: str, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse(
        {"code": code, "message": message, **extra}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def _fields(request: HttpRequest) -> dict[str, Any]:
    if request.content_type == "application/json":
        data = json.loads(request.body.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return data
    return {key: request.POST.get(key) for key in request.POST}


@csrf_exempt  # server to server, authenticated by the signature
@require_POST
def sms_inbound(request: HttpRequest) -> JsonResponse:
    given = request.headers.get("X-Signature", "").strip().lower()
    if not given or not hmac.compare_digest(given, signature(request.body)):
        log.warning("inbound SMS webhook: bad signature from %s", request.META.get("REMOTE_ADDR", ""))
        return _error(403, "signature_invalid", _("Подпись запроса (X-Signature) неверна или отсутствует."))
    try:
        data = _fields(request)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _error(400, "body_invalid", _("Тело запроса — JSON-объект или форма с полями from, text, message_id."))
    for name in ("from", "text", "message_id"):
        if data.get(name) is None:
            return _error(400, "field_required", _("Не хватает поля %(field)s.") % {"field": name}, field=name)
    sender, text, message_id = data["from"], data["text"], data["message_id"]
    if (
        not isinstance(text, str)
        or isinstance(sender, bool)
        or isinstance(message_id, bool)
        or not isinstance(sender, str | int)
        or not isinstance(message_id, str | int)
    ):
        return _error(400, "field_invalid", _("Поля from, text, message_id — строки."))
    message_id = str(message_id)
    if not MESSAGE_ID.fullmatch(message_id):
        return _error(400, "field_invalid", _("message_id — от 1 до 128 видимых символов ASCII."), field="message_id")
    try:
        phone = normalize_phone(str(sender))
    except DomainError as error:
        return _error(400, error.code, error.message, field="from")
    answer = handle_sms(phone=phone, text=text, message_id=message_id)
    return JsonResponse({"reply": answer.reply}, status=answer.status, json_dumps_params={"ensure_ascii": False})
