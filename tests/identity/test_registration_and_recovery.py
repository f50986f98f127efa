"""Registration by phone with an SMS code, and password recovery, through the real pages."""

import re

import pytest

from core.models import AuditEntry
from identity.models import Consent, User
from notifications.models import LocalSms
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
GOOD_PASSWORD = "Лампочка-Ильича-42"


@pytest.fixture(autouse=True)
def run_on_commit(monkeypatch):
    """SMS are queued after commit, which the test's outer transaction never reaches: send at once."""
    monkeypatch.setattr("notifications.services.transaction.on_commit", lambda callback, **kw: callback())


def last_code(phone):
    sms = LocalSms.objects.filter(phone=phone).order_by("-id").first()
    match = sms and re.search(r"\b(\d{6})\b", sms.text)
    return match.group(1) if match else None


def register(client, phone="8 (999) 123-45-67", password=GOOD_PASSWORD, **extra):
    data = {
        "phone": phone,
        "password1": password,
        "password2": password,
        "accept_terms": "on",
        "accept_personal_data": "on",
    }
    data.update(extra)
    return client.post("/register/", data)


def test_new_customer_registers_confirms_by_sms_and_is_logged_in(client):
    response = register(client)
    assert response["Location"] == "/register/confirm/"
    user = User.objects.get(phone="+79991234567")
    assert not user.is_active  # unusable until the phone is confirmed
    assert not client.login(phone="+79991234567", password=GOOD_PASSWORD)

    response = client.post("/register/confirm/", {"code": last_code("+79991234567")})

    assert response["Location"] == "/"
    user.refresh_from_db()
    assert user.is_active and client.session["_auth_user_id"] == str(user.pk)
    assert set(Consent.objects.filter(user=user).values_list("document", "version")) == {
        ("terms", "2026-11"), ("personal_data", "2026-11"),
    }  # fmt: skip
    assert AuditEntry.objects.filter(action="user.registered", actor=user).exists()


def test_a_wrong_code_is_refused_with_tries_left(client):
    register(client)
    response = client.post("/register/confirm/", {"code": "not-it"})
    assert "Неверный код. Осталось попыток: 4." in response.content.decode()
    assert not User.objects.get(phone="+79991234567").is_active


def test_both_consents_are_required_separately(client):
    html = register(client, accept_terms="").content.decode()
    assert "Примите пользовательское соглашение" in html
    html = register(client, accept_personal_data="").content.decode()
    assert "Дайте согласие на обработку персональных данных" in html
    assert not User.objects.exists()


@pytest.mark.parametrize("password", ["1234567890123", "password123", "+79991234567x", "short"])
def test_weak_passwords_are_explained(client, password):
    response = register(client, password=password)
    assert response.status_code == 200
    assert 'id="id_password1_error"' in response.content.decode()
    assert not User.objects.exists()


def test_mismatched_passwords(client):
    html = register(client, password2="Другой-пароль-42").content.decode()
    assert "Пароли не совпадают" in html


def test_a_registered_phone_gets_the_same_page_and_an_sms_notice_not_a_code(client):
    UserFactory(phone="+79991234567")
    response = register(client)
    assert response["Location"] == "/register/confirm/"  # the same answer as for a new phone
    sms = LocalSms.objects.get(phone="+79991234567")
    assert "уже зарегистрирован" in sms.text and last_code("+79991234567") is None


def test_password_recovery_by_sms_code(client):
    UserFactory(phone="+79991234567")
    response = client.post("/password/forgot/", {"phone": "+7 999 123 45 67"})
    assert response["Location"] == "/password/reset/"
    code = last_code("+79991234567")
    response = client.post("/password/reset/", {"code": code, "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})
    assert response["Location"] == "/login/"
    assert client.login(phone="+79991234567", password=GOOD_PASSWORD)
    assert AuditEntry.objects.filter(action="user.password_recovered").exists()


def test_recovery_for_an_unknown_phone_looks_the_same_and_sends_nothing(client):
    response = client.post("/password/forgot/", {"phone": "+79990009999"})
    assert response["Location"] == "/password/reset/"
    assert not LocalSms.objects.exists()
    response = client.post(
        "/password/reset/", {"code": "123456", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    )
    assert "Неверный код." in response.content.decode()


def test_many_registrations_from_one_address_are_stopped(client):
    for n in range(20):
        register(client, phone=f"+7999000{n:04d}")
    html = register(client, phone="+79990009999").content.decode()
    assert "Слишком много запросов с вашего адреса" in html
    assert not User.objects.filter(phone="+79990009999").exists()
