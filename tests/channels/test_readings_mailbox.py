"""The readings mailbox end to end: a real SMTP client sends to our aiosmtpd endpoint, the reading is
stored, and the answer arrives on a second real SMTP server (the company's outgoing relay)."""

from __future__ import annotations

import datetime as dt
import os
import smtplib
import socket
import subprocess
import sys
import time
import urllib.parse
from email.header import decode_header, make_header
from email.message import EmailMessage
from pathlib import Path
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from channels.mailbox import ReadingsMailbox
from channels.models import InboundEmail
from metering.models import Reading
from tests.factories import MeterFactory, history, link

pytestmark = pytest.mark.django_db(transaction=True)  # the server's thread has its own connection

MAILBOX = "pokazaniya@example.ru"
ADDRESS = "ivan@example.ru"
NUMBER = "6300000101"
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def sender(customer, meter, today):
    customer.email, customer.email_confirmed = ADDRESS, True
    customer.save()
    return customer


@pytest.fixture
def mailbox(smtp):
    controller = Controller(ReadingsMailbox([MAILBOX]), hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


def letter(subject: str, body: str = "", *, sender: str = ADDRESS, **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, MAILBOX, subject
    message["Message-ID"] = headers.pop("message_id", f"<{time.monotonic_ns()}@mail.example.ru>")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def send(server, message: EmailMessage, *, to=MAILBOX) -> None:
    with smtplib.SMTP(server.hostname, server.port, timeout=10) as client:
        client.send_message(message, to_addrs=[to])


def reply_bodies(smtp) -> list[str]:
    return [m.get_payload(decode=True).decode(m.get_content_charset()) for _, m in smtp.messages]


def test_a_letter_with_readings_is_submitted_and_answered_by_email(mailbox, smtp, sender, meter):
    send(mailbox, letter(f"Показания {NUMBER}", f"{NUMBER}#11400\nС уважением, Иван"))

    [reading] = Reading.objects.filter(source=Reading.Source.EMAIL)
    assert (reading.meter_id, reading.value, reading.entered_by_id) == (meter.pk, 11400, sender.pk)
    [(recipients, reply)] = smtp.messages
    assert recipients == [ADDRESS]
    assert str(make_header(decode_header(reply["Subject"]))) == f"Re: Показания {NUMBER}"
    assert "показания приняты за ноябрь 2026 (11400), расход 200 кВт·ч" in reply_bodies(smtp)[0]


def test_a_letter_delivered_twice_is_processed_once(mailbox, smtp, sender):
    message = letter(f"001#{NUMBER}#11400", message_id="<twice@mail.example.ru>")
    send(mailbox, message)
    send(mailbox, message)
    assert Reading.objects.filter(source=Reading.Source.EMAIL).count() == 1
    assert len(smtp.messages) == 1


def test_an_html_only_letter_is_read_too(mailbox, smtp, sender):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = ADDRESS, MAILBOX, "Показания"
    message["Message-ID"] = "<html@mail.example.ru>"
    message.set_content(f"<html><body><p>001#{NUMBER}#11400</p><p>Иван</p></body></html>", subtype="html")
    send(mailbox, message)
    assert list(Reading.objects.filter(source=Reading.Source.EMAIL).values_list("value", flat=True)) == [11400]


def test_mail_for_another_address_is_refused(mailbox, smtp, sender):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(mailbox, letter(f"001#{NUMBER}#11400"), to="director@example.ru")
    assert refused.value.recipients["director@example.ru"][0] == 550
    assert not InboundEmail.objects.exists()


def test_an_automatic_reply_is_never_answered(mailbox, smtp, sender):
    send(mailbox, letter(f"001#{NUMBER}#11400", Auto_Submitted="auto-replied"))
    send(mailbox, letter("Out of office", "001#11400", Precedence="bulk"))
    assert not InboundEmail.objects.exists() and smtp.messages == []


def test_a_flood_from_one_sender_is_deferred_with_451(mailbox, smtp, sender, settings):
    settings.READINGS_EMAIL_PER_HOUR = 1
    send(mailbox, letter("003#"))
    with pytest.raises(smtplib.SMTPDataError) as deferred:
        send(mailbox, letter("003#"))
    assert deferred.value.smtp_code == 451
    assert InboundEmail.objects.count() == 1


def test_a_stranger_is_accepted_but_not_answered(mailbox, smtp, sender):
    send(mailbox, letter(f"001#{NUMBER}#11400", sender="someone@example.com"))
    assert InboundEmail.objects.get().outcome == "unknown_sender"
    assert smtp.messages == [] and not Reading.objects.filter(source=Reading.Source.EMAIL).exists()


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = urllib.parse.quote(db["USER"] or "") + (f":{urllib.parse.quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def test_the_management_command_serves_the_mailbox(smtp, customer, settings):
    """``manage.py readings_mailbox`` as production runs it: its own process (on the real clock), this
    test's database."""
    real_today = dt.date.today()
    meter = MeterFactory(account__number="6300000777")
    link(customer, meter.account)
    last = history(meter, {"total": 10_000}, last=real_today - dt.timedelta(days=30))["total"]
    customer.email, customer.email_confirmed = ADDRESS, True
    customer.save()
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "abonent.settings",
        "DATABASE_URL": _database_url(),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": settings.EMAIL_HOST,
        "EMAIL_PORT": str(settings.EMAIL_PORT),
        "READINGS_MAILBOX_ADDRESSES": MAILBOX,
        "CELERY_BROKER_URL": "",
        "REDIS_URL": "",
    }
    server = subprocess.Popen(
        [sys.executable, "manage.py", "readings_mailbox", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
                assert time.monotonic() < deadline, "the mailbox did not start"
                time.sleep(0.2)

        send(SimpleNamespace(hostname="127.0.0.1", port=port), letter(f"001#6300000777#{last + 150}"))
    finally:
        server.terminate()
        server.wait(timeout=10)
    stored = Reading.objects.filter(source=Reading.Source.EMAIL).values_list("meter_id", "value")
    assert list(stored) == [(meter.pk, last + 150)]
    assert "показания приняты" in reply_bodies(smtp)[0]
