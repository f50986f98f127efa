"""Each customer chooses SMS, e-mail or nothing per kind of message, and e-bills per linked account."""

import pytest

from core.models import AuditEntry
from customers.models import AccountLink
from customers.selectors import ebill_recipients
from notifications.models import Channel, ChannelPreference, Kind
from notifications.selectors import channel_for
from tests.factories import AccountFactory, UserFactory, link

pytestmark = pytest.mark.django_db
ALL_SMS = {f"channels-{kind}": "sms" for kind in Kind.values}


@pytest.fixture
def user(client, customer):
    customer.email, customer.email_confirmed = "ivan@example.ru", True
    customer.save()
    client.force_login(customer)
    return customer


def save_channels(client, **choices):
    data = {"form": "channels", **ALL_SMS}
    data.update({f"channels-{kind}": channel for kind, channel in choices.items()})
    return client.post("/profile/", data)


def test_before_choosing_service_messages_come_and_news_do_not(user):
    assert channel_for(user, Kind.READINGS_REMINDER) == Channel.SMS
    assert channel_for(user, Kind.BILLS) == Channel.EMAIL
    assert channel_for(user, Kind.NEWS) == Channel.NONE


def test_the_profile_stores_one_channel_per_kind(client, user):
    response = save_channels(client, bills="email", news="none", debts="email", payments="none")
    assert response["Location"] == "/profile/"
    assert channel_for(user, Kind.BILLS) == Channel.EMAIL
    assert channel_for(user, Kind.DEBTS) == Channel.EMAIL
    assert channel_for(user, Kind.PAYMENTS) == Channel.NONE
    assert channel_for(user, Kind.READINGS_REMINDER) == Channel.SMS
    assert ChannelPreference.objects.filter(user=user).count() == len(Kind.values)
    entry = AuditEntry.objects.get(action="user.notification_channels_changed")
    assert entry.changes == {"debts": "email", "payments": "none", "request_answers": "sms"}
    html = client.get("/profile/").content.decode()
    assert '<option value="none" selected>' in html  # the page shows what was chosen


def test_choices_are_per_user(client, user):
    save_channels(client, readings_reminder="none")
    other = UserFactory()
    assert channel_for(other, Kind.READINGS_REMINDER) == Channel.SMS


def test_email_needs_an_address(client, user):
    user.email = ""
    user.save()
    response = save_channels(client, bills="email")
    html = response.content.decode()
    assert 'id="id_channels-bills_error"' in html and "укажите адрес e-mail" in html
    assert not ChannelPreference.objects.exists()


def test_until_the_address_is_confirmed_email_falls_back_to_sms(client, user):
    save_channels(client, bills="email", news="email")
    user.email_confirmed = False
    user.save()
    assert channel_for(user, Kind.BILLS) == Channel.SMS
    assert channel_for(user, Kind.NEWS) == Channel.NONE


def test_an_unknown_channel_is_refused_next_to_its_field(client, user):
    html = save_channels(client, bills="pigeon").content.decode()
    assert 'id="id_channels-bills_error"' in html
    assert not ChannelPreference.objects.exists()


def test_other_code_asks_only_for_known_kinds(user):
    with pytest.raises(ValueError):
        channel_for(user, "lottery")


@pytest.fixture
def accounts(user):
    flat = AccountFactory(number="6311111111")
    dacha = AccountFactory(number="6322222222")
    link(user, flat)
    link(user, dacha)
    return flat, dacha


def test_a_checkbox_per_account_subscribes_it_to_e_bills(client, user, accounts):
    flat, dacha = accounts
    html = client.get("/profile/").content.decode()
    assert 'value="6311111111"' in html and 'value="6322222222"' in html
    assert client.post("/profile/", {"form": "ebill", "ebill-ebill": ["6322222222"]})["Location"] == "/profile/"
    assert {link.account.number: link.ebill for link in AccountLink.objects.filter(user=user)} == {
        "6311111111": False,
        "6322222222": True,
    }
    assert ebill_recipients(dacha) == ["ivan@example.ru"] and ebill_recipients(flat) == []
    assert AuditEntry.objects.filter(action="account.ebill_subscribed", account=dacha).exists()

    client.post("/profile/", {"form": "ebill"})  # every box unticked
    assert not AccountLink.objects.filter(user=user, ebill=True).exists()
    assert AuditEntry.objects.filter(action="account.ebill_unsubscribed", account=dacha).exists()


def test_someone_elses_account_cannot_be_subscribed(client, user, accounts):
    stranger = AccountFactory(number="6333333333")
    other_link = link(UserFactory(), stranger)
    response = client.post("/profile/", {"form": "ebill", "ebill-ebill": ["6333333333"]})
    assert response.status_code == 200
    other_link.refresh_from_db()
    assert not other_link.ebill and not AccountLink.objects.filter(ebill=True).exists()


def test_e_bills_need_an_address_and_go_only_to_confirmed_ones(client, user, accounts):
    user.email = ""
    user.save()
    html = client.post("/profile/", {"form": "ebill", "ebill-ebill": ["6311111111"]}).content.decode()
    assert "Чтобы получать квитанции по e-mail, укажите адрес e-mail" in html
    assert not AccountLink.objects.filter(ebill=True).exists()
    user.email, user.email_confirmed = "ivan@example.ru", False
    user.save()
    client.post("/profile/", {"form": "ebill", "ebill-ebill": ["6311111111"]})
    assert ebill_recipients(accounts[0]) == []  # subscribed, but the address is not confirmed yet


def test_a_kind_can_be_shown_only_in_the_portal(client, user):
    save_channels(client, meter_verification="portal")
    assert channel_for(user, Kind.METER_VERIFICATION) == Channel.PORTAL
    html = client.get("/profile/").content.decode()
    assert "Срок поверки счётчика" in html and "только в личном кабинете" in html
