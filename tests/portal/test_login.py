"""Logging in to the portal by phone and password, and the limit on guessing."""

import pytest

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def logged_in(client):
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("spelling", ["8 (916) 123-45-67", "+7 916 123 45 67", "9161234567", "+79161234567"])
def test_login_by_phone_in_any_common_spelling(client, customer, spelling):
    response = client.post("/login/", {"username": spelling, "password": PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == customer.pk


def test_wrong_password_is_refused_in_russian(client, customer):
    response = client.post("/login/", {"username": "+79161234567", "password": "not-my-password"})
    assert response.status_code == 200
    assert "Неверный номер телефона или пароль." in response.content.decode()
    assert not logged_in(client)


def test_unknown_phone_gets_the_same_answer_as_a_wrong_password(client, customer):
    response = client.post("/login/", {"username": "+79160000000", "password": PASSWORD})
    assert "Неверный номер телефона или пароль." in response.content.decode()


def test_not_a_phone_number_is_explained(client, db):
    response = client.post("/login/", {"username": "12345", "password": PASSWORD})
    assert "Укажите номер мобильного телефона из 10 цифр" in response.content.decode()


def test_after_five_failures_even_the_right_password_waits(client, customer):
    for _ in range(5):
        client.post("/login/", {"username": "8 916 123 45 67", "password": "guess"})
    response = client.post("/login/", {"username": "+79161234567", "password": PASSWORD})
    html = response.content.decode()
    assert "Слишком много неудачных попыток входа. Попробуйте снова через 15 минут." in html
    assert not logged_in(client)


def test_four_failures_do_not_lock_and_a_success_starts_the_count_again(client, customer):
    for _ in range(4):
        client.post("/login/", {"username": "+79161234567", "password": "guess"})
    assert client.post("/login/", {"username": "+79161234567", "password": PASSWORD}).status_code == 302
    client.logout()
    for _ in range(4):
        client.post("/login/", {"username": "+79161234567", "password": "guess"})
    assert client.post("/login/", {"username": "+79161234567", "password": PASSWORD}).status_code == 302


def test_the_limit_is_per_phone(client, customer):
    other = UserFactory(phone="+79170000000")
    for _ in range(5):
        client.post("/login/", {"username": "+79161234567", "password": "guess"})
    assert client.post("/login/", {"username": "+79170000000", "password": PASSWORD}).status_code == 302
    assert int(client.session["_auth_user_id"]) == other.pk


def test_pages_need_login(client, meter):
    response = client.get("/a/6300000101/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/a/6300000101/"
