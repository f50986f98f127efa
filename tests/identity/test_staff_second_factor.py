"""Staff may switch on a TOTP second factor; then the back office asks for a current code after the password.

Codes are computed with django-otp's own TOTP implementation from the device's secret, as an
authenticator app would compute them.
"""

import time

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import AuditEntry
from identity.models import User

pytestmark = pytest.mark.django_db
PHONE, PASSWORD = "+79990000099", "Admin-Svet-2026"


def code(device, steps_ahead=0):
    """What the staff member's app shows now (or ``steps_ahead`` × 30 s later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong(device):
    right = code(device)
    return "000000" if right != "000000" else "111111"


@pytest.fixture
def staff():
    return User.objects.create_superuser(PHONE, PASSWORD, last_name="Админов")


@pytest.fixture
def device(staff):
    return TOTPDevice.objects.create(user=staff, name="authenticator", confirmed=True)


def password_step(client):
    return client.post("/backoffice/login/?next=/backoffice/", {"username": PHONE, "password": PASSWORD})


def in_back_office(client) -> bool:
    return client.get("/backoffice/").status_code == 200


def test_without_a_second_factor_the_password_is_enough(client, staff):
    response = password_step(client)
    assert response["Location"] == "/backoffice/"
    assert in_back_office(client)


def test_with_totp_the_password_leads_to_the_code_step_and_not_inside(client, device):
    response = password_step(client)
    assert response["Location"] == "/backoffice/login/code/"
    assert "_auth_user_id" not in client.session
    assert not in_back_office(client)
    assert "Код из приложения" in client.get("/backoffice/login/code/").content.decode()


def test_a_current_code_opens_the_back_office(client, device):
    password_step(client)
    response = client.post("/backoffice/login/code/", {"code": code(device)})
    assert response["Location"] == "/backoffice/"
    assert in_back_office(client)


def test_a_wrong_code_is_refused_in_russian(client, device):
    password_step(client)
    html = client.post("/backoffice/login/code/", {"code": wrong(device)}).content.decode()
    assert "Неверный код из приложения" in html
    assert not in_back_office(client)
    html = client.post("/backoffice/login/code/", {"code": "12ab"}).content.decode()
    assert "Код — 6 цифр из приложения-аутентификатора" in html


def test_a_spent_code_does_not_open_a_second_session(client, device):
    password_step(client)
    token = code(device)
    client.post("/backoffice/login/code/", {"code": token})
    other = Client()
    password_step(other)
    html = other.post("/backoffice/login/code/", {"code": token}).content.decode()
    assert "Неверный код из приложения" in html
    assert not in_back_office(other)


def test_wrong_codes_in_a_row_earn_a_pause_even_for_the_right_code(client, device, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # a minute after one wrong code (1 s by default: too short to test)
    password_step(client)
    client.post("/backoffice/login/code/", {"code": wrong(device)})
    html = client.post("/backoffice/login/code/", {"code": code(device)}).content.decode()
    assert "Слишком много неверных кодов подряд" in html
    assert not in_back_office(client)


def test_the_code_step_needs_the_password_step(client, device):
    response = client.post("/backoffice/login/code/", {"code": code(device)})
    assert response["Location"] == "/backoffice/login/"
    assert not in_back_office(client)


def test_a_portal_login_with_the_password_alone_does_not_open_the_back_office(client, device):
    client.post("/login/", {"username": PHONE, "password": PASSWORD})
    assert "_auth_user_id" in client.session  # the customer portal is open
    response = client.get("/backoffice/")
    assert response.status_code == 302 and response["Location"].startswith("/backoffice/login/")


def test_staff_switch_it_on_with_the_qr_code_and_one_code(client, staff, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no pause after the wrong try below (pauses are tested above)
    client.force_login(staff)
    page = client.get("/backoffice/security/two-factor/").content.decode()
    assert "<svg" in page and 'id="totp-secret"' in page
    pending = TOTPDevice.objects.get(user=staff)
    assert not pending.confirmed
    assert in_back_office(client)  # not asked for yet

    html = client.post("/backoffice/security/two-factor/", {"code": wrong(pending)}).content.decode()
    assert "Неверный код из приложения" in html
    pending.refresh_from_db()
    assert not pending.confirmed

    response = client.post("/backoffice/security/two-factor/", {"code": code(pending)})
    assert response["Location"] == "/backoffice/security/two-factor/"
    assert TOTPDevice.objects.get(user=staff).confirmed
    assert AuditEntry.objects.filter(action="staff.totp_enabled", actor=staff).exists()
    assert in_back_office(client)  # this session has just shown a code

    fresh = Client()
    assert password_step(fresh)["Location"] == "/backoffice/login/code/"


def test_staff_switch_it_off_with_a_current_code(client, staff, device):
    password_step(client)
    client.post("/backoffice/login/code/", {"code": code(device)})
    response = client.post("/backoffice/security/two-factor/", {"code": code(device, steps_ahead=1)})
    assert response["Location"] == "/backoffice/security/two-factor/"
    assert not TOTPDevice.objects.filter(user=staff).exists()
    assert AuditEntry.objects.filter(action="staff.totp_disabled").exists()
    assert password_step(Client())["Location"] == "/backoffice/"


def test_customers_cannot_open_the_setup_page(client, customer):
    client.force_login(customer)
    assert client.get("/backoffice/security/two-factor/")["Location"].startswith("/backoffice/login/")
    assert not TOTPDevice.objects.exists()


def test_the_portal_profile_links_staff_to_the_setup(client, staff):
    client.force_login(staff)
    assert "/backoffice/security/two-factor/" in client.get("/profile/").content.decode()
