"""Changing the login phone in the profile: the new number proves itself with an SMS code, the old
one gets a notice, nothing changes before the code, attempts are limited, the change is audited."""

import pytest

from core.models import AuditEntry
from identity.models import User
from tests.factories import PASSWORD, UserFactory
from tests.messages import last_code, sms_texts

pytestmark = pytest.mark.django_db
OLD, NEW = "+79161234567", "+79167654321"


@pytest.fixture
def logged_in(client, customer, send_now):
    client.force_login(customer)
    return client


def ask(client, phone="8 916 765-43-21", password=PASSWORD):
    return client.post("/profile/", {"form": "phone", "phone-phone": phone, "phone-password": password})


def test_the_new_phone_gets_a_code_and_the_change_waits_for_it(logged_in, customer):
    response = ask(logged_in)
    assert response["Location"] == "/profile/phone/confirm/"
    assert "Код для подтверждения номера" in sms_texts(NEW)[-1]
    customer.refresh_from_db()
    assert customer.phone == OLD
    assert "Номер сменится после ввода кода" in logged_in.get("/profile/phone/confirm/").content.decode()

    response = logged_in.post("/profile/phone/confirm/", {"code": last_code(NEW)})

    assert response["Location"] == "/profile/"
    customer.refresh_from_db()
    assert customer.phone == NEW
    notice = sms_texts(OLD)[-1]
    assert "изменён на +7 916 ***-**-21" in notice and "Если это сделали не вы" in notice
    entry = AuditEntry.objects.get(action="user.phone_changed")
    assert entry.actor == customer and entry.changes == {"phone": ["+7 916 ***-**-67", "+7 916 ***-**-21"]}
    assert logged_in.get("/profile/").status_code == 200  # this session stays
    logged_in.logout()
    assert logged_in.login(phone=NEW, password=PASSWORD)
    assert not logged_in.login(phone=OLD, password=PASSWORD)


def test_a_wrong_code_changes_nothing(logged_in, customer):
    ask(logged_in)
    right = last_code(NEW)
    html = logged_in.post("/profile/phone/confirm/", {"code": "000000" if right != "000000" else "111111"}).content
    assert "Неверный код. Осталось попыток: 4." in html.decode()
    customer.refresh_from_db()
    assert customer.phone == OLD and sms_texts(OLD) == []


def test_the_current_password_is_required(logged_in, customer):
    response = ask(logged_in, password="not-my-password")
    assert 'id="id_phone-password_error"' in response.content.decode()
    assert "Неверный пароль." in response.content.decode()
    assert sms_texts(NEW) == []


@pytest.mark.parametrize(
    ("phone", "message"),
    [
        ("+7 916 123-45-67", "Это ваш текущий номер."),
        ("12345", "Укажите номер мобильного телефона из 10 цифр"),
    ],
)
def test_bad_numbers_are_explained_next_to_the_field(logged_in, phone, message):
    response = ask(logged_in, phone=phone)
    html = response.content.decode()
    assert 'id="id_phone-phone_error"' in html and message in html


def test_a_number_of_another_cabinet_is_refused(logged_in, customer):
    UserFactory(phone=NEW)
    html = ask(logged_in).content.decode()
    assert "Этот номер уже используется другим кабинетом" in html
    assert sms_texts(NEW) == []


def test_a_number_taken_while_the_code_was_on_its_way_is_refused_at_confirmation(logged_in, customer):
    ask(logged_in)
    UserFactory(phone=NEW)
    html = logged_in.post("/profile/phone/confirm/", {"code": last_code(NEW)}).content.decode()
    assert "Этот номер уже используется другим кабинетом" in html
    customer.refresh_from_db()
    assert customer.phone == OLD


def test_attempts_are_limited_per_user(logged_in):
    for _ in range(5):
        ask(logged_in, password="wrong-password")
    html = ask(logged_in).content.decode()
    assert "Слишком много попыток сменить номер. Попробуйте через час." in html
    assert sms_texts(NEW) == []


def test_the_confirmation_page_needs_the_first_step_and_a_login(client, logged_in):
    assert logged_in.get("/profile/phone/confirm/")["Location"] == "/profile/"
    logged_in.logout()
    assert logged_in.get("/profile/phone/confirm/")["Location"].startswith("/login/")


def test_other_profile_forms_are_not_disturbed_by_a_phone_error(logged_in):
    html = ask(logged_in, password="wrong").content.decode()
    assert 'id="id_password-old_password_error"' not in html and 'id="id_contact-last_name_error"' not in html
    assert User.objects.filter(phone=OLD).exists()
