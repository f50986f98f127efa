"""/healthz for the load balancer: 200 while the database answers, 503 when it does not."""

from unittest import mock

import pytest
from django.db import OperationalError, connection, connections


@pytest.mark.django_db
def test_ok_while_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": {"reachable": True, "vendor": connection.vendor}}
    assert "max-age=0" in response["Cache-Control"]  # a balancer must never see a cached answer


def test_503_when_the_database_is_unreachable(client):
    with mock.patch.object(
        connections["default"], "cursor", side_effect=OperationalError("could not connect to server")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": {"reachable": False, "error": "OperationalError"}}


def test_only_get(client):
    assert client.post("/healthz").status_code == 405
