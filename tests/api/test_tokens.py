"""Personal API tokens: stored as a hash, shown once, scoped, revocable, expiring, audited."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.db import connection

from api.models import ApiToken
from api.services import create_token, revoke_token
from core.errors import DomainError
from core.models import AuditEntry
from customers.models import BusinessApplication
from metering.models import Reading
from tests.api.conftest import Api
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_token_authenticates_its_user(api):
    response = api.get("/me/")
    assert response.status_code == 200
    assert response.json()["phone"] == "+79161234567"


def test_only_the_sha256_of_a_token_is_stored(customer):
    created = create_token(user=customer, name="Дом", scope="read")
    token = ApiToken.objects.get()
    assert created.raw.startswith("abn_") and len(created.raw) == 47
    assert token.token_hash == hashlib.sha256(created.raw.encode()).hexdigest()
    assert created.raw.startswith(token.prefix) and len(token.prefix) == 10
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")
        row = cursor.fetchone()
    assert not any(created.raw in str(value) for value in row)


def test_creating_and_revoking_a_token_are_audited(customer):
    created = create_token(user=customer, name="Дом", scope="write", expires_in_days=90)
    revoke_token(user=customer, token_id=created.token.pk)
    entries = {e.action: e for e in AuditEntry.objects.filter(actor=customer)}
    assert entries["api.token_created"].changes["scope"] == "write"
    assert entries["api.token_created"].changes["prefix"] == created.token.prefix
    assert entries["api.token_created"].changes["expires_at"]
    assert entries["api.token_revoked"].object_id == str(created.token.pk)


def test_a_request_without_credentials_gets_401_with_the_bearer_challenge(anonymous):
    response = anonymous.get("/accounts/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["code"] == "not_authenticated"


def test_an_unknown_token_gets_401(anonymous):
    anonymous.token = "abn_" + "x" * 43
    response = anonymous.get("/accounts/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"
    assert "Ключ API не найден" in response.json()["message"]


def test_a_revoked_token_gets_401_at_once_even_after_it_was_cached(api, customer, write_token):
    assert api.get("/accounts/").status_code == 200  # now in the cache
    revoke_token(user=customer, token_id=ApiToken.objects.get(name="Умный дом").pk)
    response = api.get("/accounts/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_revoked"


def test_an_expired_token_gets_401(client, customer, meter, clock):
    clock.set(dt.date(2026, 10, 1))
    raw = create_token(user=customer, name="Месяц", scope="read", expires_in_days=30).raw
    api = Api(client, raw)
    clock.set(dt.date(2026, 10, 30))
    assert api.get("/accounts/").status_code == 200
    clock.set(dt.date(2026, 11, 1))
    response = api.get("/accounts/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"


def test_a_deactivated_users_token_stops_working(api, customer):
    assert api.get("/me/").status_code == 200
    customer.is_active = False
    customer.save()
    response = api.get("/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "user_inactive"


def test_last_use_of_a_token_is_recorded(api):
    api.get("/me/")
    assert ApiToken.objects.get(name="Умный дом").last_used_at is not None


def test_a_read_only_token_reads_and_previews_but_cannot_submit(reader, meter_url, meter):
    assert reader.get(meter_url + "readings/").status_code == 200
    assert reader.post(meter_url + "readings/preview/", {"values": {"total": "11300"}}).status_code == 200
    response = reader.post(meter_url + "readings/", {"values": {"total": "11300"}})
    assert response.status_code == 403
    assert response.json()["code"] == "token_read_only"
    assert not Reading.objects.filter(meter=meter, source="api").exists()


def test_a_read_only_token_cannot_start_a_payment_or_unlink_an_account(reader):
    assert reader.post("/payments/", {"amounts": [{"account": "6300000101", "amount": "10"}]}).status_code == 403
    assert reader.delete("/accounts/6300000101/").status_code == 403
    assert reader.get("/accounts/6300000101/").status_code == 200


def test_guessing_tokens_from_one_address_ends_in_429(anonymous, settings):
    settings.API_BAD_TOKENS_PER_IP = 3
    for attempt in range(3):
        anonymous.token = f"abn_guess{attempt}"
        assert anonymous.get("/me/").status_code == 401
    response = anonymous.get("/me/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_a_customer_has_a_limited_number_of_active_tokens(customer, settings):
    settings.API_TOKENS_PER_USER = 2
    first = create_token(user=customer, name="1", scope="read")
    create_token(user=customer, name="2", scope="read")
    with pytest.raises(DomainError) as refused:
        create_token(user=customer, name="3", scope="read")
    assert refused.value.code == "token_limit"
    revoke_token(user=customer, token_id=first.token.pk)
    create_token(user=customer, name="3", scope="read")  # a revoked one no longer counts


@pytest.mark.parametrize(
    ("name", "scope", "days", "code"),
    [
        ("  ", "read", None, "token_name_required"),
        ("x" * 61, "read", None, "token_name_too_long"),
        ("Дом", "admin", None, "token_scope_invalid"),
        ("Дом", "read", 7, "token_expiry_invalid"),
    ],
)
def test_a_token_needs_a_name_a_known_scope_and_a_listed_expiry(customer, name, scope, days, code):
    with pytest.raises(DomainError) as refused:
        create_token(user=customer, name=name, scope=scope, expires_in_days=days)
    assert refused.value.code == code


def test_nobody_revokes_another_customers_token(customer):
    other = UserFactory()
    token = create_token(user=other, name="Чужой", scope="write").token
    with pytest.raises(DomainError) as refused:
        revoke_token(user=customer, token_id=token.pk)
    assert refused.value.code == "token_not_found"
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_business_user_awaiting_approval_sees_only_who_they_are(client, today):
    user = UserFactory(kind="business")
    BusinessApplication.objects.create(user=user, organization="ООО Ромашка", inn="7707083893", contract_number="1")
    api = Api(client, create_token(user=user, name="1С", scope="read").raw)
    assert api.get("/me/").status_code == 200
    response = api.get("/accounts/")
    assert response.status_code == 403
    assert response.json()["code"] == "business_pending"


def test_staff_revoke_a_leaked_key_in_the_back_office_and_it_is_audited(client, customer):
    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.create_superuser("+79990000099", "Admin-Pass-2026")
    token = create_token(user=customer, name="Утёк", scope="write").token
    client.force_login(staff)
    listing = client.get("/backoffice/api/apitoken/").content.decode()
    assert token.prefix in listing
    response = client.post(
        "/backoffice/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None
    entry = AuditEntry.objects.get(action="api.token_revoked")
    assert (entry.actor, entry.channel, entry.changes["owner"]) == (staff, "backoffice", customer.pk)
