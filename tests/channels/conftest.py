"""Shared pieces of the channel tests: a signed SMS gateway, customers with one and two accounts."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import urllib.parse

import pytest

from channels.segments import segments
from tests.factories import MeterFactory, UserFactory, history, link

SECRET = "demo-sms-secret"  # the demo/default SMS_WEBHOOK_SECRET
PHONE = "+79161234567"  # the root conftest's `customer`, linked to 6300000101 (single-rate, last 11 200)
TWO_PHONE = "+79162223344"
FLAT, DACHA = "6300000401", "6300000402"

_ids = itertools.count(1)


def sign(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Gateway:
    """Posts what the SMS gateway would post to /sms/inbound, signed, and reads the reply."""

    def __init__(self, client):
        self.client = client

    def post(self, text, *, phone=PHONE, message_id=None, as_json=True, signature=None, ip="10.1.1.1"):
        fields = {"from": phone, "text": text, "message_id": message_id or f"gw-{next(_ids)}"}
        if as_json:
            body, content_type = json.dumps(fields, ensure_ascii=False).encode(), "application/json"
        else:
            body, content_type = urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded"
        return self.raw(body, content_type=content_type, signature=signature if signature is not None else sign(body))

    def raw(self, body: bytes, *, content_type="application/json", signature: str | None = None):
        headers = {"HTTP_X_SIGNATURE": signature} if signature is not None else {}
        return self.client.post("/sms/inbound", body, content_type=content_type, **headers)

    def reply(self, text, **kwargs) -> str:
        """The reply to an accepted message; it always fits two SMS parts."""
        response = self.post(text, **kwargs)
        assert response.status_code == 200, response.content
        reply = response.json()["reply"]
        assert reply, "an empty reply"
        assert segments(reply).parts <= 2, f"{segments(reply)}: {reply}"
        return reply


@pytest.fixture
def gateway(client, send_now, today):
    return Gateway(client)


@pytest.fixture
def two_accounts(db):
    """A phone linked to a flat (day/night, last 5100/2600 on 20.10.2026) and a dacha (single-rate, 3600)."""
    user = UserFactory(phone=TWO_PHONE, last_name="Двоеточиев")
    flat = MeterFactory(account__number=FLAT, scheme=2)
    dacha = MeterFactory(account__number=DACHA)
    link(user, flat.account)
    link(user, dacha.account)
    history(flat, {"day": 4500, "night": 2000})
    history(dacha, {"total": 2400})
    user.flat, user.dacha = flat, dacha
    return user
