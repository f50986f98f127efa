"""A customer who used up the login tries calls the hotline; an operator sees what is locked and
clears it, and the customer logs in at once. Every unlock is in the audit log."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.errors import DomainError
from core.models import AuditEntry
from identity import services as identity_services
from tests.factories import PASSWORD

from .staff import staff

pytestmark = pytest.mark.django_db
UNLOCK = reverse("admin:backoffice_customercard_unlock")


def wrong_logins(client, phone, times=5):
    for _ in range(times):
        client.post(reverse("portal:login"), {"username": phone, "password": "wrong-password-1"})


def can_log_in(client, phone) -> bool:
    client.logout()
    response = client.post(reverse("portal:login"), {"username": phone, "password": PASSWORD})
    return response.status_code == 302


def test_operator_unlocks_a_customer_locked_out_by_wrong_passwords(client, customer, meter):
    wrong_logins(client, customer.phone)
    assert not can_log_in(client, customer.phone)

    operator = staff("operator")
    client.force_login(operator)
    page = client.get(UNLOCK, {"phone": "8 (916) 123-45-67"}).content.decode()
    assert "+79161234567" in page and "вход по паролю" in page and "заблокировано" in page

    response = client.post(UNLOCK, {"phone": "8 916 123 45 67"})
    assert response.status_code == 302
    follow = client.get(response["Location"]).content.decode()
    assert "Блокировки сняты: вход по паролю." in follow
    assert can_log_in(client, customer.phone)
    entry = AuditEntry.objects.get(action="staff.user_unlocked")
    assert (entry.actor, entry.object_id) == (operator, str(customer.pk))
    assert entry.changes == {"phone": "+7 916 ***-**-67", "cleared": ["вход по паролю"]}


def test_unlock_clears_quick_login_by_account_too(client, customer, meter):
    meter.account.customer.phone = customer.phone  # the holder on record: quick login counts their phone too
    meter.account.customer.save()
    for _ in range(identity_services.QUICK_LOGIN_LIMIT):
        with pytest.raises(DomainError, match=r"Неверный код|Код"):
            identity_services.finish_code_login(account_number=meter.account.number, code="000000")
    with pytest.raises(DomainError, match="Слишком много"):
        identity_services.start_code_login(account_number=meter.account.number)
    client.force_login(staff("administrator"))
    client.post(UNLOCK, {"phone": customer.phone})
    cleared = AuditEntry.objects.get(action="staff.user_unlocked").changes["cleared"]
    assert "быстрый вход по коду" in cleared and f"быстрый вход по счёту {meter.account.number}" in cleared
    identity_services.start_code_login(account_number=meter.account.number)  # no longer refused


def test_unlocking_from_the_card_returns_to_the_card(client, customer, meter):
    wrong_logins(client, customer.phone)
    client.force_login(staff("operator"))
    card = reverse("admin:backoffice_customercard_change", args=[meter.account.customer_id])
    assert "вход по паролю" in client.get(card).content.decode()
    response = client.post(UNLOCK, {"phone": customer.phone, "next": card})
    assert response["Location"] == card
    response = client.post(UNLOCK, {"phone": customer.phone, "next": "https://evil.example/"})
    assert response["Location"].startswith(UNLOCK)


def test_a_phone_that_is_not_a_phone_is_explained(client, db):
    client.force_login(staff("operator"))
    page = client.get(UNLOCK, {"phone": "12345"}).content.decode()
    assert "10 цифр после +7" in page
    assert not AuditEntry.objects.exists()


def test_inspectors_may_not_unlock(client, customer, meter):
    wrong_logins(client, customer.phone)
    client.force_login(staff("inspector"))
    assert client.post(UNLOCK, {"phone": customer.phone}).status_code == 403
    assert not can_log_in(client, customer.phone)
