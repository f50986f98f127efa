"""The profile: contacts, password change, sign out everywhere, login history, consents, export."""

import json

import pytest
from django.test import Client

from core.demo import DEMO_PASSWORD, seed_demo
from core.models import AuditEntry
from identity.models import Consent, LoginEvent, User

pytestmark = pytest.mark.django_db
PHONE = "+79990000001"


@pytest.fixture
def device_a(client):
    seed_demo()
    assert client.login(phone=PHONE, password=DEMO_PASSWORD)
    return client


def test_contacts_are_saved_and_audited(device_a):
    response = device_a.post(
        "/profile/", {"form": "contact", "contact-last_name": "Иванова", "contact-email": "a@example.ru"}
    )
    assert response["Location"] == "/profile/"
    assert User.objects.get(phone=PHONE).last_name == "Иванова"
    assert AuditEntry.objects.filter(action="user.contacts_changed").exists()


def test_the_profile_does_not_jump_to_the_password_field(device_a):
    # One form of several: no autofocus (on a phone the keyboard would open over the contacts).
    html = device_a.get("/profile/").content.decode()
    assert 'name="password-old_password"' in html and "autofocus" not in html


def test_password_change_keeps_this_device_and_signs_out_the_others(device_a):
    device_b = Client()
    device_b.login(phone=PHONE, password=DEMO_PASSWORD)
    new = "Новый-Пароль-2026-x"
    response = device_a.post(
        "/profile/",
        {
            "form": "password",
            "password-old_password": DEMO_PASSWORD,
            "password-new_password1": new,
            "password-new_password2": new,
        },
    )
    assert response["Location"] == "/profile/"
    assert device_a.get("/profile/").status_code == 200
    assert device_b.get("/profile/").status_code == 302  # back to the login page


def test_wrong_old_password_is_refused(device_a):
    html = device_a.post(
        "/profile/",
        {
            "form": "password",
            "password-old_password": "nope",
            "password-new_password1": "x",
            "password-new_password2": "x",
        },
    ).content.decode()
    assert 'id="id_password-old_password_error"' in html


def test_sign_out_everywhere_else(device_a):
    device_b = Client()
    device_b.login(phone=PHONE, password=DEMO_PASSWORD)
    device_a.post("/profile/sessions/end/")
    assert device_a.get("/profile/").status_code == 200
    assert device_b.get("/profile/").status_code == 302
    assert AuditEntry.objects.filter(action="user.sessions_ended").exists()


def test_login_history_shows_successes_and_failures(device_a):
    Client().post("/login/", {"username": PHONE, "password": "wrong-password"})
    events = list(LoginEvent.objects.filter(user__phone=PHONE).values_list("success", flat=True))
    assert True in events and False in events
    assert "неверный пароль" in device_a.get("/profile/").content.decode()


def test_consent_can_be_withdrawn_and_stays_on_record(device_a):
    user = User.objects.get(phone=PHONE)
    consent = Consent.objects.create(user=user, document="personal_data", version="2026-11")
    device_a.post(f"/profile/consents/{consent.pk}/withdraw/")
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    other = Consent.objects.create(user=User.objects.get(phone="+79990000002"), document="terms", version="2026-11")
    device_a.post(f"/profile/consents/{other.pk}/withdraw/")
    other.refresh_from_db()
    assert other.withdrawn_at is None  # never someone else's


def test_export_contains_the_users_data_and_accounts(device_a):
    response = device_a.get("/profile/export.json")
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["user"]["phone"] == PHONE
    assert [a["number"] for a in data["accounts"]] == ["6300000001"]
    assert data["accounts"][0]["ebill"] is False
    assert data["notification_channels"]["bills"] == "email" and data["notification_channels"]["news"] == "none"
