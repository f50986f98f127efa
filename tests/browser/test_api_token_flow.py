"""A customer creates an API key in the profile with a real browser, copies it once, and a home-automation
script (plain HTTP, no cookies) submits a reading with it; after revoking it in the profile the key is refused."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid

import pytest
from playwright.sync_api import Page, expect

from core.demo import DEMO_PASSWORD, seed_demo
from metering.models import Meter, Reading

pytestmark = pytest.mark.browser

PHONE = "+79990000001"
ACCOUNT = "6300000001"
SCREENSHOT = "/tmp/abonent-api-token.png"


def call(url: str, token: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    if body is not None:
        request.data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
        request.add_header("Idempotency-Key", str(uuid.uuid4()))
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_key_from_the_profile_submits_readings_until_it_is_revoked(page: Page, live_server):
    seed_demo()
    meter = Meter.objects.get(account__number=ACCOUNT)
    last = Reading.objects.filter(meter=meter, state__in=Reading.COUNTED).order_by("-taken_on").first()

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Мобильный телефон").fill(PHONE)
    page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Войти", exact=True).click()
    page.goto(f"{live_server.url}/profile/")
    section = page.locator("#api-tokens")
    section.get_by_label("Название").fill("Умный дом")
    section.get_by_label("чтение и передача показаний, оплата").check()
    section.get_by_role("button", name="Создать ключ").click()

    expect(page.locator("#new-token")).to_contain_text("Скопируйте его сейчас")
    token = page.locator("#token-value").inner_text()
    assert re.fullmatch(r"abn_[A-Za-z0-9_-]{43}", token)
    page.screenshot(path=SCREENSHOT, full_page=True)

    url = f"{live_server.url}/api/v1/accounts/{ACCOUNT}/meters/{meter.pk}/readings/"
    status, body = call(url, token, {"values": {"total": str(last.value + 123)}})
    assert status == 201, body
    assert body["state"] == "accepted" and body["volume"] == 123

    page.goto(f"{live_server.url}/profile/")  # the key is never shown again: the list has its first characters only
    expect(page.locator("#token-value")).to_have_count(0)
    expect(page.locator("#api-tokens")).to_contain_text(token[:10] + "…")
    page.locator("#api-tokens").get_by_role("button", name="Отозвать").click()
    expect(page.locator(".messages")).to_contain_text("отозван")

    status, body = call(f"{live_server.url}/api/v1/accounts/", token)
    assert (status, body["code"]) == (401, "token_revoked")
