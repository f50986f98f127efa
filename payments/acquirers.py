"""Acquirers: one small base class, a local test acquirer (the embedded default) and YooKassa.

``acquirer()`` returns the one chosen by ``PAYMENTS_ACQUIRER``. Card data never reaches our
servers: the customer types it on the acquirer's page (for the local one, a page that stands in
for the bank's and keeps only the outcome) and we learn the result from a notification.
"""

from __future__ import annotations

import abc
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.module_loading import import_string

from core.money import kopecks

log = logging.getLogger(__name__)


class AcquirerError(Exception):
    """The acquirer could not be reached or refused the request; safe to retry with the same key."""


class NotificationRejected(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Notification:
    provider_payment_id: str
    status: str  # succeeded / canceled / pending (the acquirer's word, mapped to ours)
    amount: Decimal
    card_token: str = ""


@dataclass(frozen=True)
class Charge:
    provider_payment_id: str
    status: str


class Acquirer(abc.ABC):
    code = ""

    @abc.abstractmethod
    def create_payment(
        self, *, idempotence_key: str, amount: Decimal, description: str, return_url: str, metadata: dict[str, str]
    ) -> tuple[str, str]:
        """Register a payment; returns (provider payment id, URL of the page where the customer pays)."""

    @abc.abstractmethod
    def parse_notification(self, *, body: bytes, headers: dict[str, str], remote_addr: str) -> Notification:
        """Authenticate a server-to-server notification; raises NotificationRejected."""

    @abc.abstractmethod
    def fetch_status(self, provider_payment_id: str) -> Notification:
        """The payment's state as the acquirer has it now (when a notification is late)."""

    @abc.abstractmethod
    def charge_saved_card(
        self, *, card_token: str, idempotence_key: str, amount: Decimal, description: str, metadata: dict[str, str]
    ) -> Charge:
        """Charge a card saved at the acquirer (autopay), without the customer."""


def acquirer(code: str | None = None) -> Acquirer:
    code = code or settings.PAYMENTS_ACQUIRER
    path = settings.PAYMENTS_ACQUIRERS.get(code)
    # The local test acquirer exists only where it is the configured one: its card page and its
    # notifications (signed with a test secret) must not be reachable beside a real acquirer.
    if path is None or (code == LocalAcquirer.code and settings.PAYMENTS_ACQUIRER != code):
        raise NotificationRejected(404, f"unknown acquirer {code!r}")
    return import_string(path)()


def _amount(value: Any) -> Decimal:
    try:
        return kopecks(Decimal(str(value)))
    except (InvalidOperation, ValueError) as exc:
        raise NotificationRejected(400, "malformed amount") from exc


# --- The local test acquirer ---------------------------------------------------------------------

TEST_CARDS = {
    "4111111111111111": "success",
    "4000000000000002": "declined",
    "4000000000003220": "3ds",
}
TEST_3DS_CODE = "12345"


def sign(body: bytes, secret: str | None = None) -> str:
    key = (secret if secret is not None else settings.PAYMENTS_LOCAL_SECRET).encode()
    return hmac.new(key, body, hashlib.sha256).hexdigest()


class LocalAcquirer(Acquirer):
    """Stands in for a bank: a hosted card page under /pay/test-acquirer/<id>/ and signed notifications."""

    code = "local"

    def create_payment(self, *, idempotence_key, amount, description, return_url, metadata):
        from .models import LocalAcquirerPayment

        row, _ = LocalAcquirerPayment.objects.get_or_create(
            idempotence_key=idempotence_key,
            defaults={
                "id": "tp_" + uuid.uuid4().hex,
                "amount": kopecks(amount),
                "description": description[:200],
                "return_url": return_url,
                "metadata": metadata,
            },
        )
        # The card page is served by this same site: the origin the customer returns to.
        origin = urlsplit(return_url)
        return row.id, f"{origin.scheme}://{origin.netloc}" + reverse("payments:test_acquirer", args=[row.id])

    def parse_notification(self, *, body, headers, remote_addr):
        given = headers.get("X-Signature", "")
        if not given or not hmac.compare_digest(given, sign(body)):
            raise NotificationRejected(403, "invalid signature")
        try:
            data = json.loads(body)
            return Notification(
                provider_payment_id=str(data["id"]),
                status=str(data["status"]),
                amount=_amount(data["amount"]),
                card_token=str(data.get("card_token", "")),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise NotificationRejected(400, "malformed notification") from exc

    def fetch_status(self, provider_payment_id):
        from .models import LocalAcquirerPayment

        row = LocalAcquirerPayment.objects.get(pk=provider_payment_id)
        return Notification(row.id, row.status, row.amount, row.card_token)

    def charge_saved_card(self, *, card_token, idempotence_key, amount, description, metadata):
        from .models import LocalAcquirerPayment

        known = LocalAcquirerPayment.objects.filter(card_token=card_token, status="succeeded").exists()
        row, _ = LocalAcquirerPayment.objects.get_or_create(
            idempotence_key=idempotence_key,
            defaults={
                "id": "tp_" + uuid.uuid4().hex,
                "amount": kopecks(amount),
                "description": description[:200],
                "return_url": settings.SITE_URL,
                "metadata": metadata,
                "status": "succeeded" if known else "canceled",
                "card_token": card_token if known else "",
            },
        )
        return Charge(row.id, row.status)

    # The bank's side: what its card page does with what the customer typed.
    @staticmethod
    def outcome_for_card(number: str) -> str:
        return TEST_CARDS.get("".join(ch for ch in number if ch.isdigit()), "declined")

    @staticmethod
    def finish(row: Any, status: str, card_last4: str = "") -> None:
        """Record the outcome and notify the shop, signed, server to server (after the bank's commit)."""
        row.status = status
        row.card_last4 = card_last4
        if status == "succeeded" and not row.card_token and row.metadata.get("save_card"):
            row.card_token = "card_" + secrets.token_hex(12)
        row.save(update_fields=["status", "card_last4", "card_token"])
        body = json.dumps(
            {"id": row.id, "status": status, "amount": str(row.amount), "card_token": row.card_token}
        ).encode()
        transaction.on_commit(lambda: deliver_local_notification(body))


def deliver_local_notification(body: bytes) -> None:
    """POST to PAYMENTS_LOCAL_NOTIFY_URL when set (a real HTTP hop); otherwise hand the same signed
    bytes to the endpoint's handler in-process (a bare machine with a single-threaded server)."""
    headers = {"X-Signature": sign(body), "Content-Type": "application/json"}
    url = settings.PAYMENTS_LOCAL_NOTIFY_URL
    if url:
        try:
            requests.post(url, data=body, headers=headers, timeout=10)
        except requests.RequestException as exc:
            # A lost notification: the return page asks the acquirer for the status instead.
            log.warning("local acquirer notification not delivered: %s", exc)
        return
    from .services import receive_notification

    try:
        receive_notification(provider="local", body=body, headers=headers, remote_addr="127.0.0.1")
    except NotificationRejected:
        pass  # logged by the service, as the HTTP endpoint would


# --- YooKassa (production adapter) -----------------------------------------------------------------

YOOKASSA_STATUS = {
    "succeeded": "succeeded",
    "canceled": "canceled",
    "pending": "pending",
    "waiting_for_capture": "pending",
}


class YooKassaAcquirer(Acquirer):
    """YooKassa API v3: POST /v3/payments with Idempotence-Key and Basic auth (shop id : secret key).

    A notification is never trusted by its body: it must come from YooKassa's published address
    ranges (``PAYMENTS_YOOKASSA_ALLOWED_IPS``) and its status and amount are read back with
    GET /v3/payments/{id}.
    """

    code = "yookassa"

    def __init__(self) -> None:
        self.base = settings.PAYMENTS_YOOKASSA_URL.rstrip("/")
        self.auth = (settings.PAYMENTS_YOOKASSA_SHOP_ID, settings.PAYMENTS_YOOKASSA_SECRET)
        self.timeout = settings.PAYMENTS_HTTP_TIMEOUT

    def _request(self, method: str, path: str, *, key: str | None = None, payload: dict | None = None) -> dict:
        headers = {"Idempotence-Key": key} if key else {}
        try:
            response = requests.request(
                method, self.base + path, json=payload, headers=headers, auth=self.auth, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise AcquirerError(str(exc)) from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise AcquirerError(f"YooKassa {response.status_code}")
        if response.status_code >= 400:
            raise AcquirerError(f"YooKassa refused: {response.status_code} {response.text[:200]}")
        return response.json()

    def create_payment(self, *, idempotence_key, amount, description, return_url, metadata):
        data = self._request(
            "POST",
            "/payments",
            key=idempotence_key,
            payload={
                "amount": {"value": f"{kopecks(amount):.2f}", "currency": "RUB"},
                "capture": True,
                "confirmation": {"type": "redirect", "return_url": return_url},
                "description": description[:128],
                "metadata": metadata,
                "save_payment_method": bool(metadata.get("save_card")),
            },
        )
        return data["id"], data["confirmation"]["confirmation_url"]

    def _allowed(self, remote_addr: str) -> bool:
        try:
            address = ipaddress.ip_address(remote_addr)
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(net) for net in settings.PAYMENTS_YOOKASSA_ALLOWED_IPS)

    def parse_notification(self, *, body, headers, remote_addr):
        if not self._allowed(remote_addr):
            raise NotificationRejected(403, f"address {remote_addr} is not YooKassa's")
        try:
            payment_id = str(json.loads(body)["object"]["id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise NotificationRejected(400, "malformed notification") from exc
        try:
            return self.fetch_status(payment_id)
        except AcquirerError as exc:
            raise NotificationRejected(503, f"cannot verify with YooKassa: {exc}") from exc

    def fetch_status(self, provider_payment_id):
        data = self._request("GET", f"/payments/{provider_payment_id}")
        method = data.get("payment_method") or {}
        return Notification(
            provider_payment_id=str(data["id"]),
            status=YOOKASSA_STATUS.get(data["status"], "pending"),
            amount=_amount(data["amount"]["value"]),
            card_token=str(method.get("id", "")) if method.get("saved") else "",
        )

    def charge_saved_card(self, *, card_token, idempotence_key, amount, description, metadata):
        data = self._request(
            "POST",
            "/payments",
            key=idempotence_key,
            payload={
                "amount": {"value": f"{kopecks(amount):.2f}", "currency": "RUB"},
                "capture": True,
                "payment_method_id": card_token,
                "description": description[:128],
                "metadata": metadata,
            },
        )
        return Charge(data["id"], YOOKASSA_STATUS.get(data["status"], "pending"))
