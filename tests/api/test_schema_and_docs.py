"""The OpenAPI 3 document at /api/v1/openapi.json and the reference page at /api/v1/docs (no CDN)."""

from __future__ import annotations

import re

import pytest
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(anonymous):
    response = anonymous.get("/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def test_the_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # raises on an invalid document


def test_every_operation_documents_its_json_errors_and_has_a_russian_summary(schema):
    for method, path, operation in operations(schema):
        responses = operation["responses"]
        for status in ("401", "404", "429"):
            assert responses[status]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
        assert "Retry-After" in responses["429"]["headers"], path
        assert re.search("[а-яё]", operation["summary"], re.I), (method, path)
        if method in ("post", "delete"):
            assert {"400", "422"} <= set(responses), (method, path)


def test_readings_and_payments_require_an_idempotency_key_and_the_rest_accept_one(schema):
    required = {}
    for method, path, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["name"] == "Idempotency-Key":
                required[(method, path)] = parameter.get("required", False)
    assert required[("post", "/api/v1/accounts/{number}/meters/{meter_id}/readings/")] is True
    assert required[("post", "/api/v1/payments/")] is True
    assert required[("post", "/api/v1/accounts/link/")] is False
    assert required[("delete", "/api/v1/accounts/{number}/")] is False
    assert ("post", "/api/v1/accounts/{number}/meters/{meter_id}/readings/preview/") not in required  # stores nothing


def test_the_url_space_leaves_room_for_requests_under_an_account(schema):
    account_paths = [path for path in schema["paths"] if path.startswith("/api/v1/accounts/{number}/")]
    assert len(account_paths) >= 10
    assert all(re.match(r"^/api/v1/accounts/\{number\}/[a-z]", p) or p.endswith("{number}/") for p in account_paths)


def test_two_ways_to_authenticate_are_described(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearerToken"]["scheme"] == "bearer"
    assert schemes["session"] == {**schemes["session"], "type": "apiKey", "in": "cookie", "name": "sessionid"}
    private = schema["paths"]["/api/v1/accounts/"]["get"]["security"]
    assert {"bearerToken": []} in private and {} not in private
    assert "security" not in schema["paths"]["/api/v1/tariffs/"]["get"]  # public


def test_the_reference_page_lists_every_operation_and_loads_nothing_from_elsewhere(anonymous, schema):
    response = anonymous.get("/docs")
    assert response.status_code == 200
    html = response.content.decode()
    for _method, path, operation in operations(schema):
        assert path in html and operation["summary"] in html
    for name in schema["components"]["schemas"]:
        assert f'id="schema-{name}"' in html
    external = re.findall(r'(?:src|href)="(https?:)?//[^"]*"', html)
    assert external == []
    assert "<script" not in html.replace('<script src="/static/vendor/htmx.min.js" defer></script>', "")
