"""Sign-up by account: the bill (district, account number, verification code) proves the account,
an SMS code proves the phone, and the account is in the cabinet straight away."""

import datetime as dt
import re

import pytest
from django.core import mail

from core.models import AuditEntry
from customers.models import AccountLink, Customer
from identity.models import Consent, User
from notifications.models import LocalSms
from tests.factories import AccountFactory, CustomerFactory, UserFactory
from tests.messages import last_code, sms_texts

pytestmark = pytest.mark.django_db
PASSWORD = "Лампочка-Ильича-42"
PHONE = "+79991234567"
MISMATCH = "Код района, номер лицевого счёта и проверочный код не совпадают с данными квитанции"
LOCKED = "Слишком много неудачных попыток. Попробуйте через час."


@pytest.fixture(autouse=True)
def _send(send_now):
    pass


@pytest.fixture
def account():
    return AccountFactory(number="6311111111", district_code="63", bill_code="482913")


def register(client, ip="10.0.0.1", **changes):
    data = {
        "district_code": "63",
        "number": "6311111111",
        "bill_code": "482913",
        "last_name": "Иванова",
        "first_name": "Анна-Мария",
        "email": "anna@example.ru",
        "phone": "8 (999) 123-45-67",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "accept_terms": "on",
        "accept_personal_data": "on",
        "captcha_0": "any-key",
        "captcha_1": "PASSED",  # CAPTCHA test mode (abonent.settings_test); a wrong answer still fails
    }
    data.update(changes)
    return client.post("/register/account/", {k: v for k, v in data.items() if v is not None}, REMOTE_ADDR=ip)


def form_errors(response) -> str:
    """The non-field errors block as a person reads it."""
    match = re.search(r'<div class="form-errors"[^>]*>(.*?)</div>', response.content.decode(), re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)).strip() if match else ""


def field_error(response, field) -> str:
    match = re.search(rf'id="id_{field}_error"[^>]*>(.*?)</p>', response.content.decode(), re.S)
    return match.group(1) if match else ""


def test_the_bill_and_an_sms_code_register_the_customer_with_the_account_linked(client, account):
    response = register(client)
    assert response["Location"] == "/register/confirm/"
    user = User.objects.get(phone=PHONE)
    assert not user.is_active
    assert (user.last_name, user.first_name, user.email) == ("Иванова", "Анна-Мария", "anna@example.ru")
    assert not AccountLink.objects.exists()  # nothing is linked before the phone is proved

    response = client.post("/register/confirm/", {"code": last_code(PHONE)})

    assert response["Location"] == "/a/6311111111/"
    user.refresh_from_db()
    assert user.is_active and client.session["_auth_user_id"] == str(user.pk)
    assert client.get("/a/6311111111/").status_code == 200
    assert AccountLink.objects.filter(user=user, account=account).exists()
    assert set(Consent.objects.filter(user=user).values_list("document", flat=True)) == {"terms", "personal_data"}
    assert AuditEntry.objects.filter(action="user.registered", actor=user).exists()
    assert AuditEntry.objects.filter(action="account.linked", actor=user, account=account).exists()
    # The address typed at sign-up gets its confirmation link.
    assert [m.to for m in mail.outbox] == [["anna@example.ru"]] and "/profile/email/confirm/" in mail.outbox[0].body


def test_the_bill_code_is_not_case_sensitive_and_spaces_around_are_ignored(client, db):
    AccountFactory(number="6322222222", district_code="7", bill_code="AB12CD")
    response = register(client, district_code=" 7 ", number="6322222222", bill_code=" ab12cd ")
    assert response["Location"] == "/register/confirm/"


@pytest.mark.parametrize(
    "wrong",
    [
        {"district_code": "64"},  # wrong district
        {"number": "6399999999"},  # no such account
        {"bill_code": "482914"},  # wrong code from the bill
        {"district_code": "64", "bill_code": "000000"},  # everything wrong
    ],
)
def test_any_wrong_part_gets_one_answer_and_nothing_happens(client, account, wrong):
    baseline = register(client, ip="10.0.0.9", bill_code="000001")
    response = register(client, **wrong)
    assert response.status_code == baseline.status_code == 200
    assert form_errors(response) == form_errors(baseline)
    assert MISMATCH in form_errors(response)
    assert not User.objects.exists() and not LocalSms.objects.exists()


def test_a_business_or_closed_account_answers_like_a_wrong_code(client, db):
    business = CustomerFactory(kind=Customer.Kind.BUSINESS, organization="ООО «Ромашка»")
    AccountFactory(number="6333333333", district_code="63", bill_code="111111", customer=business)
    AccountFactory(number="6344444444", district_code="63", bill_code="222222", status="closed")
    for number, code in [("6333333333", "111111"), ("6344444444", "222222")]:
        assert MISMATCH in form_errors(register(client, number=number, bill_code=code))
    assert not User.objects.exists()


