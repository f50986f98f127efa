"""The account page, and that nobody sees or writes to another customer's account."""

import re

import pytest

from metering.models import Reading
from tests.factories import AccountLinkFactory, MeterFactory, history, link

pytestmark = pytest.mark.django_db


@pytest.fixture
def stranger_meter():
    meter = MeterFactory(account__number="6300000202")
    link(AccountLinkFactory().user, meter.account)
    history(meter, {"total": 50_000})
    return meter


def test_single_account_opens_straight_away(cabinet):
    assert cabinet.get("/")["Location"] == "/a/6300000101/"


def test_several_accounts_are_listed(cabinet, customer):
    second = MeterFactory(account__number="6300000102").account
    AccountLinkFactory(user=customer, account=second, alias="Дача", group="Дача")
    html = cabinet.get("/").content.decode()
    assert "6300000101" in html and "6300000102" in html and "Дача" in html


def test_dashboard_shows_meter_last_reading_and_window(cabinet, meter):
    html = cabinet.get("/a/6300000101/").content.decode()
    assert f"№ {meter.serial}" in html
    assert "11200" in html and "20.10.2026" in html
    assert "Приём показаний за ноябрь 2026 открыт до 25.11.2026 включительно (осталось дней: 6)." in html
    assert f'href="/a/6300000101/meters/{meter.pk}/readings/"' in html


def test_expired_verification_is_shown_instead_of_the_submit_button(cabinet, meter):
    meter.next_verification_on = meter.installed_on
    meter.save()
    html = cabinet.get("/a/6300000101/").content.decode()
    assert "Срок поверки истёк 10.01.2025" in html
    assert f"/meters/{meter.pk}/readings/" not in html


def test_title_is_plain_text_and_the_unlink_button_is_on_the_page(cabinet):
    html = cabinet.get("/a/6300000101/").content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.S)[1]
    assert "<" not in title and "6300000101" in title
    main = re.search(r"<main.*?</main>", html, re.S)[0]
    assert 'action="/a/6300000101/unlink/"' in main


@pytest.mark.parametrize("path", ["/a/6300000202/", "/a/6300000202/history/", "/a/9999999999/"])
def test_another_customers_account_is_not_found(cabinet, stranger_meter, path):
    assert cabinet.get(path).status_code == 404


def test_another_accounts_meter_is_not_found_under_either_number(cabinet, stranger_meter):
    for number in ("6300000101", "6300000202"):
        url = f"/a/{number}/meters/{stranger_meter.pk}/readings/"
        assert cabinet.get(url).status_code == 404
        assert cabinet.post(url, {"total": "50100", "action": "submit"}).status_code == 404
    assert not Reading.objects.filter(meter=stranger_meter, state="accepted").exists()
