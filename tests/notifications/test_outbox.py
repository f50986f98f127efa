"""Every SMS and e-mail goes through the outbox: written with its event, delivered once after commit,
retried with a growing pause, picked up again when its worker or the broker was lost."""

import datetime as dt
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from identity.codes import issue_code
from identity.models import OneTimeCode
from notifications import outbox
from notifications.models import LocalSms, OutboxMessage
from notifications.services import send_email, send_sms
from notifications.sms import LocalSmsBackend
from tests.conftest import TODAY
from tests.messages import sms_texts

pytestmark = pytest.mark.django_db
PHONE = "+79161234567"
State = OutboxMessage.State


def later(seconds: int) -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=seconds)


def test_an_sms_is_delivered_only_after_its_transaction_commits(today, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        key = send_sms(PHONE, "Текст")
        row = OutboxMessage.objects.get()
        assert (row.state, row.key.hex, row.recipient) == (State.PENDING, key, PHONE)
    assert sms_texts(PHONE) == []  # committed, not delivered yet
    for callback in callbacks:
        callback()
    row.refresh_from_db()
    assert row.state == State.SENT and row.sent_at == timezone.now() and row.attempts == 1
    assert row.body == ""  # not kept once delivered (codes are not stored in clear)
    assert list(LocalSms.objects.values_list("text", "message_id")) == [("Текст", key)]


def test_a_rolled_back_event_sends_nothing(today, gateway, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            send_sms(PHONE, "Код 123456")
            raise RuntimeError("the event failed")
    assert callbacks == [] and not OutboxMessage.objects.exists() and gateway.requests == []


def test_delivering_a_row_again_sends_nothing_twice(today, send_now):
    send_sms(PHONE, "Один раз")
    row = OutboxMessage.objects.get()
    assert outbox.deliver(row.pk) == "skipped"
    assert outbox.sweep(now=later(3600)).queued == 0
    assert sms_texts(PHONE) == ["Один раз"]


def test_the_local_backend_keeps_one_sms_per_idempotency_key(db):
    LocalSmsBackend().send(PHONE, "Текст", message_id="k-1")
    LocalSmsBackend().send(PHONE, "Текст", message_id="k-1")
    LocalSmsBackend().send(PHONE, "Текст", message_id="k-2")
    assert LocalSms.objects.count() == 2


def test_a_refused_sms_is_tried_again_after_a_pause_with_the_same_key(today, send_now, gateway, clock):
    gateway.statuses = [503]
    send_sms(PHONE, "Текст")
    row = OutboxMessage.objects.get()
    assert (row.state, row.attempts) == (State.PENDING, 1)
    assert row.available_at == timezone.now() + dt.timedelta(seconds=30)
    assert "SmsDeliveryError" in row.last_error
    assert outbox.deliver(row.pk) == "skipped"  # not before the pause is over

    clock.set(TODAY, dt.time(12, 0, 30))
    assert outbox.deliver(row.pk) == "sent"  # the retry the failed try scheduled, 30 s later
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == (State.SENT, 2, "")
    assert gateway.keys() == [row.key.hex, row.key.hex]
    assert list(gateway.accepted) == [row.key.hex]


def test_after_the_last_attempt_a_message_is_failed_and_kept(today, send_now, gateway, clock, settings):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    gateway.statuses = [503, 503, 503]
    send_sms(PHONE, "Текст")
    clock.set(TODAY, dt.time(12, 5))
    outbox.sweep()
    row = OutboxMessage.objects.get()
    assert (row.state, row.attempts) == (State.FAILED, 2)
    clock.set(TODAY, dt.time(14))
    assert outbox.sweep().queued == 0
    assert len(gateway.requests) == 2 and gateway.accepted == {}


def test_a_claimed_message_is_not_taken_by_a_second_worker_until_its_lease_expires(today, settings):
    send_sms(PHONE, "Текст")  # no commit in a test: nobody delivered it
    row = OutboxMessage.objects.get()
    first = outbox.claim(row.pk)
    assert first is not None and first.state == State.SENDING
    assert outbox.claim(row.pk) is None
    assert outbox.claim(row.pk, now=later(settings.NOTIFICATIONS_LEASE_SECONDS - 1)) is None
    second = outbox.claim(row.pk, now=later(settings.NOTIFICATIONS_LEASE_SECONDS))
    assert second is not None and second.claim != first.claim and second.attempts == 2


def test_a_worker_that_lost_its_lease_does_not_mark_the_message(today, settings):
    send_sms(PHONE, "Текст")
    row = OutboxMessage.objects.get()
    slow = outbox.claim(row.pk)
    taker = outbox.claim(row.pk, now=later(settings.NOTIFICATIONS_LEASE_SECONDS))
    assert OutboxMessage.objects.filter(pk=row.pk, claim=slow.claim).count() == 0
    assert OutboxMessage.objects.filter(pk=row.pk, claim=taker.claim).count() == 1


def test_the_sweeper_queues_stale_leases_and_lost_tasks_but_not_fresh_ones(today, settings, monkeypatch):
    queued = []
    monkeypatch.setattr(outbox, "queue", lambda ids: queued.extend(ids))
    for text in ("claimed by a worker that died", "queued just now", "queued long ago"):
        send_sms(PHONE, text)
    dead, fresh, lost = OutboxMessage.objects.order_by("pk")
    outbox.claim(dead.pk)
    OutboxMessage.objects.filter(pk=lost.pk).update(queued_at=later(-settings.NOTIFICATIONS_REQUEUE_SECONDS))

    result = outbox.sweep()
    assert (queued, result.stale) == ([lost.pk], 0)

    queued.clear()
    assert outbox.sweep(now=later(settings.NOTIFICATIONS_REQUEUE_SECONDS - 1)).queued == 0

    result = outbox.sweep(now=later(max(settings.NOTIFICATIONS_LEASE_SECONDS, settings.NOTIFICATIONS_REQUEUE_SECONDS)))
    assert sorted(queued) == [dead.pk, fresh.pk, lost.pk] and result.stale == 1


def test_a_broker_that_is_down_at_commit_loses_nothing(today, send_now, settings):
    from notifications.tasks import deliver_outbox

    with mock.patch.object(deliver_outbox, "delay", side_effect=BrokerError("connection refused")):
        send_sms(PHONE, "Текст")
    assert sms_texts(PHONE) == []
    outbox.sweep(now=later(settings.NOTIFICATIONS_REQUEUE_SECONDS))
    assert sms_texts(PHONE) == ["Текст"]


def test_codes_are_never_held_in_the_quiet_hours(clock, send_now):
    clock.set(TODAY, dt.time(23, 30))
    issue_code(purpose=OneTimeCode.Purpose.LOGIN, phone=PHONE)
    assert len(sms_texts(PHONE)) == 1 and "Код для входа" in sms_texts(PHONE)[0]


def test_an_email_carries_its_key_and_attachments_over_smtp(today, smtp):
    key = send_email(
        "ivan@example.ru", "Счёт", "Во вложении счёт.", attachments=[("bill.pdf", b"%PDF-1.4", "application/pdf")]
    )
    [(to, message)] = smtp.messages
    assert to == ["ivan@example.ru"]
    assert message["Message-ID"] == f"<{key}@abonent.local>" and message["X-Idempotency-Key"] == key
    _text, attachment = message.get_payload()
    assert attachment.get_filename() == "bill.pdf" and attachment.get_payload(decode=True) == b"%PDF-1.4"
    row = OutboxMessage.objects.get()
    assert row.state == State.SENT and row.attachments == []  # the PDF is not kept once delivered


def test_an_unreachable_mail_server_is_retried(today, send_now, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    send_email("ivan@example.ru", "Тема", "Текст")
    row = OutboxMessage.objects.get()
    assert (row.state, row.attempts) == (State.PENDING, 1) and row.last_error


def test_sent_messages_are_purged_after_the_keeping_period_and_failed_ones_stay(today, send_now, settings, clock):
    send_sms(PHONE, "Отправлено")
    send_sms(PHONE, "Не отправлено")
    OutboxMessage.objects.filter(pk=OutboxMessage.objects.order_by("pk").last().pk).update(state=State.FAILED)
    assert outbox.purge(now=later(settings.NOTIFICATIONS_OUTBOX_KEEP_DAYS * 86400 - 60)) == 0
    assert outbox.purge(now=later(settings.NOTIFICATIONS_OUTBOX_KEEP_DAYS * 86400 + 60)) == 1
    assert list(OutboxMessage.objects.values_list("state", flat=True)) == [State.FAILED]
