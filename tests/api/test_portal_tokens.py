"""The profile's API keys: created with a name, rights and expiry, shown once, revoked with one button."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from api.models import ApiToken
from tests.api.conftest import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def profile(client, customer, meter, today):
    client.force_login(customer)
    return client


def create(client, name="Умный дом", scope="write", expires="90"):
    return client.post("/profile/tokens/", {"token-name": name, "token-scope": scope, "token-expires": expires})


def test_the_profile_has_an_api_keys_section_with_the_form(profile):
    html = profile.get("/profile/").content.decode()
    assert 'id="api-tokens"' in html and "Ключи API" in html
    assert 'action="/profile/tokens/"' in html and 'name="token-name"' in html


def test_a_new_key_is_shown_once_and_then_only_its_prefix(profile, client):
    response = create(profile)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    raw = re.search(r'<code id="token-value">([^<]+)</code>', response.content.decode())[1]
    token = ApiToken.objects.get()
    assert (token.name, token.scope, token.expires_at is not None) == ("Умный дом", "write", True)

    later = profile.get("/profile/").content.decode()
    assert raw not in later and f"{token.prefix}…" in later

    api = Api(Client(), raw)  # it works from anywhere, without the session
    assert api.get("/accounts/").json()["count"] == 1


def test_a_key_without_a_name_is_refused_next_to_the_field(profile):
    response = create(profile, name="")
    assert response.status_code == 422
    assert 'id="id_token-name_error"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_a_key_from_the_profile_ends_it(profile):
    create(profile)
    token = ApiToken.objects.get()
    response = profile.post(f"/profile/tokens/{token.pk}/revoke/", follow=True)
    assert "отозван" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_key_pages_need_a_login(client, db):
    assert client.get("/profile/tokens/")["Location"].startswith("/login/")
    assert client.post("/profile/tokens/1/revoke/")["Location"].startswith("/login/")


def test_creating_a_key_needs_the_csrf_token(customer, today):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(customer)
    assert create(browser).status_code == 403
    assert not ApiToken.objects.exists()
