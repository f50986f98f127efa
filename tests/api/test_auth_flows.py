"""The app's own login over the API: session with CSRF, sign-up by phone, quick login, recovery.

The same identity services, limits and answers as the portal's pages (tests/identity, tests/portal).
"""

from __future__ import annotations

import pytest
from django.test import Client

from core.models import AuditEntry
from identity.models import LoginEvent, User
from tests.api.conftest import Api
from tests.factories import PASSWORD, UserFactory, link
from tests.messages import last_code, sms_texts

pytestmark = pytest.mark.django_db
GOOD_PASSWORD = "Лампочка-Ильича-42"


@pytest.fixture(autouse=True)
def _sms_at_once(send_now):
    """SMS leave after commit, which a test's transaction never reaches."""


@pytest.fixture
def app(db, today):
    """The mobile app: cookies kept, CSRF checked as a browser's would be."""
    return Api(Client(enforce_csrf_checks=True))


def login(app, phone="+79161234567", password=PASSWORD):
    return app.post("/auth/login/", {"phone": phone, "password": password}, auto_key=False)


def test_login_opens_a_session_that_reads_without_a_token(app, customer, meter):
    response = login(app, phone="8 (916) 123-45-67")
    assert response.status_code == 200
    assert response.json()["user"]["phone"] == "+79161234567"
    assert response.json()["csrf_token"]
    assert app.get("/accounts/").json()["results"][0]["number"] == "6300000101"
    assert LoginEvent.objects.filter(user=customer, success=True).exists()  # the portal's login history


def test_a_session_write_without_the_csrf_token_is_refused(app, customer, meter):
    login(app)
    url = f"/accounts/6300000101/meters/{meter.pk}/readings/"
    response = app.post(url, {"values": {"total": "11300"}})
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"


def test_a_session_write_with_the_csrf_token_goes_through(app, customer, meter):
    token = login(app).json()["csrf_token"]
    url = f"/accounts/6300000101/meters/{meter.pk}/readings/"
    response = app.post(url, {"values": {"total": "11300"}}, headers={"X-CSRFToken": token})
    assert response.status_code == 201
    assert response.json()["accepted_for_period"] == "2026-11"


def test_a_token_request_needs_no_csrf_token(app, customer, meter, write_token):
    app.token = write_token
    url = f"/accounts/6300000101/meters/{meter.pk}/readings/"
    assert app.post(url, {"values": {"total": "11300"}}).status_code == 201


def test_the_csrf_endpoint_sets_the_cookie(app):
    response = app.get("/auth/csrf/")
    assert response.status_code == 200
    assert response.cookies["csrftoken"].value
    assert response.json()["csrf_token"]


def test_wrong_password_and_unknown_phone_get_one_answer(app, customer):
    wrong = login(app, password="not-the-password")
    unknown = login(app, phone="+79160000000")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"code": "invalid_login", "message": "Неверный номер телефона или пароль."}
    assert wrong["WWW-Authenticate"]
    assert LoginEvent.objects.filter(user=customer, success=False).count() == 1


def test_after_five_failures_even_the_right_password_waits(app, customer):
    for _ in range(5):
        login(app, password="nope")
    response = login(app)
    assert response.status_code == 429
    assert response.json()["code"] == "login_locked"
    assert int(response["Retry-After"]) == 15 * 60


def test_a_phone_that_is_not_a_phone_is_explained(app):
    response = login(app, phone="12345")
    assert response.status_code == 422
    assert response.json()["field"] == "phone"
    assert response.json()["code"] == "phone_invalid"


def test_logout_ends_the_session(app, customer):
    token = login(app).json()["csrf_token"]
    assert app.post("/auth/logout/", headers={"X-CSRFToken": token}, auto_key=False).status_code == 204
    assert app.get("/me/").status_code == 401


# --- Sign-up by phone -------------------------------------------------------------------------------


def register(app, phone="+79991234567", password=GOOD_PASSWORD, **extra):
    data = {"phone": phone, "password": password, "accept_terms": True, "accept_personal_data": True, **extra}
    return app.post("/auth/register/", data)


def test_sign_up_by_phone_with_the_sms_code_logs_the_customer_in(app):
    response = register(app, phone="8 999 123-45-67")
    assert response.status_code == 202
    assert response.json()["code"] == "code_sent"
    user = User.objects.get(phone="+79991234567")
    assert not user.is_active

    confirmed = app.post("/auth/register/confirm/", {"phone": "+79991234567", "code": last_code("+79991234567")})

    assert confirmed.status_code == 201
    assert confirmed.json()["user"]["phone"] == "+79991234567"
    user.refresh_from_db()
    assert user.is_active
    assert app.get("/me/").status_code == 200
    assert AuditEntry.objects.get(action="user.registered", actor=user).channel == "api"


