"""Group ``notifications``: a mass reminder and the outbox's delivery rate, on PostgreSQL, in-process.

* ``reminders_told_per_s`` -- ``notifications.reminders.remind_readings`` on the deadline-reminder day
  for ``--accounts`` synthetic accounts (one user each, SMS chosen): events told (centre entry and
  outbox row, one savepoint each, batches of ``NOTIFICATIONS_BATCH_SIZE``) per second of the call.
  Delivery is left out (the rows are queued for the workers, not sent inline).
* ``reminders_rerun_s`` -- the same call again (a beat running twice): it tells nobody, and this is
  what finding that out costs.
* ``outbox_delivered_per_s`` -- ``notifications.outbox.deliver_due`` for those rows in one process:
  claim under a lease, hand to the local SMS backend (one row per idempotency key), mark sent.
"""

from __future__ import annotations

import datetime as dt
import time
from unittest import mock

from .common import BenchError, Context, Figure, log

FIRST_ACCOUNT = 7_100_000_000
FIRST_PHONE = 79_500_000_000


def run(ctx: Context) -> list[Figure]:
    ctx.database()
    from django.conf import settings
    from django.utils import timezone

    from core.demo import seed_synthetic
    from core.periods import Period
    from customers.models import Account, AccountLink
    from identity.models import User
    from metering.services import window_on
    from notifications import outbox
    from notifications.models import OutboxMessage
    from notifications.reminders import remind_readings

    settings.NOTIFICATIONS_QUIET_HOURS = ""  # whenever the bench runs, nothing waits for the morning
    count = ctx.options.accounts
    made = seed_synthetic(count, start=FIRST_ACCOUNT, progress=lambda n: log(f"  seeded {n} accounts"))
    log(f"notifications: {made} synthetic accounts from {FIRST_ACCOUNT}")
    accounts = list(
        Account.objects.filter(number__gte=str(FIRST_ACCOUNT), number__lt=str(FIRST_ACCOUNT + count)).order_by("pk")
    )
    users = User.objects.bulk_create([User(phone=f"+{FIRST_PHONE + i}", password="!") for i in range(len(accounts))])
    AccountLink.objects.bulk_create([AccountLink(user=u, account=a) for u, a in zip(users, accounts, strict=True)])

    # The deadline-reminder day of the month after the seeded readings: nobody has sent them yet.
    period = Period.of(timezone.localdate()) + 1
    window = window_on(period.first_day)
    day = period.day(window.closes_day) - dt.timedelta(days=settings.NOTIFICATIONS_DEADLINE_NOTICE_DAYS)
    with mock.patch.object(outbox, "queue", lambda ids: None):  # delivery is measured on its own below
        started = time.perf_counter()
        told = remind_readings(today=day)
        elapsed = time.perf_counter() - started
        started = time.perf_counter()
        again = remind_readings(today=day)
        rerun = time.perf_counter() - started
    if told < len(accounts) or again:
        raise BenchError(f"told {told} of {len(accounts)} users, then {again} again")
    log(f"notifications: {told} told in {elapsed:.1f} s on {day:%d.%m.%Y}; the second run told {again}")

    started = time.perf_counter()
    outcomes = outbox.deliver_due(limit=told + 10)
    delivery = time.perf_counter() - started
    sent = OutboxMessage.objects.filter(state=OutboxMessage.State.SENT).count()
    log(f"notifications: delivery {outcomes} in {delivery:.1f} s; {sent} sent")
    if sent != told:
        raise BenchError(f"{sent} of {told} messages sent")
    return [
        Figure("reminders_told_per_s", told / elapsed, "events/s"),
        Figure("reminders_rerun_s", rerun, "s"),
        Figure("outbox_delivered_per_s", sent / delivery, "msg/s"),
    ]
