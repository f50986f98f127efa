"""Fiscal receipts (54-ФЗ) behind one base class, chosen by ``PAYMENTS_FISCAL``.

``LocalFiscal`` (embedded default) plays the cash register and the fiscal data operator: it
numbers the document, fills the fiscal storage number and sign and signs the whole receipt with a
test Ed25519 key. ``AtolFiscal`` is the shape of a cloud fiscal service (ATOL Online v4-like):
a token, then ``sell`` with our external id, then the report with the fiscal numbers.
"""

from __future__ import annotations

import abc
import base64
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop

# Taxation systems as fiscal services name them, and as a receipt prints them (stored in Russian,
# translated when shown).
TAXATION_LABELS = {
    "osn": gettext_noop("ОСН"),
    "usn_income": gettext_noop("УСН доход"),
    "usn_income_outcome": gettext_noop("УСН доход − расход"),
    "esn": gettext_noop("ЕСХН"),
    "patent": gettext_noop("Патент"),
}


class FiscalError(Exception):
    """The receipt is not registered yet (service down, or still processing): retry later, same id."""


@dataclass(frozen=True)
class FiscalResult:
    provider: str
    fn_number: str  # ФН: the fiscal storage's serial
    fd_number: str  # ФД: the fiscal document's number
    fiscal_sign: str  # ФП: the fiscal sign
    issued_at: dt.datetime
    signature: str = ""


class FiscalProvider(abc.ABC):
    code = ""

    @abc.abstractmethod
    def register(self, *, external_id: str, receipt: dict[str, Any]) -> FiscalResult:
        """Register the receipt with the fiscal service once per ``external_id``; its fiscal data."""


def fiscal_provider() -> FiscalProvider:
    return import_string(settings.PAYMENTS_FISCALS[settings.PAYMENTS_FISCAL])()


def canonical(receipt: dict[str, Any]) -> bytes:
    return json.dumps(receipt, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def _test_key() -> Ed25519PrivateKey:
    seed = hashlib.sha256(("abonent-fiscal-test-key:" + settings.PAYMENTS_FISCAL_KEY_SEED).encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def test_public_key() -> Ed25519PublicKey:
    return _test_key().public_key()


class LocalFiscal(FiscalProvider):
    code = "local"

    def register(self, *, external_id, receipt):
        from .models import Receipt

        issued_at = timezone.now()
        # The fiscal document number grows with each document of the storage: the receipt row's own
        # sequence number, unique even when two receipts are issued at the same moment.
        fd_number = str(Receipt.objects.values_list("pk", flat=True).get(external_id=external_id))
        fn_number = settings.PAYMENTS_FISCAL_FN_NUMBER
        payload = canonical({"receipt": receipt, "fn": fn_number, "fd": fd_number, "at": _utc(issued_at)})
        signature = _test_key().sign(payload)
        # ФП: 10 digits derived from the signature, as a fiscal storage derives it from its MAC.
        fiscal_sign = str(int.from_bytes(hashlib.sha256(signature).digest()[:8], "big") % 10**10).zfill(10)
        return FiscalResult(
            provider=self.code,
            fn_number=fn_number,
            fd_number=fd_number,
            fiscal_sign=fiscal_sign,
            issued_at=issued_at,
            signature=base64.b64encode(signature).decode(),
        )


def verify_local_signature(receipt_row: Any) -> bool:
    """Whether a local receipt's signature matches its stored fields (for tests and audits)."""
    payload = canonical(
        {
            "receipt": receipt_row.data,
            "fn": receipt_row.fn_number,
            "fd": receipt_row.fd_number,
            "at": _utc(receipt_row.issued_at),
        }
    )
    try:
        test_public_key().verify(base64.b64decode(receipt_row.signature), payload)
    except Exception:
        return False
    return True


class AtolFiscal(FiscalProvider):
    """ATOL Online-like: POST getToken {login, pass}; POST {group}/sell (Token header); GET {group}/report/{uuid}."""

    code = "atol"

    def __init__(self) -> None:
        self.base = settings.PAYMENTS_ATOL_URL.rstrip("/")
        self.group = settings.PAYMENTS_ATOL_GROUP
        self.timeout = settings.PAYMENTS_HTTP_TIMEOUT

    def _post(self, path: str, payload: dict, token: str = "") -> dict:
        try:
            response = requests.post(
                f"{self.base}/{path}", json=payload, headers={"Token": token} if token else {}, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise FiscalError(str(exc)) from exc
        if response.status_code >= 400:
            raise FiscalError(f"ATOL {path}: {response.status_code} {response.text[:200]}")
        return response.json()

    def _token(self) -> str:
        data = self._post("getToken", {"login": settings.PAYMENTS_ATOL_LOGIN, "pass": settings.PAYMENTS_ATOL_PASSWORD})
        if data.get("error") or not data.get("token"):
            raise FiscalError(f"ATOL token: {data.get('error')}")
        return str(data["token"])

    def register(self, *, external_id, receipt):
        token = self._token()
        company = receipt["company"]
        body = {
            "external_id": external_id,
            "timestamp": timezone.localtime().strftime("%d.%m.%Y %H:%M:%S"),
            "receipt": {
                "client": receipt["client"],
                "company": {
                    "email": company.get("email", ""),
                    "sno": receipt["taxation_system"],
                    "inn": company["inn"],
                    "payment_address": company["payment_address"],
                },
                "items": [
                    {
                        "name": item["name"],
                        "price": float(item["price"]),  # the service's JSON wants numbers
                        "quantity": 1,
                        "sum": float(item["sum"]),
                        "measure": 0,
                        "payment_method": item["payment_method"],
                        "payment_object": 4,  # услуга
                        "vat": {"type": item["vat_type"]},
                    }
                    for item in receipt["items"]
                ],
                "payments": [{"type": 1, "sum": float(receipt["total"])}],  # 1: electronic
                "total": float(receipt["total"]),
            },
        }
        created = self._post(f"{self.group}/sell", body, token)
        if created.get("error"):
            raise FiscalError(f"ATOL sell: {created['error']}")
        try:
            response = requests.get(
                f"{self.base}/{self.group}/report/{created['uuid']}", headers={"Token": token}, timeout=self.timeout
            )
            report = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise FiscalError(str(exc)) from exc
        if report.get("status") != "done":
            raise FiscalError(f"ATOL report: {report.get('status')}")  # "wait": the task retries
        payload = report["payload"]
        return FiscalResult(
            provider=self.code,
            fn_number=str(payload["fn_number"]),
            fd_number=str(payload["fiscal_document_number"]),
            fiscal_sign=str(payload["fiscal_document_attribute"]),
            issued_at=timezone.make_aware(dt.datetime.strptime(payload["receipt_datetime"], "%d.%m.%Y %H:%M:%S")),
        )
