"""Every error is JSON with a stable code and a Russian message; statuses as meant; rate limits answer 429."""

from __future__ import annotations

import pytest
from django.test import Client

from api.services import create_token
from tests.api.conftest import Api

pytestmark = pytest.mark.django_db


def test_a_body_that_is_not_json_is_400(api, meter_url):
    response = api.client.post(
        "/api/v1" + meter_url + "readings/preview/", "{values:", content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api.token}",
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json() == {"code": "malformed_request", "message": "Тело запроса — не JSON или повреждено."}


def test_a_form_post_is_415_so_no_cross_site_form_can_call_the_api(api, meter_url):
    response = api.client.post(
        "/api/v1" + meter_url + "readings/preview/", {"values": "1"}, HTTP_AUTHORIZATION=f"Bearer {api.token}"
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_a_wrong_method_is_405_in_json(api):
    response = api.client.put("/api/v1/accounts/", HTTP_AUTHORIZATION=f"Bearer {api.token}")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_an_unknown_address_under_the_api_is_a_json_404(api):
    for path in ("/nothing/", "/accounts/12345/", "/accounts/6300000101/meters/abc/"):
        response = api.get(path)
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "message": "Не найдено."}


def test_a_meter_id_beyond_the_databases_integers_is_404_not_500(api):
    assert api.get("/accounts/6300000101/meters/99999999999999999999999/").status_code == 404


def test_validation_errors_list_every_field(api):
    response = api.post("/accounts/link/", {"number": "12", "alias": "x" * 61})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_request"
    assert {e["field"] for e in body["errors"]} == {"number", "proof", "alias"}
    assert body["field"] in {"number", "proof", "alias"}
    assert all(e["message"] for e in body["errors"])
    number = next(e for e in body["errors"] if e["field"] == "number")
    assert number["message"] == "Номер лицевого счёта — 10 цифр."


def test_messages_are_russian(api):
    body = api.post("/accounts/link/", {}).json()
    assert body["errors"][0]["message"] == "Обязательное поле."


def test_an_unexpected_error_is_a_json_500_without_details(api, monkeypatch):
    monkeypatch.setattr("api.views.accounts.links_for_user", lambda user: 1 / 0)
    response = api.get("/accounts/")
    assert response.status_code == 500
    assert response.json() == {"code": "server_error", "message": "Внутренняя ошибка сервера. Повторите запрос позже."}


# --- Rate limits -----------------------------------------------------------------------------------


def test_writes_per_token_are_limited_with_retry_after(api, meter_url, settings):
    settings.API_RATE_WRITE_PER_MINUTE = 2
    url = meter_url + "readings/"
    assert api.post(url, {"values": {"total": "11300"}}).status_code == 201
    assert api.post(url, {"values": {"total": "11310"}}).status_code == 201
    response = api.post(url, {"values": {"total": "11320"}})
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert 0 < int(response["Retry-After"]) <= 60
    assert api.get("/accounts/").status_code == 200  # reads have their own allowance


def test_one_tokens_flood_does_not_block_another_token(api, customer, settings):
    settings.API_RATE_READ_PER_MINUTE = 3
    for _ in range(3):
        api.get("/me/")
    assert api.get("/me/").status_code == 429
    other = Api(Client(), create_token(user=customer, name="Второй", scope="read").raw)
    assert other.get("/me/").status_code == 200


def test_calls_without_login_are_limited_per_address(anonymous, settings, db):
    settings.API_RATE_ANON_PER_MINUTE = 2
    assert anonymous.get("/tariffs/").status_code == 200
    assert anonymous.get("/tariffs/").status_code == 200
    assert anonymous.get("/tariffs/").status_code == 429
    elsewhere = Api(Client(REMOTE_ADDR="10.0.0.9"))
    assert elsewhere.get("/tariffs/").status_code == 200


def test_a_session_is_limited_per_user(client, customer, meter, settings, today):
    settings.API_RATE_READ_PER_MINUTE = 1
    client.force_login(customer)
    session = Api(client)
    assert session.get("/accounts/").status_code == 200
    assert session.get("/accounts/").status_code == 429
