"""One search box finds a customer by account number, phone in any spelling, address, meter serial,
name or INN; one hit opens the customer card, which shows what the customer sees plus the audit trail."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from backoffice import search
from billing.services import post_adjustment
from core.demo import seed_demo
from customers.models import Customer
from service import services
from tests.factories import CustomerFactory, MeterFactory, PremiseFactory, UserFactory

from .staff import staff

pytestmark = pytest.mark.django_db
SEARCH = reverse("admin:backoffice_customercard_changelist")


@pytest.fixture
def demo():
    seed_demo(today=dt.date(2026, 11, 20))
    return {c.phone: c for c in Customer.objects.all()}


def found(text: str) -> set[str]:
    ids = search.find(text).customer_ids
    return {c.phone for c in Customer.objects.filter(pk__in=ids)}


def test_an_account_number_finds_its_customer(demo):
    assert found("6300000005") == {"+79990000004"}


@pytest.mark.parametrize(
    "spelling", ["+79990000002", "8 999 000-00-02", "+7 (999) 000 00 02", "9990000002", "8-999-000-00-02"]
)
def test_a_phone_in_any_spelling_finds_the_customer(demo, spelling):
    assert found(spelling) == {"+79990000002"}


@pytest.mark.parametrize("text", ["пр. Кирова", "кирова 120", "КИРОВА", "Кирова, д. 120"])
def test_an_address_in_any_case_finds_the_customer(demo, text):
    assert found(text) == {"+79990000002"}


def test_a_meter_serial_or_its_beginning_finds_the_customer(demo):
    serial = demo["+79990000003"].accounts.get().meters.get().serial
    assert found(serial) == {"+79990000003"}
    assert found(serial[:6]) == {"+79990000003"}


def test_a_name_or_an_inn_finds_the_customer(demo):
    assert found("петрова анна") == {"+79990000002"}
    business = CustomerFactory(kind="business", organization="ООО «Светлячок»", inn="7707083893", phone="+79991112233")
    assert found("7707083893") == {business.phone}
    assert found("светлячок") == {business.phone}


def test_nothing_found_says_so_and_many_found_are_listed(client, demo):
    client.force_login(staff("operator"))
    page = client.get(SEARCH, {"q": "Юпитер"}).content.decode()
    assert "Ничего не найдено" in page
    page = client.get(SEARCH, {"q": "Самара"}).content.decode()  # every address in Samara
    assert "Найдено по: адрес" in page and "6300000001" in page and "6300000002" in page


def test_one_hit_opens_the_card(client, demo):
    client.force_login(staff("operator"))
    response = client.get(SEARCH, {"q": "8 (999) 000-00-04"})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:backoffice_customercard_change", args=[demo["+79990000004"].pk])


def test_a_portal_user_without_accounts_is_shown_by_phone_with_the_unlock_link(client, db):
    UserFactory(phone="+79995554433", last_name="Новиков")
    client.force_login(staff("operator"))
    page = client.get(SEARCH, {"q": "8 999 555 44 33"}).content.decode()
    assert "Пользователи личного кабинета с этим телефоном" in page and "+79995554433" in page
    assert reverse("admin:backoffice_customercard_unlock") in page


def test_the_card_shows_accounts_meters_readings_money_requests_and_the_audit_trail(client, demo):
    customer = demo["+79990000004"]
    user = customer.accounts.first().links.get().user
    flat = customer.accounts.get(number="6300000004")
    services.file_request(user=user, kind="question", subject="Вопрос: тарифы", text="?", account=flat)
    operator = staff("billing")
    post_adjustment(account=flat, amount=Decimal("-50.00"), reason="Компенсация", actor=operator)
    client.force_login(staff("operator"))
    page = client.get(reverse("admin:backoffice_customercard_change", args=[customer.pk])).content.decode()
    assert "Кузнецова Мария Павловна" in page
    for number in ("6300000004", "6300000005"):
        assert f'id="account-{number}"' in page
    meter = flat.meters.get()
    assert f"№ {meter.serial}" in page and "Последние показания" in page
    assert "Счета" in page and "Движение денег" in page and "Компенсация" in page
    assert "Вопрос: тарифы" in page
    assert "billing.adjustment" in page and "service.request_filed" in page  # the audit trail
    assert reverse("admin:metering_meter_correct", args=[meter.pk]) not in page  # operators do not correct
    assert reverse("admin:backoffice_customercard_readings", args=[customer.pk, meter.pk]) in page


def test_the_card_links_corrections_for_those_who_may_make_them(client, demo):
    customer = demo["+79990000002"]
    meter = customer.accounts.get().meters.get()
    client.force_login(staff("inspector"))
    page = client.get(reverse("admin:backoffice_customercard_change", args=[customer.pk])).content.decode()
    assert reverse("admin:metering_meter_correct", args=[meter.pk]) in page and "Исправить последние" in page


def test_the_card_of_a_customer_linked_to_a_relatives_account_lists_the_relative(client, db, today):
    meter = MeterFactory(account__premise=PremiseFactory(address="г. Сызрань, ул. Лесная, 1"))
    relative = UserFactory(phone="+79994443322")
    meter.account.links.create(user=relative)
    client.force_login(staff("operator"))
    page = client.get(
        reverse("admin:backoffice_customercard_change", args=[meter.account.customer_id])
    ).content.decode()
    assert "+79994443322" in page


def test_the_admin_index_has_the_search_box(client, db):
    client.force_login(staff("inspector"))
    page = client.get(reverse("admin:index")).content.decode()
    assert 'id="customer-search"' in page and SEARCH in page
