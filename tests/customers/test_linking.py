"""Adding an account to the cabinet proves ownership; wrong pairs look alike and are limited."""

import pytest

from core.models import AuditEntry
from customers.models import AccountLink
from tests.factories import AccountFactory, MeterFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    acc = AccountFactory(number="6311111111", bill_code="482913")
    MeterFactory(account=acc, serial="ab-1234567")
    return acc


@pytest.fixture
def customer(client):
    user = UserFactory()
    client.force_login(user)
    return user


def link(client, number="6311111111", proof="482913", **extra):
    return client.post("/a/link/", {"number": number, "proof": proof, **extra})


@pytest.mark.parametrize("proof", ["482913", " AB-1234567 ", "ab-1234567"])
def test_the_bill_code_or_a_meter_serial_proves_ownership(client, customer, account, proof):
    response = link(client, proof=proof, alias="Мамина квартира", group="Родители")
    assert response["Location"] == "/a/6311111111/"
    created = AccountLink.objects.get(user=customer, account=account)
    assert (created.alias, created.group) == ("Мамина квартира", "Родители")
    assert AuditEntry.objects.filter(action="account.linked", account=account).exists()
    assert client.get("/a/6311111111/").status_code == 200


def test_a_wrong_number_and_a_wrong_code_get_the_same_answer(client, customer, account):
    wrong_code = link(client, proof="000000").content.decode()
    wrong_number = link(client, number="6399999999").content.decode()
    message = "Номер лицевого счёта и код с квитанции (или номер счётчика) не совпадают"
    assert message in wrong_code and message in wrong_number
    assert not AccountLink.objects.exists()


def test_guessing_is_stopped_after_five_failures_even_with_the_right_code_then(client, customer, account):
    for _ in range(5):
        link(client, proof="000000")
    html = link(client).content.decode()
    assert "Слишком много неудачных попыток" in html
    assert not AccountLink.objects.exists()


def test_guessing_one_account_from_many_users_is_stopped_too(client, account):
    for _ in range(5):
        client.force_login(UserFactory())
        link(client, proof="000000")
    client.force_login(UserFactory())
    assert "Слишком много неудачных попыток" in link(client).content.decode()


def test_a_malformed_number_is_explained(client, customer, account):
    assert "Номер лицевого счёта — 10 цифр" in link(client, number="63111").content.decode()


def test_unlinking_removes_access_and_is_audited(client, customer, account):
    link(client)
    response = client.post("/a/6311111111/unlink/")
    assert response["Location"] == "/"
    assert client.get("/a/6311111111/").status_code == 404
    assert AuditEntry.objects.filter(action="account.unlinked").exists()


def test_one_cannot_unlink_what_is_not_ones_own(client, customer, account):
    other = UserFactory()
    AccountLink.objects.create(user=other, account=account)
    client.post("/a/6311111111/unlink/")
    assert AccountLink.objects.filter(user=other, account=account).exists()


def test_accounts_are_grouped_by_property_with_aliases(client, customer, account):
    link(client, alias="Квартира", group="Город")
    second = AccountFactory(number="6322222222", bill_code="111222")
    link(client, number=second.number, proof="111222", alias="Дом", group="Дача")
    html = client.get("/?all=1").content.decode()
    assert html.index("<h2>Город</h2>") < html.index("<h2>Дача</h2>")  # one heading per property, alphabetical
    assert "Квартира · Лицевой счёт 6311111111" in html
