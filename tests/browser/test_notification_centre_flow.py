"""In a real browser: the bell shows the unread count; the centre marks one read and then all, and the
bell follows without a page reload (HTMX)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from notifications.models import Channel, ChannelPreference, Kind
from notifications.services import notify
from tests.factories import PASSWORD, MeterFactory, UserFactory, link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = "+79165550011"


@pytest.fixture
def customer():
    user = UserFactory(phone=PHONE, first_name="Анна")
    link(user, MeterFactory(account__number="6300000777").account)
    ChannelPreference.objects.create(user=user, kind=Kind.REQUEST_ANSWERS, channel=Channel.PORTAL)
    for n in (1, 2):
        notify(
            user=user,
            kind=Kind.REQUEST_ANSWERS,
            subject=f"Ответ на обращение № {n}",
            text=f"По обращению № {n} есть ответ специалиста.",
            url="/profile/",
            event_key=f"request:{n}:answer",
        )
    return user


def test_the_customer_reads_notifications_and_the_bell_follows(page: Page, live_server, customer):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Мобильный телефон").fill(PHONE)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти", exact=True).click()
    expect(page).to_have_url(re.compile(r"/a/6300000777/$"))

    bell = page.locator("#notification-bell")
    expect(bell).to_have_attribute("aria-label", "Уведомления, непрочитанных: 2")
    expect(bell.get_by_test_id("unread-count")).to_have_text("2")
    bell.click()
    expect(page).to_have_url(re.compile(r"/notifications/$"))
    items = page.locator("li.notification")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("Ответ на обращение № 2")  # newest first

    first_item = items.filter(has_text="Ответ на обращение № 1")
    first_item.get_by_role("button", name="Отметить прочитанным").click()
    expect(first_item).to_contain_text("Прочитано")
    expect(page.locator("#notification-bell").get_by_test_id("unread-count")).to_have_text("1")
    assert page.url.endswith("/notifications/")  # swapped in place, no reload

    page.get_by_role("button", name="Отметить все прочитанными").click()
    expect(page.get_by_role("button", name="Отметить прочитанным")).to_have_count(0)
    expect(page.locator("#notification-bell").get_by_test_id("unread-count")).to_have_count(0)
    expect(page.locator("#notification-bell")).to_have_attribute("aria-label", "Уведомления")

    page.get_by_role("link", name="Подробнее").first.click()
    expect(page).to_have_url(re.compile(r"/profile/$"))
