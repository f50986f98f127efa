"""The API against its own OpenAPI schema, with schemathesis: generated requests (valid and not) to every
operation, authenticated with a write token of a demo customer on the demo data, must never get a
server error, and every answer must match the schema (status, content type, headers, body).

The demo data (``core.demo.seed_demo``: five accounts, a year of readings, six closed periods) is
seeded once per module inside a transaction that is rolled back at the end; each operation's test
runs in a savepoint inside it, as any database test does.
"""

from __future__ import annotations

import datetime as dt
import zlib
from decimal import Decimal

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test.utils import override_settings
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi import checks as openapi_checks

from tests.conftest import TODAY

DEMO_PHONE = "+79990000004"  # two accounts: a flat (single-rate) and a dacha (day/night)
EXAMPLES = 6


RAW_TOKEN = "abn_schemathesis-contract-test-token-000000000000"
# Mostly the demo customer's own ids (so the operations reach their data), sometimes what was generated.
OWN_IDS_PERCENT = 85


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    from unittest import mock

    from django.utils import timezone

    from api.models import ApiToken
    from api.services import hash_token
    from billing.models import Bill
    from core.demo import seed_demo
    from identity.models import User
    from metering.models import Meter
    from payments.services import confirm_payment, start_payment

    moment = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(12)))
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    private = tmp_path_factory.mktemp("private")
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=hashers, SERVICE_PRIVATE_ROOT=private),
        transaction.atomic(),
    ):
        with mock.patch("django.utils.timezone.now", return_value=moment):
            seed_demo(today=TODAY)
            user = User.objects.get(phone=DEMO_PHONE)
            ApiToken.objects.create(
                user=user, name="schemathesis", prefix=RAW_TOKEN[:10], token_hash=hash_token(RAW_TOKEN), scope="write"
            )
            paid = start_payment(user=user, amounts={"6300000004": Decimal("100.00")})
            confirm_payment(payment_id=paid.pk, amount=paid.amount)
            pending = start_payment(user=user, amounts={"6300000005": Decimal("50.00")})
            filed, notification = _request_and_notification(user)
        numbers = ["6300000004", "6300000005"]
        ids = {
            "number": numbers,
            "meter_id": list(Meter.objects.filter(account__number__in=numbers).values_list("pk", flat=True)),
            "period": sorted(
                {str(p) for p in Bill.objects.filter(account__number__in=numbers).values_list("period", flat=True)}
            ),
            "payment_id": [str(paid.pk), str(pending.pk)],
            "request_id": [filed.pk],
            "attachment_id": list(filed.attachments.values_list("pk", flat=True)),
            "notification_id": [notification.pk],
        }
        assert len(ids["period"]) == 6 and len(ids["meter_id"]) == 2
        yield ids
        transaction.set_rollback(True)


def _request_and_notification(user):
    """A question of the demo customer with a photo, answered by staff (so a notification too)."""
    import io

    from PIL import Image

    from identity.models import User
    from notifications.models import Notification
    from service import attachments, services

    picture = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 120, 40)).save(picture, "JPEG")
    picture.name, picture.size = "meter.jpg", len(picture.getvalue())
    filed = services.file_request(
        user=user, kind="question", subject="Вопрос", text="Почему так много?", files=[attachments.inspect(picture)]
    )
    staff = User.objects.filter(is_superuser=True).first()
    services.answer_request(request_id=filed.pk, staff=staff, text="Потому что зима.")
    return filed, Notification.objects.filter(user=user).latest("id")


@pytest.fixture
def in_test_transaction():
    """The WSGI handler closes "old" connections at each request's start and end, and a connection inside
    the test's transaction looks old to it: keep it open, as Django's test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def own_ids(case, ids: dict[str, list]) -> None:
    """Swap most generated path ids for the demo customer's own, deterministically by the generated value."""
    for name, value in list((case.path_parameters or {}).items()):
        if name in ids and zlib.crc32(repr(value).encode()) % 100 < OWN_IDS_PERCENT:
            pool = ids[name]
            case.path_parameters[name] = pool[zlib.crc32(repr(value).encode()) % len(pool)]


schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json",
    get_wsgi_application(),
    config=SchemathesisConfig.from_dict(
        # The token as the schema's bearer scheme (not a bare header): schemathesis then knows every
        # request carries real credentials, also those whose header parameters it generated itself.
        {"auth": {"openapi": {"bearerToken": {"bearer": RAW_TOKEN}}}, "generation": {"max-examples": EXAMPLES}}
    ),
)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_keeps_its_contract(case, demo, today, in_test_transaction):
    own_ids(case, demo)
    case.call_and_validate(
        checks=[
            checks.not_a_server_error,
            openapi_checks.status_code_conformance,
            openapi_checks.content_type_conformance,
            openapi_checks.response_headers_conformance,
            openapi_checks.response_schema_conformance,
            openapi_checks.negative_data_rejection,
            openapi_checks.missing_required_header,
            openapi_checks.unsupported_method,
            openapi_checks.ignored_auth,
        ]
    )
