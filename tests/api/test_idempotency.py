"""Idempotency-Key: a retry gets the first answer and nothing is done twice; a reused key with another
body is refused; a refused request leaves the key free; the same key of two customers is two keys."""

from __future__ import annotations

import pytest
from django.test import Client

from api.models import IdempotencyRecord
from api.services import create_token, purge_idempotency_records
from core.models import AuditEntry
from metering.models import Reading
from payments.models import Payment
from tests.api.conftest import Api
from tests.factories import MeterFactory, UserFactory, history, link

pytestmark = pytest.mark.django_db


@pytest.fixture
def url(meter_url):
    return meter_url + "readings/"


def submissions(meter):
    return Reading.objects.filter(meter=meter, source="api").values("submission").distinct().count()


def test_a_retry_with_the_same_key_and_body_replays_the_answer_and_submits_once(api, url, meter):
    first = api.post(url, {"values": {"total": "11300"}}, key="retry-1")
    again = api.post(url, {"values": {"total": "11300"}}, key="retry-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert submissions(meter) == 1
    assert AuditEntry.objects.filter(action__startswith="reading.").count() == 1  # no same-day "correction"


def test_the_same_json_with_other_spacing_or_key_order_is_the_same_body(api, url):
    api.post(url, {"values": {"total": "11300"}, "confirm_implausible": False}, key="k")
    again = api.client.post(
        "/api/v1" + url,
        '{ "confirm_implausible" : false,  "values": {"total": "11300"} }',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api.token}",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"


def test_the_same_key_with_another_body_or_endpoint_is_refused(api, url, meter):
    api.post(url, {"values": {"total": "11300"}}, key="k-1")
    other_body = api.post(url, {"values": {"total": "11310"}}, key="k-1")
    other_path = api.post("/payments/", {"amounts": [{"account": "6300000101", "amount": "1"}]}, key="k-1")
    for response in (other_body, other_path):
        assert response.status_code == 422
        assert (response.json()["code"], response.json()["field"]) == ("idempotency_key_reused", "Idempotency-Key")
    assert list(Reading.objects.filter(meter=meter, source="api").values_list("value", flat=True)) == [11300]
    assert not Payment.objects.exists()


def test_a_refused_request_keeps_no_record_so_the_corrected_one_may_use_the_key(api, url, meter):
    refused = api.post(url, {"values": {"total": "112000"}}, key="k-2")
    assert refused.status_code == 409
    assert not IdempotencyRecord.objects.exists()
    confirmed = api.post(url, {"values": {"total": "112000"}, "confirm_implausible": True}, key="k-2")
    assert confirmed.status_code == 201
    assert IdempotencyRecord.objects.get().status_code == 201


def test_two_customers_keys_never_meet(api, url, meter, today):
    other = UserFactory()
    their_meter = MeterFactory(account__number="6300000777")
    link(other, their_meter.account)
    history(their_meter, {"total": 10_000})
    theirs = Api(Client(), create_token(user=other, name="x", scope="write").raw)
    mine = api.post(url, {"values": {"total": "11300"}}, key="shared")
    their = theirs.post(
        f"/accounts/6300000777/meters/{their_meter.pk}/readings/", {"values": {"total": "11300"}}, key="shared"
    )
    assert mine.status_code == their.status_code == 201
    assert mine.json()["submission"] != their.json()["submission"]


def test_a_payment_retried_with_its_key_is_one_payment(client, payer):
    api = Api(client, create_token(user=payer, name="x", scope="write").raw)
    body = {"amounts": [{"account": "6300000201", "amount": "100"}]}
    first = api.post("/payments/", body, key="pay-1")
    again = api.post("/payments/", body, key="pay-1")
    assert first.json()["id"] == again.json()["id"]
    assert Payment.objects.count() == 1


def test_a_key_in_the_structured_field_form_is_the_same_key(api, url, meter):
    api.post(url, {"values": {"total": "11300"}}, key="abc-123")
    again = api.post(url, {"values": {"total": "11300"}}, key='"abc-123"')
    assert again["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("key", ["with space", "x" * 256, "ключ"])
def test_a_malformed_key_is_400(api, url, key):
    response = api.client.post(
        "/api/v1" + url, '{"values": {"total": "11300"}}', content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api.token}", HTTP_IDEMPOTENCY_KEY=key.encode().decode("latin-1"),
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_invalid"


def test_an_unexpected_error_rolls_back_the_work_and_the_key(api, url, meter, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("api.views.readings.presenters.readings_result", broken)
    response = api.post(url, {"values": {"total": "11300"}}, key="k-3")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert not Reading.objects.filter(meter=meter, source="api").exists()  # submitted, then rolled back
    assert not IdempotencyRecord.objects.exists()
    monkeypatch.undo()
    assert api.post(url, {"values": {"total": "11300"}}, key="k-3").status_code == 201


def test_other_mutating_calls_honour_the_key_too(api, customer):
    first = api.delete("/accounts/6300000101/", key="unlink-1")
    again = api.delete("/accounts/6300000101/", key="unlink-1")
    assert first.status_code == again.status_code == 204
    assert again["Idempotent-Replayed"] == "true"


def test_old_answers_are_forgotten_after_a_day(api, url, clock, today):
    import datetime as dt

    api.post(url, {"values": {"total": "11300"}}, key="old")
    clock.set(today + dt.timedelta(days=1), dt.time(11))
    assert purge_idempotency_records() == 0
    clock.set(today + dt.timedelta(days=1), dt.time(13))
    assert purge_idempotency_records() == 1
