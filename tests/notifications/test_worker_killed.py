"""A Celery worker killed (SIGKILL) in the middle of a delivery loses no message and doubles none.

A real worker process (``celery worker``, solo pool) delivers five SMS from the outbox through the
HTTP gateway adapter to a real local HTTP server acting as the provider. The provider takes the third
message and never answers; the test kills the worker right then, so that message was sent but never
marked sent, and the ones behind it were never delivered. Then, as in production, the sweeper queues
what nobody holds any more and a fresh worker delivers it. The provider, which de-duplicates by the
Idempotency-Key, sent each message exactly once; the raw requests show the third one arrived twice
under the same key, which is why the key matters.

Runs on the suite's database, SQLite file or PostgreSQL, with committed data (the worker is another
process); the broker is kombu's filesystem transport, so nothing but Python is needed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import pytest
from celery import Celery
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.utils import timezone

from notifications import outbox
from notifications.models import OutboxMessage
from notifications.services import send_sms
from notifications.tasks import deliver_outbox

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(django_settings.BASE_DIR)
LEASE_SECONDS = 2
State = OutboxMessage.State


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Workers:
    """Starts real Celery workers on the test's database and broker folder; stops them all at the end."""

    def __init__(self, queue_dir: Path, gateway_url: str, log_dir: Path) -> None:
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
            "ABONENT_TEST_QUEUE_DIR": str(queue_dir),
            "DATABASE_URL": database_url(),
            "SMS_BACKEND": "notifications.sms.HttpSmsGateway",
            "SMS_GATEWAY_URL": gateway_url,
            "SMS_GATEWAY_SECRET": "gateway-secret",
            "NOTIFICATIONS_LEASE_SECONDS": str(LEASE_SECONDS),
            "PYTHONPATH": str(ROOT),
        }
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen] = []
        self.files: list = []

    def start(self) -> subprocess.Popen:
        log = open(self.log_dir / f"worker-{len(self.processes)}.log", "wb")
        self.files.append(log)
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "abonent", "worker", "--pool=solo", "--concurrency=1",
             "--without-mingle", "--without-gossip", "--without-heartbeat", "--loglevel=INFO"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.processes.append(process)
        return process

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.log_dir.glob("worker-*.log")))

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        for file in self.files:
            file.close()


@pytest.fixture
def broker(tmp_path):
    """A producer publishing to the shared folder: what ``deliver_outbox.delay`` sends reaches the workers."""
    queue_dir = tmp_path / "queue"
    queue_dir.mkdir()
    producer = Celery(
        "kill-test",
        # Not the current app: every later task of this process must still run on the suite's own.
        set_as_current=False,
        broker="filesystem://",
        broker_transport_options={"data_folder_in": str(queue_dir), "data_folder_out": str(queue_dir)},
    )

    def publish(message_id):
        producer.send_task("notifications.deliver_outbox", args=[message_id])

    with mock.patch.object(deliver_outbox, "delay", side_effect=publish):
        yield queue_dir


@pytest.fixture
def workers(broker, gateway, tmp_path):
    pool = Workers(broker, gateway.url, tmp_path)
    yield pool
    pool.stop_all()


def wait_for(condition, *, timeout: float, what: str, workers: Workers) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}\n{workers.logs()}")
        time.sleep(0.1)


def test_a_worker_killed_mid_delivery_loses_nothing_and_the_provider_sends_each_message_once(
    gateway, workers, settings
):
    settings.NOTIFICATIONS_LEASE_SECONDS = LEASE_SECONDS
    settings.NOTIFICATIONS_REQUEUE_SECONDS = 0  # the queue the dead worker had taken from is not trusted
    gateway.stall_on = 3
    with transaction.atomic():  # one event's transaction: five messages, published on commit
        for n in range(1, 6):
            send_sms(f"+7916000000{n}", f"Сообщение {n}")
    rows = {row.key.hex: row for row in OutboxMessage.objects.all()}
    assert len(rows) == 5 and all(row.state == State.PENDING for row in rows.values())

    first = workers.start()
    wait_for(gateway.stalled.is_set, timeout=90, what="the third message at the provider", workers=workers)
    os.kill(first.pid, signal.SIGKILL)
    assert first.wait(timeout=15) == -signal.SIGKILL

    # What the kill left: two sent, one sent but not marked (held under a lease), two never delivered.
    victim_key = gateway.requests[2][0]
    victim = OutboxMessage.objects.get(key=victim_key)
    assert victim.state == State.SENDING and victim.attempts == 1
    assert OutboxMessage.objects.filter(state=State.SENT).count() == 2
    assert OutboxMessage.objects.filter(state=State.PENDING).count() == 2
    assert set(gateway.accepted) == set(gateway.keys()) and len(gateway.accepted) == 3

    # The lease of the dead worker runs out; the sweeper (celery beat in production) queues again.
    wait_for(lambda: timezone.now() > victim.lease_until, timeout=LEASE_SECONDS + 5, what="the lease", workers=workers)
    result = outbox.sweep()
    assert result.stale == 1 and result.queued == 3
    workers.start()
    wait_for(
        lambda: OutboxMessage.objects.filter(state=State.SENT).count() == 5,
        timeout=90,
        what="every message sent",
        workers=workers,
    )

    # The provider sent each message exactly once, each with its own text; nothing is lost.
    assert set(gateway.accepted) == set(rows)
    assert {key: body["text"] for key, body in gateway.accepted.items()} == {k: r.body for k, r in rows.items()}
    keys = gateway.keys()
    assert keys.count(victim_key) == 2  # sent again after the kill, under the same key
    assert len(keys) == 6 and all(keys.count(key) == 1 for key in rows if key != victim_key)
    victim.refresh_from_db()
    assert victim.attempts == 2 and victim.sent_at is not None
    assert outbox.sweep().queued == 0  # nothing left for anyone