def test_a_weak_password_is_explained_the_same_for_a_right_and_a_wrong_account(client, account):
    right = register(client, password1="1234567890123", password2="1234567890123")
    wrong = register(client, password1="1234567890123", password2="1234567890123", bill_code="000000")
    assert field_error(right, "password1") and field_error(right, "password1") == field_error(wrong, "password1")
    assert MISMATCH not in form_errors(wrong)


def test_five_failures_on_one_account_lock_it_even_for_the_right_code(client, account):
    for n in range(5):  # from different addresses and phones: the account itself is counted
        register(client, ip=f"10.0.1.{n}", phone=f"+7999000000{n}", bill_code="000000")
    response = register(client, ip="10.0.2.1")
    assert LOCKED in form_errors(response)
    assert not User.objects.exists()


def test_five_failures_with_one_phone_lock_that_phone(client, db):
    AccountFactory(number="6355555555", district_code="63", bill_code="555555")
    for n in range(5):
        register(client, ip=f"10.0.3.{n}", number=f"63000000{n:02d}")
    assert LOCKED in form_errors(register(client, ip="10.0.4.1", number="6355555555", bill_code="555555"))


def test_ten_failures_from_one_address_lock_that_address(client, account):
    for n in range(10):
        register(client, number=f"63100000{n:02d}", phone=f"+7999100000{n}")
    assert LOCKED in form_errors(register(client, phone="+79992223344"))
    # Another address is not locked: it gets the ordinary answer.
    assert MISMATCH in form_errors(register(client, ip="10.9.9.9", phone="+79992223355", bill_code="000000"))


def test_a_wrong_captcha_is_refused_before_the_account_is_looked_at(client, account):
    response = register(client, captcha_1="WRONG")
    assert "Символы с картинки введены неверно" in field_error(response, "captcha_1") + field_error(response, "captcha")
    assert not User.objects.exists()
    missing = register(client, captcha_1="")
    assert "Введите символы с картинки" in missing.content.decode()


def test_the_form_shows_a_captcha_picture(client, db):
    html = client.get("/register/account/").content.decode()
    assert re.search(r'<img src="/captcha/image/\w+/"', html)
    assert 'name="captcha_1"' in html


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"district_code": "6a"}, "district_code", "Код района — от 1 до 4 цифр"),
        ({"number": "63111"}, "number", "Номер лицевого счёта — 10 цифр"),
        ({"email": "anna@"}, "email", "Укажите адрес e-mail"),
        ({"last_name": "Иванова2"}, "last_name", "Только буквы"),
        ({"phone": "12345"}, "phone", "Укажите номер мобильного телефона"),
        ({"password2": "Другой-пароль-42"}, "password2", "Пароли не совпадают"),
        ({"accept_personal_data": None}, "accept_personal_data", "Дайте согласие на обработку персональных данных"),
        ({"first_name": ""}, "first_name", "Обязательное поле"),
    ],
)
def test_bad_input_is_explained_next_to_its_field(client, account, changes, field, message):
    response = register(client, **changes)
    assert message in field_error(response, field)
    assert not User.objects.exists()


def test_a_registered_phone_gets_the_same_page_a_notice_and_no_link(client, account):
    UserFactory(phone=PHONE)
    response = register(client)
    assert response["Location"] == "/register/confirm/"
    assert "уже зарегистрирован" in sms_texts(PHONE)[-1] and last_code(PHONE) is None
    client.post("/register/confirm/", {"code": "123456"})
    assert not AccountLink.objects.exists()


def test_a_wrong_sms_code_links_nothing(client, account):
    register(client)
    html = client.post("/register/confirm/", {"code": "not-it"}).content.decode()
    assert "Неверный код. Осталось попыток: 4." in html
    assert not AccountLink.objects.exists() and not User.objects.get(phone=PHONE).is_active


def test_phone_sign_up_after_an_abandoned_account_sign_up_links_nothing(client, account, clock):
    clock.set(dt.date(2026, 11, 20), dt.time(12, 0))
    register(client)  # a code is sent, never entered
    clock.set(dt.date(2026, 11, 20), dt.time(12, 5))  # past the resend pause
    client.post(
        "/register/",
        {
            "phone": PHONE,
            "password1": PASSWORD,
            "password2": PASSWORD,
            "accept_terms": "on",
            "accept_personal_data": "on",
        },
    )
    response = client.post("/register/confirm/", {"code": last_code(PHONE)})
    assert response["Location"] == "/"
    assert User.objects.get(phone=PHONE).is_active
    assert not AccountLink.objects.exists()