def test_signing_up_a_known_phone_answers_the_same_and_tells_the_owner(app, customer):
    fresh = register(app, phone="+79991234567")
    known = register(app, phone="+79161234567")
    assert fresh.status_code == known.status_code == 202
    assert fresh.json()["code"] == known.json()["code"] == "code_sent"
    assert User.objects.filter(phone="+79161234567").count() == 1
    assert "уже зарегистрирован" in sms_texts("+79161234567")[-1]


@pytest.mark.parametrize(
    ("extra", "code", "field"),
    [
        ({"password": "12345678901"}, "password_weak", "password"),
        ({"accept_terms": False}, "terms_required", "accept_terms"),
        ({"accept_personal_data": False}, "personal_data_required", "accept_personal_data"),
        ({"phone": "+1 555 0100"}, "phone_not_russian", "phone"),
    ],
)
def test_sign_up_refusals_name_the_field(app, extra, code, field):
    response = register(app, **extra)
    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == (code, field)
    assert not User.objects.exists()


def test_a_wrong_code_is_refused_with_tries_left(app):
    register(app)
    response = app.post("/auth/register/confirm/", {"phone": "+79991234567", "code": "000000"})
    assert response.status_code == 422
    assert response.json()["code"] == "code_invalid"
    assert "Осталось попыток: 4" in response.json()["message"]


def test_a_second_code_within_the_pause_is_429(app):
    register(app)
    response = register(app)
    assert response.status_code == 429
    assert response.json()["code"] == "code_resend_too_soon"
    assert 0 < int(response["Retry-After"]) <= 60


def test_sign_up_requests_from_one_address_are_limited_like_the_portals(app):
    for index in range(20):
        register(app, phone=f"+7999{index:07d}")
    response = register(app, phone="+79998887766")
    assert response.status_code == 429
    assert response.json()["code"] == "ip_limited"


# --- Quick login and recovery -------------------------------------------------------------------


def test_quick_login_by_account_number_and_sms_code(app, customer, meter):
    meter.account.customer.phone = customer.phone
    meter.account.customer.save()
    start = app.post("/auth/code-login/", {"account_number": "6300000101"})
    unknown = app.post("/auth/code-login/", {"account_number": "6300009999"})
    assert start.status_code == unknown.status_code == 202
    assert start.json()["code"] == unknown.json()["code"] == "code_sent"

    response = app.post(
        "/auth/code-login/confirm/", {"account_number": "6300000101", "code": last_code(customer.phone)}
    )

    assert response.status_code == 200
    assert app.get("/accounts/").json()["count"] == 1
    assert AuditEntry.objects.get(action="user.code_login").channel == "api"


def test_quick_login_with_a_wrong_code_is_refused(app, meter):
    response = app.post("/auth/code-login/confirm/", {"account_number": "6300000101", "code": "123456"})
    assert response.status_code == 422
    assert response.json()["code"] == "code_invalid"


def test_password_recovery_by_sms_code(app, customer):
    known = app.post("/auth/password/recover/", {"phone": customer.phone})
    unknown = app.post("/auth/password/recover/", {"phone": "+79160000000"})
    assert known.status_code == unknown.status_code == 202

    response = app.post(
        "/auth/password/reset/",
        {"phone": customer.phone, "code": last_code(customer.phone), "password": GOOD_PASSWORD},
    )

    assert response.status_code == 200
    assert response.json()["code"] == "password_changed"
    assert login(app, password=GOOD_PASSWORD).status_code == 200


def test_recovery_for_an_unknown_phone_is_refused_like_a_wrong_code(app):
    response = app.post("/auth/password/reset/", {"phone": "+79160000000", "code": "123456", "password": GOOD_PASSWORD})
    assert response.status_code == 422
    assert response.json()["code"] == "code_invalid"


def test_me_tells_who_is_signed_in(api):
    assert api.get("/me/").json() == {
        "phone": "+79161234567", "last_name": "Тестов", "first_name": "Иван", "middle_name": "", "email": "",
        "email_confirmed": False, "kind": "household",
    }  # fmt: skip


def test_a_linked_relative_logs_in_and_sees_the_shared_account(app, meter):
    relative = UserFactory(phone="+79167770000")
    link(relative, meter.account)
    login(app, phone="+79167770000")
    assert [a["number"] for a in app.get("/accounts/").json()["results"]] == ["6300000101"]
