"""The API's test fixtures: a client that speaks JSON with a bearer token, another customer's data."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from api.services import create_token
from billing.services import post_adjustment
from tests.factories import AccountFactory, MeterFactory, UserFactory, history, link


class Api:
    """JSON requests to /api/v1/ through Django's test client, with a token unless told otherwise."""

    def __init__(self, client: Client, token: str | None = None) -> None:
        self.client = client
        self.token = token

    def _headers(self, headers: dict[str, str] | None, key: str | None) -> dict[str, str]:
        extra = {}
        if self.token:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {self.token}"
        if key:
            extra["HTTP_IDEMPOTENCY_KEY"] = key
        for name, value in (headers or {}).items():
            extra["HTTP_" + name.upper().replace("-", "_")] = value
        return extra

    def get(self, path: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None):
        return self.client.get("/api/v1" + path, params or {}, **self._headers(headers, None))

    def post(
        self,
        path: str,
        data: Any = None,
        *,
        key: str | None = None,
        auto_key: bool = True,
        headers: dict[str, str] | None = None,
    ):
        key = key or (str(uuid.uuid4()) if auto_key else None)
        body = "" if data is None else json.dumps(data)
        return self.client.post("/api/v1" + path, body, content_type="application/json", **self._headers(headers, key))

    def post_form(
        self, path: str, data: dict[str, Any], *, key: str | None = None, headers: dict[str, str] | None = None
    ):
        """multipart/form-data, as an app uploading files sends it (lists repeat the name)."""
        key = key or str(uuid.uuid4())
        return self.client.post("/api/v1" + path, data, **self._headers(headers, key))

    def put(self, path: str, data: Any, *, key: str | None = None, headers: dict[str, str] | None = None):
        key = key or str(uuid.uuid4())
        return self.client.put(
            "/api/v1" + path, json.dumps(data), content_type="application/json", **self._headers(headers, key)
        )

    def delete(self, path: str, *, key: str | None = None, headers: dict[str, str] | None = None):
        return self.client.delete("/api/v1" + path, **self._headers(headers, key))


@pytest.fixture
def write_token(customer):
    return create_token(user=customer, name="Умный дом", scope="write").raw


@pytest.fixture
def read_token(customer):
    return create_token(user=customer, name="Панель", scope="read").raw


@pytest.fixture
def api(client, write_token, meter, today):
    """The customer (account 6300000101, single-rate meter, last 11 200 on 20.10.2026) with a write token."""
    return Api(client, write_token)


@pytest.fixture
def reader(read_token, meter, today):
    return Api(Client(), read_token)


@pytest.fixture
def anonymous(db):
    return Api(Client())


@pytest.fixture
def meter_url(meter):
    return f"/accounts/6300000101/meters/{meter.pk}/"


@pytest.fixture
def stranger(db, today):
    """Another customer with an account (debt 500,00 ₽), a day/night meter with history and a payment."""
    from payments.services import start_payment

    user = UserFactory(phone="+79165550000")
    account = AccountFactory(number="6300000909")
    link(user, account)
    meter = MeterFactory(account=account, scheme=2)
    history(meter, {"day": 5000, "night": 3000})
    post_adjustment(account=account, amount=Decimal("500.00"), reason="долг", actor=None, opening=True)
    payment = start_payment(user=user, amounts={account.number: Decimal("100.00")})
    user.account, user.meter, user.payment = account, meter, payment
    return user


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# Closing billing periods, as the billing tests do (norms, key rates, the clock moved to the 2nd).
from tests.billing.conftest import close, norms_and_rates  # noqa: E402, F401

# A payer with two accounts in debt (1 234,56 ₽ and 300,00 ₽), as the payment tests have.
from tests.payments.conftest import payer  # noqa: E402, F401
