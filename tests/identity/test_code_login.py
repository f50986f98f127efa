"""Quick login by account number and an SMS code sent to the account holder's phone."""

import re

import pytest

from core.demo import seed_demo
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
    response = client.post("/login/code/", {"number": "6399999999"})
    assert response["Location"] == "/login/code/confirm/"
    assert not LocalSms.objects.exists()
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
