"""SMS gateways behind one small interface, chosen by the ``SMS_BACKEND`` setting.

``LocalSmsBackend`` (embedded default and tests) keeps messages in the database and logs them,
one per ``message_id`` (as a provider de-duplicates by the Idempotency-Key);
``HttpSmsGateway`` (production) posts JSON to an SMS provider's HTTP API, signed with HMAC-SHA256
of the body under ``SMS_GATEWAY_SECRET`` in ``X-Signature``, and raises on failure so the Celery
task retries it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
import uuid
from abc import ABC, abstractmethod

from django.conf import settings
from django.utils.module_loading import import_string

from identity.phones import mask_phone

log = logging.getLogger(__name__)


class SmsDeliveryError(Exception):
    """The gateway did not take the message; worth trying again later."""


class SmsBackend(ABC):
    @abstractmethod
    def send(self, phone: str, text: str, *, message_id: str) -> None:
        """Hand one message to the gateway; raise SmsDeliveryError when it should be tried again."""


class LocalSmsBackend(SmsBackend):
    def send(self, phone: str, text: str, *, message_id: str) -> None:
        from django.db import IntegrityError, transaction

        from .models import LocalSms

        try:
            with transaction.atomic():
                _sms, created = LocalSms.objects.get_or_create(
                    message_id=message_id, defaults={"phone": phone, "text": text}
                )
        except IntegrityError:  # the same key handed over at the same moment by another worker
            created = False
        if not created:
            log.info("local SMS %s already sent; the repeat is ignored", message_id)
            return
        # Development only: the whole text, so a developer can read a code from the server log.
        log.info("local SMS to %s: %s", phone, text)


class HttpSmsGateway(SmsBackend):
    def __init__(self) -> None:
        self.url = settings.SMS_GATEWAY_URL
        self.secret = settings.SMS_GATEWAY_SECRET.encode()
        self.sender = settings.COMPANY["sms_number"]
        self.timeout = settings.SMS_GATEWAY_TIMEOUT

    def send(self, phone: str, text: str, *, message_id: str) -> None:
        body = json.dumps(
            {"id": message_id, "to": phone, "from": self.sender, "text": text}, ensure_ascii=False
        ).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "X-Signature": hmac.new(self.secret, body, hashlib.sha256).hexdigest(),
                "Idempotency-Key": message_id,  # a retried request is not sent twice by the provider
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                if not 200 <= response.status < 300:
                    raise SmsDeliveryError(f"gateway answered {response.status}")
        except (urllib.error.URLError, TimeoutError) as error:
            log.warning("SMS to %s not delivered: %s", mask_phone(phone), error)
            raise SmsDeliveryError(str(error)) from error


def backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()


def new_message_id() -> str:
    return uuid.uuid4().hex
