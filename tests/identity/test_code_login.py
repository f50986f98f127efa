"""Quick login by account number and an SMS code sent to the account holder's phone."""

import re

import pytest

from core.demo import seed_demo
from core.errors import DomainError
from notifications.models import LocalSms

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo(monkeypatch):
    monkeypatch.setattr("notifications.services.transaction.on_commit", lambda callback, **kw: callback())
    seed_demo()


def code_sent_to(phone):
    sms = LocalSms.objects.filter(phone=phone).order_by("-id").first()
    return re.search(r"\b(\d{6})\b", sms.text).group(1)


def test_account_number_and_sms_code_log_the_holder_in(client):
    before = client.session.session_key
    response = client.post("/login/code/", {"number": "6300000001"})
    assert response["Location"] == "/login/code/confirm/"

    response = client.post("/login/code/confirm/", {"code": code_sent_to("+79990000001")})

    assert response["Location"] == "/a/6300000001/"
    assert client.session.session_key != before  # the session rotates on login
    assert client.get("/a/6300000001/").status_code == 200


def test_an_unknown_account_gets_the_same_answer_and_no_sms(client):
    sent = LocalSms.objects.count()  # the demo's own "bill ready" messages, outside quiet hours
    response = client.post("/login/code/", {"number": "6399999999"})
    assert response["Location"] == "/login/code/confirm/"
    assert LocalSms.objects.count() == sent
    html = client.post("/login/code/confirm/", {"code": "123456"}).content.decode()
    assert "Неверный код." in html
    assert "_auth_user_id" not in client.session


def test_a_wrong_code_does_not_log_in(client):
    client.post("/login/code/", {"number": "6300000001"})
    right = code_sent_to("+79990000001")
    html = client.post("/login/code/confirm/", {"code": "000000" if right != "000000" else "111111"}).content.decode()
    assert "Осталось попыток: 4" in html
    assert "_auth_user_id" not in client.session


def test_the_code_page_needs_the_first_step(client):
    assert client.get("/login/code/confirm/")["Location"] == "/login/code/"


LOCKED = "Слишком много неудачных попыток входа. Попробуйте снова через 15 минут."


def wrong(phone):
    return "000000" if code_sent_to(phone) != "000000" else "111111"


def test_five_tries_on_one_account_lock_its_quick_login_even_for_the_right_code(client):
    client.post("/login/code/", {"number": "6300000001"})
    for _ in range(4):
        client.post("/login/code/confirm/", {"code": wrong("+79990000001")})
    html = client.post("/login/code/confirm/", {"code": code_sent_to("+79990000001")}).content.decode()
    assert LOCKED in html
    assert "_auth_user_id" not in client.session
    assert LOCKED in client.post("/login/code/", {"number": "6300000001"}, REMOTE_ADDR="10.1.1.1").content.decode()


def test_an_unknown_account_is_locked_after_as_many_requests(client, clock):
    import datetime as dt

    for n in range(5):
        clock.set(dt.date(2026, 11, 20), dt.time(12, n * 2))  # past the resend pause each time
        assert client.post("/login/code/", {"number": "6399999999"}, REMOTE_ADDR=f"10.0.0.{n}").status_code == 302
    clock.set(dt.date(2026, 11, 20), dt.time(12, 11))
    assert LOCKED in client.post("/login/code/", {"number": "6399999999"}).content.decode()


def test_a_holder_whose_phone_used_up_its_tries_is_answered_as_an_unknown_account():
    """The phone counts tries over all the holder's accounts; past it, no more codes and no lockout
    an unknown account would not get: its tries are answered like an unknown account's."""
    from identity.services import finish_code_login, start_code_login

    for number in ["6300000004", "6300000004", "6300000004", "6300000005", "6300000005"]:
        with pytest.raises(DomainError) as error:
            finish_code_login(account_number=number, code="000000", ip=f"10.2.0.{number[-1]}")
        assert error.value.code == "code_invalid"
    sent = LocalSms.objects.filter(phone="+79990000004").count()
    start_code_login(account_number="6300000005", ip="10.2.9.9")
    assert LocalSms.objects.filter(phone="+79990000004").count() == sent  # no code to the phone
    start_code_login(account_number="6399999998", ip="10.2.9.8")
    answers = []
    for number in ["6300000005", "6399999998"]:
        with pytest.raises(DomainError) as error:
            finish_code_login(account_number=number, code="000000", ip="10.2.9.7")
        answers.append((error.value.code, error.value.message))
    assert answers[0] == answers[1] == ("code_invalid", "Неверный код. Осталось попыток: 4.")
    # Another customer is not affected.
    start_code_login(account_number="6300000001", ip="10.2.0.4")
    assert LocalSms.objects.filter(phone="+79990000001").exists()


def test_one_address_is_limited_across_accounts():
    from identity.services import finish_code_login

    numbers = ["6300000001", "6300000002", "6300000003", "6300000004", "6399999999"]
    for attempt in range(20):
        with pytest.raises(DomainError) as error:
            finish_code_login(account_number=numbers[attempt % 5], code="000000", ip="10.3.0.1")
        assert error.value.code in {"code_invalid", "login_locked"}
    with pytest.raises(DomainError) as error:
        finish_code_login(account_number="6300000002", code="000000", ip="10.3.0.1")
    assert error.value.code == "login_locked" and "через 15 минут" in error.value.message


def test_a_success_starts_the_account_count_again(client):
    client.post("/login/code/", {"number": "6300000001"})
    for _ in range(3):
        client.post("/login/code/confirm/", {"code": wrong("+79990000001")})
    assert client.post("/login/code/confirm/", {"code": code_sent_to("+79990000001")}).status_code == 302
    client.logout()
    import datetime as dt
    from unittest import mock

    from django.utils import timezone

    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + dt.timedelta(seconds=61)):
        assert client.post("/login/code/", {"number": "6300000001"})["Location"] == "/login/code/confirm/"
