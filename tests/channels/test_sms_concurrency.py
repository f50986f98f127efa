"""The gateway delivers one message several times at once (a retry racing the first try): one
processing, one reading, one SMS back, every caller gets the same reply. Needs PostgreSQL (the
duplicate waits on the unique index until the first commits)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from channels.models import InboundSms
from channels.services import handle_sms
from metering.models import Reading
from tests.concurrency import run_in_threads
from tests.factories import MeterFactory, UserFactory, history, link
from tests.messages import sms_texts

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrent inserts across connections need PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]

PHONE = "+79163330000"
COPIES = 6


def test_simultaneous_copies_of_one_message_are_processed_once(today):
    meter = MeterFactory(account__number="6300000601")
    link(UserFactory(phone=PHONE), meter.account)
    history(meter, {"total": 10_000})
    answers = []
    lock = threading.Lock()

    def deliver():
        answer = handle_sms(phone=PHONE, text="001#11400", message_id="race-1")
        with lock:
            answers.append(answer)

    run_in_threads([deliver] * COPIES)

    assert len({a.reply for a in answers}) == 1 and "показания приняты" in answers[0].reply
    assert sum(not a.duplicate for a in answers) == 1
    assert InboundSms.objects.count() == 1
    assert Reading.objects.filter(meter=meter, source=Reading.Source.SMS).count() == 1
    assert sms_texts(PHONE) == [answers[0].reply]


def test_different_messages_from_one_phone_at_once_are_each_processed(today):
    meter = MeterFactory(account__number="6300000602")
    link(UserFactory(phone=PHONE), meter.account)
    history(meter, {"total": 10_000})

    run_in_threads([lambda i=i: handle_sms(phone=PHONE, text="003#", message_id=f"info-{i}") for i in range(COPIES)])

    assert InboundSms.objects.filter(outcome="info").count() == COPIES
    assert len(sms_texts(PHONE)) == COPIES
