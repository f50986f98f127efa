"""The notification centre through the API (list, unread count, mark read, all read) and the message
settings (channel per kind, e-bills per account): the same services as the portal's bell and profile."""

from __future__ import annotations

import pytest

from core.models import AuditEntry
from customers.models import AccountLink
from notifications.models import ChannelPreference, Kind
from notifications.services import notify

pytestmark = pytest.mark.django_db


def told(user, n, *, account=None):
    return notify(
        user=user, kind=Kind.BILLS, subject=f"Счёт {n}", text=f"Счёт № {n} готов.", url="/a/6300000101/",
        account=account, event_key=f"bill-{n}",
    )  # fmt: skip


@pytest.fixture
def three(customer, meter):
    for n in range(3):
        told(customer, n, account=meter.account)


def test_notifications_newest_first_with_the_unread_count(api, three):
    body = api.get("/notifications/").json()
    assert [n["subject"] for n in body["results"]] == ["Счёт 2", "Счёт 1", "Счёт 0"]
    assert body["results"][0]["account"] == "6300000101" and body["results"][0]["link"] == "/a/6300000101/"
    assert api.get("/notifications/unread-count/").json() == {"unread": 3}


def test_marking_one_read_then_all(api, three):
    first = api.get("/notifications/").json()["results"][0]["id"]
    response = api.post(f"/notifications/{first}/read/")
    assert response.status_code == 200 and response.json()["read_at"]
    assert api.get("/notifications/unread-count/").json() == {"unread": 2}
    assert [n["id"] for n in api.get("/notifications/", {"unread": "true"}).json()["results"]] != [first]
    assert api.post("/notifications/read-all/").json() == {"marked": 2, "unread": 0}
    assert api.get("/notifications/", {"unread": "true"}).json()["count"] == 0


def test_another_users_notification_is_404_and_stays_unread(api, stranger):
    from notifications.models import Notification

    told(stranger, 9)
    theirs = Notification.objects.get(user=stranger)
    response = api.post(f"/notifications/{theirs.pk}/read/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert api.post("/notifications/read-all/").json()["marked"] == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_a_read_only_key_reads_the_centre_but_marks_nothing(reader, three):
    assert reader.get("/notifications/").json()["count"] == 3
    assert reader.post("/notifications/read-all/").json()["code"] == "token_read_only"
    assert reader.get("/notifications/unread-count/").json() == {"unread": 3}


def test_channels_list_every_kind_with_the_default_and_what_is_used_now(api, customer):
    channels = {c["kind"]: c for c in api.get("/me/notification-channels/").json()["channels"]}
    assert set(channels) == set(Kind.values)
    assert (channels["bills"]["channel"], channels["bills"]["used"]) == ("email", "sms")  # no confirmed e-mail yet
    assert channels["news"]["channel"] == "none"


def test_choosing_channels_changes_only_the_kinds_given_and_is_audited(api, customer):
    customer.email, customer.email_confirmed = "ivan@example.ru", True
    customer.save()
    response = api.put("/me/notification-channels/", {"news": "sms", "bills": "portal"})
    assert response.status_code == 200
    channels = {c["kind"]: c["channel"] for c in response.json()["channels"]}
    assert (channels["news"], channels["bills"], channels["payments"]) == ("sms", "portal", "email")
    assert set(ChannelPreference.objects.values_list("kind", flat=True)) == {"news", "bills"}
    assert AuditEntry.objects.filter(action="user.notification_channels_changed").exists()


def test_email_needs_an_address_and_a_channel_must_be_one_of_the_list(api):
    refused = api.put("/me/notification-channels/", {"news": "email"})
    assert refused.status_code == 422
    assert (refused.json()["code"], refused.json()["field"]) == ("preference_needs_email", "news")
    assert api.put("/me/notification-channels/", {"news": "pigeon"}).status_code == 422
    assert not ChannelPreference.objects.exists()


def test_ebills_per_account(api, customer):
    listed = api.get("/me/ebills/").json()["accounts"]
    assert [(a["number"], a["address"], a["ebill"]) for a in listed] == [
        ("6300000101", customer.account_links.get().account.premise.address, False)
    ]
    assert api.put("/me/ebills/", {"accounts": ["6300000101"]}).json()["code"] == "ebill_needs_email"
    customer.email = "ivan@example.ru"
    customer.save()
    response = api.put("/me/ebills/", {"accounts": ["6300000101"]})
    assert response.status_code == 200 and response.json()["accounts"][0]["ebill"] is True
    assert api.put("/me/ebills/", {"accounts": []}).json()["accounts"][0]["ebill"] is False


def test_ebills_for_another_customers_account_are_refused(api, stranger, customer):
    customer.email = "ivan@example.ru"
    customer.save()
    response = api.put("/me/ebills/", {"accounts": [stranger.account.number]})
    assert response.status_code == 404
    assert not AccountLink.objects.filter(ebill=True).exists()


def test_a_read_only_key_changes_no_settings(reader):
    assert reader.put("/me/notification-channels/", {"news": "sms"}).status_code == 403
    assert reader.put("/me/ebills/", {"accounts": []}).status_code == 403
