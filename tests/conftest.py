import datetime as dt
import socket
from email import message_from_bytes
from unittest import mock

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import cache
from django.utils import timezone

from tests.factories import MeterFactory, UserFactory, history, link

# The day most tests live on: inside the default 15th-25th window of November 2026.
TODAY = dt.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    """Fast password hashing, and no cached prices, windows or rate-limit counters across tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


class Clock:
    """Sets "now" (and so ``timezone.localdate()`` and ``auto_now_add``) to a moment in the company's zone."""

    def __init__(self) -> None:
        self._patch = None
        self.today: dt.date | None = None

    def set(self, day: dt.date, time: dt.time = dt.time(12)) -> dt.date:
        self.stop()
        moment = timezone.make_aware(dt.datetime.combine(day, time))
        self._patch = mock.patch("django.utils.timezone.now", return_value=moment)
        self._patch.start()
        self.today = day
        return day

    def stop(self) -> None:
        if self._patch is not None:
            self._patch.stop()
            self._patch = None


@pytest.fixture
def clock():
    """``clock.set(date)`` freezes the time at noon of that day until the test ends."""
    c = Clock()
    yield c
    c.stop()


@pytest.fixture
def today(clock):
    return clock.set(TODAY)


@pytest.fixture
def customer(db):
    return UserFactory(phone="+79161234567", last_name="Тестов", first_name="Иван")


@pytest.fixture
def meter(db, customer):
    """The customer's single-rate meter with 6 months of 200 kWh, last 11 200 on 20.10.2026."""
    m = MeterFactory(account__number="6300000101")
    link(customer, m.account)
    history(m, {"total": 10_000})
    return m


@pytest.fixture
def cabinet(client, customer, meter, today):
    """The customer logged in to the portal on ``TODAY``."""
    client.force_login(customer)
    return client


@pytest.fixture
def send_now(monkeypatch):
    """Messages are queued after commit, which a test's own transaction never reaches: send them at once."""
    monkeypatch.setattr("notifications.services.transaction.on_commit", lambda callback, **kw: callback())


class Inbox:
    """What a real SMTP server received: [(recipients, email.message.Message)]."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp(settings, send_now):
    """A real SMTP server (aiosmtpd) on a free local port; Django's SMTP backend sends to it at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield inbox
    controller.stop()
