"""notify(): an event reaches the customer by the channel they chose for its kind, once, and is shown
in the notification centre; SMS about events wait out the quiet hours."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from notifications import outbox
from notifications.models import Channel, ChannelPreference, Kind, Notification, OutboxMessage
from notifications.services import notify
from tests.conftest import TODAY
from tests.factories import UserFactory
from tests.messages import sms_texts

pytestmark = pytest.mark.django_db


def answer(user, key="request:17:answer:1"):
    """What the support requests call when staff answer (their signature, kept working)."""
    return notify(
        user=user,
        kind=Kind.REQUEST_ANSWERS,
        subject="Ответ на обращение № 17",
        text="По обращению № 17 есть ответ специалиста.",
        url="/requests/17/",
        event_key=key,
    )


def choose(user, kind, channel):
    ChannelPreference.objects.update_or_create(user=user, kind=kind, defaults={"channel": channel})


@pytest.fixture
def ivan(customer):
    customer.email, customer.email_confirmed = "ivan@example.ru", True
    customer.save()
    return customer


def test_a_request_answer_goes_by_e_mail_with_the_link_and_into_the_centre(ivan, today, smtp):
    assert answer(ivan) is True
    [(to, message)] = smtp.messages
    assert to == ["ivan@example.ru"]
    body = message.get_payload(decode=True).decode()
    assert "По обращению № 17 есть ответ специалиста." in body and "http://127.0.0.1:8000/requests/17/" in body
    entry = Notification.objects.get(user=ivan)
    assert (entry.kind, entry.subject, entry.link, entry.read_at) == (
        Kind.REQUEST_ANSWERS,
        "Ответ на обращение № 17",
        "/requests/17/",
        None,
    )


def test_the_same_event_is_told_once(ivan, today, smtp):
    assert answer(ivan) is True
    assert answer(ivan) is False
    assert answer(ivan, key="request:17:answer:2") is True  # a second answer is a new event
    assert len(smtp.messages) == 2 and Notification.objects.count() == 2


def test_sms_chosen_goes_by_sms(ivan, today, send_now):
    choose(ivan, Kind.REQUEST_ANSWERS, Channel.SMS)
    answer(ivan)
    assert sms_texts(ivan.phone) == ["По обращению № 17 есть ответ специалиста."]


def test_only_in_the_portal_sends_nothing_out(ivan, today, smtp):
    choose(ivan, Kind.REQUEST_ANSWERS, Channel.PORTAL)
    assert answer(ivan) is True
    assert smtp.messages == [] and sms_texts(ivan.phone) == [] and not OutboxMessage.objects.exists()
    assert Notification.objects.get().channel == Channel.PORTAL


def test_nothing_chosen_tells_nothing_at_all(ivan, today, smtp):
    choose(ivan, Kind.REQUEST_ANSWERS, Channel.NONE)
    assert answer(ivan) is False
    assert smtp.messages == [] and not Notification.objects.exists()


def test_an_unconfirmed_address_gets_an_sms_instead(customer, today, send_now):
    customer.email, customer.email_confirmed = "ivan@example.ru", False
    customer.save()
    answer(customer)
    assert sms_texts(customer.phone) == ["По обращению № 17 есть ответ специалиста."]


def test_an_event_whose_transaction_rolls_back_is_not_told(ivan, today, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            answer(ivan)
            raise RuntimeError("the answer was not saved")
    assert callbacks == [] and not Notification.objects.exists() and not OutboxMessage.objects.exists()


def test_an_event_without_a_key_is_told_every_time(ivan, today, smtp):
    for _ in range(2):
        notify(user=ivan, kind=Kind.NEWS, subject="Новость", text="Новый тариф")
    assert Notification.objects.count() == 0  # news are off by default
    choose(ivan, Kind.NEWS, Channel.PORTAL)
    for _ in range(2):
        notify(user=ivan, kind=Kind.NEWS, subject="Новость", text="Новый тариф")
    assert Notification.objects.count() == 2


def test_unknown_kinds_are_refused(ivan, today):
    with pytest.raises(ValueError):
        notify(user=ivan, kind="lottery", subject="?", text="?")


def test_an_sms_about_an_event_at_night_waits_until_nine(customer, clock, send_now, settings):
    clock.set(TODAY, dt.time(22, 15))
    answer(customer)  # no confirmed e-mail: by SMS
    row = OutboxMessage.objects.get()
    assert timezone.localtime(row.available_at).replace(tzinfo=None) == dt.datetime(2026, 11, 21, 9, 0)
    assert sms_texts(customer.phone) == []
    assert Notification.objects.filter(user=customer).exists()  # the centre shows it at once

    clock.set(dt.date(2026, 11, 21), dt.time(8, 59))
    assert outbox.sweep().queued == 0
    clock.set(dt.date(2026, 11, 21), dt.time(9, 0))
    assert outbox.sweep().queued == 1
    assert sms_texts(customer.phone) == ["По обращению № 17 есть ответ специалиста."]


def test_e_mail_is_not_held_at_night(ivan, clock, smtp):
    clock.set(TODAY, dt.time(23, 0))
    answer(ivan)
    assert len(smtp.messages) == 1


def test_without_quiet_hours_nothing_waits(customer, clock, send_now, settings):
    settings.NOTIFICATIONS_QUIET_HOURS = ""
    clock.set(TODAY, dt.time(23, 0))
    answer(customer)
    assert len(sms_texts(customer.phone)) == 1


def test_a_batch_that_collides_with_another_run_still_tells_the_rest(customer, today, send_now):
    from notifications.services import Event, tell

    others = [UserFactory() for _ in range(3)]
    # Another run already queued this event for the customer (its centre entry not visible yet).
    OutboxMessage.objects.create(
        channel=Channel.SMS,
        recipient=customer.phone,
        body="Передайте показания",
        user=customer,
        kind=Kind.READINGS_REMINDER,
        event_key="readings-deadline:2026-11",
        available_at=timezone.now(),
    )
    events = [
        Event(
            user=u,
            kind=Kind.READINGS_REMINDER,
            subject="Показания",
            text="Передайте показания",
            event_key="readings-deadline:2026-11",
        )
        for u in [customer, *others]
    ]
    assert tell(events) == 3
    assert OutboxMessage.objects.filter(event_key="readings-deadline:2026-11").count() == 4
    assert not Notification.objects.filter(user=customer).exists()
    assert all(sms_texts(u.phone) == ["Передайте показания"] for u in others)
