"""A new e-mail address is confirmed by a signed link, mailed through a real SMTP server."""

import re
from email.header import decode_header, make_header

import pytest

from core.demo import DEMO_PASSWORD, seed_demo
from identity.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(client):
    seed_demo()
    client.login(phone="+79990000001", password=DEMO_PASSWORD)
    return User.objects.get(phone="+79990000001")


def change_email(client, address):
    return client.post("/profile/", {"form": "contact", "contact-last_name": "Иванов", "contact-email": address})


def link_in(message):
    body = message.get_payload(decode=True).decode(message.get_content_charset())
    return re.search(r"http://\S+", body).group(0).replace("http://127.0.0.1:8000", "")


def test_new_address_gets_a_link_that_confirms_it(client, smtp, customer):
    change_email(client, "ivanov@example.ru")
    customer.refresh_from_db()
    assert not customer.email_confirmed

    recipients, message = smtp.messages[-1]
    assert recipients == ["ivanov@example.ru"]
    assert str(make_header(decode_header(message["Subject"]))) == "Подтверждение e-mail"
    response = client.get(link_in(message), follow=True)

    customer.refresh_from_db()
    assert customer.email_confirmed
    assert "Адрес e-mail подтверждён" in response.content.decode()


def test_a_link_for_an_address_since_replaced_does_not_confirm(client, smtp, customer):
    change_email(client, "first@example.ru")
    old_link = link_in(smtp.messages[-1][1])
    change_email(client, "second@example.ru")
    response = client.get(old_link, follow=True)
    customer.refresh_from_db()
    assert not customer.email_confirmed
    assert "Ссылка недействительна" in response.content.decode()


def test_a_tampered_link_is_refused(client, smtp, customer):
    change_email(client, "ivanov@example.ru")
    link = link_in(smtp.messages[-1][1])
    response = client.get(link[:-3] + "abc/", follow=True)
    assert "Ссылка недействительна" in response.content.decode()
