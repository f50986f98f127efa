"""The outbox: every SMS and e-mail is a row written in the transaction of its event, then delivered
exactly once to the provider.

Delivery of one row (:func:`deliver`, the Celery task ``notifications.deliver_outbox``):

1. **claim** in a short transaction: lock the row (``select_for_update(skip_locked=True)`` on
   PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serialises writers), take it only if it is due
   (pending and ``available_at`` passed, or ``sending`` with an expired lease), set ``sending``,
   a fresh claim token and ``lease_until``; count the attempt;
2. **send** outside any transaction, with the row's ``key`` as the provider's idempotency key
   (``Idempotency-Key`` of the HTTP SMS gateway; the local backend keeps one SMS per key; e-mails
   carry it as their ``Message-ID``);
3. **mark sent** only under the same claim token, so a worker whose lease was taken over changes
   nothing.

A worker killed between 1 and 3 leaves the row ``sending``: once the lease expires the sweeper
(:func:`sweep`, every minute from celery beat) queues it again and the next claim sends it again
under the same key, which the provider de-duplicates: never lost, never doubled. A broker that
lost the task, or was down at commit, is covered the same way (pending rows queued long ago).
Failures are retried with a growing pause (``rules.retry_delay``) up to
``NOTIFICATIONS_MAX_ATTEMPTS``, then the row is ``failed`` (visible in the back office).
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from identity.phones import mask_phone

from . import rules, sms
from .models import Channel, OutboxMessage

log = logging.getLogger(__name__)
State = OutboxMessage.State
Attachment = tuple[str, bytes, str]


def quiet_hours() -> rules.QuietHours | None:
    return rules.QuietHours.parse(settings.NOTIFICATIONS_QUIET_HOURS)


def build_message(
    *,
    channel: str,
    recipient: str,
    body: str,
    subject: str = "",
    attachments: Sequence[Attachment] = (),
    user: Any = None,
    kind: str = "",
    event_key: str = "",
    hold_in_quiet_hours: bool = False,
) -> OutboxMessage:
    """An outbox row, not saved yet (``tell`` saves a batch at once).

    ``hold_in_quiet_hours``: an SMS written during the quiet hours waits for their end. Codes and
    security messages never pass it.
    """
    now = timezone.now()
    available = now
    if hold_in_quiet_hours and channel == Channel.SMS:
        available = rules.held_until(now, quiet_hours(), ZoneInfo(settings.TIME_ZONE)) or now
    return OutboxMessage(
        channel=channel,
        recipient=recipient,
        subject=subject[:255],
        body=body,
        attachments=[[n, base64.b64encode(c).decode("ascii"), m] for n, c, m in attachments],
        user=user,
        kind=kind,
        event_key=event_key,
        available_at=available,
        queued_at=now if available <= now else None,  # a held message is queued by the sweeper when due
    )


def new_message(**fields: Any) -> OutboxMessage:
    """Write one message to the outbox (call inside the event's transaction); it is queued on commit."""
    message = build_message(**fields)
    message.save()
    queue_on_commit(due_ids([message]))
    return message


def due_ids(messages: Sequence[OutboxMessage]) -> list[int]:
    """The saved rows to queue at commit: all but the ones held for the quiet hours."""
    return [m.pk for m in messages if m.queued_at is not None]


def queue_on_commit(message_ids: Sequence[int]) -> None:
    if message_ids:
        ids = list(message_ids)
        transaction.on_commit(lambda: queue(ids))


def queue(message_ids: Iterable[int]) -> None:
    """Hand rows to the Celery task. A broker that is down loses nothing: the sweeper queues them later."""
    from .tasks import deliver_outbox

    for message_id in message_ids:
        try:
            deliver_outbox.delay(message_id)
        except (BrokerError, OSError) as error:
            log.warning("outbox message %s not queued (the sweeper will): %s", message_id, error)
            return


# --- Delivery ------------------------------------------------------------------------------------


def claim(message_id: int, *, now: dt.datetime | None = None) -> OutboxMessage | None:
    """Take the row for delivery under a lease; None when it is not due or another worker holds it."""
    now = now or timezone.now()
    with transaction.atomic():
        row = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id)
            .filter(Q(state=State.PENDING, available_at__lte=now) | Q(state=State.SENDING, lease_until__lte=now))
            .first()
        )
        if row is None:
            return None
        if row.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
            # Claimed that often and never marked: it kills its workers or never gets through. Stop.
            row.state, row.lease_until, row.claim = State.FAILED, None, None
            row.last_error = (row.last_error or "gave up")[:500]
            row.save(update_fields=["state", "lease_until", "claim", "last_error"])
            log.error("outbox message %s failed after %s attempts", row.pk, row.attempts)
            return None
        row.state = State.SENDING
        row.claim = uuid.uuid4()
        row.lease_until = now + dt.timedelta(seconds=settings.NOTIFICATIONS_LEASE_SECONDS)
        row.attempts += 1
        row.save(update_fields=["state", "claim", "lease_until", "attempts"])
    return row


def transmit(message: OutboxMessage) -> None:
    """Hand the message to its provider, with its key as the idempotency key; raises when it failed."""
    key = message.key.hex
    if message.channel == Channel.SMS:
        sms.backend().send(message.recipient, message.body, message_id=key)
        return
    domain = settings.NOTIFICATIONS_MESSAGE_ID_DOMAIN
    email = EmailMessage(
        message.subject,
        message.body,
        None,
        [message.recipient],
        headers={"Message-ID": f"<{key}@{domain}>", "X-Idempotency-Key": key},
    )
    for name, content, mimetype in message.attachments:
        email.attach(name, base64.b64decode(content), mimetype)
    email.send()


def deliver(message_id: int) -> str:
    """Claim, send, mark sent. Returns ``"sent"``, ``"retry"``, ``"failed"`` or ``"skipped"``."""
    message = claim(message_id)
    if message is None:
        return "skipped"
    try:
        transmit(message)
    except Exception as error:  # any failure: the row goes back with a pause, never stays claimed
        return _failed(message, error)
    now = timezone.now()
    marked = OutboxMessage.objects.filter(pk=message.pk, claim=message.claim).update(
        state=State.SENT, sent_at=now, lease_until=None, claim=None, body="", attachments=[], last_error=""
    )
    if not marked:  # our lease expired and another worker took the row: it sends under the same key
        log.warning("outbox message %s was taken over while being sent", message.pk)
    return "sent"


def _failed(message: OutboxMessage, error: Exception) -> str:
    now = timezone.now()
    final = message.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS
    pause = rules.retry_delay(message.attempts)
    OutboxMessage.objects.filter(pk=message.pk, claim=message.claim).update(
        state=State.FAILED if final else State.PENDING,
        available_at=now + pause,
        queued_at=now + pause,
        lease_until=None,
        claim=None,
        last_error=f"{type(error).__name__}: {error}"[:500],
    )
    to = mask_phone(message.recipient) if message.channel == Channel.SMS else "e-mail"
    log.warning("outbox message %s to %s not delivered (attempt %s): %s", message.pk, to, message.attempts, error)
    if final:
        return "failed"
    from .tasks import deliver_outbox

    try:
        deliver_outbox.apply_async((message.pk,), countdown=pause.total_seconds())
    except (BrokerError, OSError):
        pass  # the sweeper queues it when it is due
    return "retry"


# --- Sweeper -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    queued: int  # rows handed to the delivery task
    stale: int  # of them, rows whose worker died holding them


def due_filter(now: dt.datetime) -> Q:
    """Rows a delivery should take now: due pending rows, and rows whose lease expired."""
    return Q(state=State.PENDING, available_at__lte=now) | Q(state=State.SENDING, lease_until__lte=now)


def sweep(*, now: dt.datetime | None = None) -> SweepResult:
    """Queue what nobody is delivering: stale leases (a killed worker), held messages now due, and
    pending rows whose task was lost (queued longer than ``NOTIFICATIONS_REQUEUE_SECONDS`` ago)."""
    now = now or timezone.now()
    requeue_before = now - dt.timedelta(seconds=settings.NOTIFICATIONS_REQUEUE_SECONDS)
    wanted = Q(state=State.SENDING, lease_until__lte=now) | (
        Q(state=State.PENDING, available_at__lte=now) & (Q(queued_at__isnull=True) | Q(queued_at__lte=requeue_before))
    )
    with transaction.atomic():
        rows = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(wanted)
            .order_by("available_at", "pk")
            .values_list("pk", "state")[: settings.NOTIFICATIONS_SWEEP_BATCH]
        )
        ids = [pk for pk, _state in rows]
        OutboxMessage.objects.filter(pk__in=ids).update(queued_at=now)
    stale = sum(1 for _pk, state in rows if state == State.SENDING)
    if stale:
        log.warning("outbox: %s message(s) left by a stopped worker queued again", stale)
    queue(ids)
    return SweepResult(queued=len(ids), stale=stale)


def deliver_due(*, now: dt.datetime | None = None, limit: int = 10_000) -> dict[str, int]:
    """Deliver every due row in this process (``manage.py deliver_outbox``: no worker, no beat)."""
    ids = list(
        OutboxMessage.objects.filter(due_filter(now or timezone.now()))
        .order_by("available_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    outcomes: dict[str, int] = {}
    for message_id in ids:
        outcome = deliver(message_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def purge(*, now: dt.datetime | None = None, chunk: int = 10_000) -> int:
    """Delete sent rows older than ``NOTIFICATIONS_OUTBOX_KEEP_DAYS`` (daily); failed ones stay for staff.

    The centre's entries stay, and they alone decide that an event was told, so nothing is told again.
    """
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.NOTIFICATIONS_OUTBOX_KEEP_DAYS)
    deleted = 0
    while True:
        ids = list(
            OutboxMessage.objects.filter(created_at__lt=cutoff, state=State.SENT).values_list("pk", flat=True)[:chunk]
        )
        if not ids:
            return deleted
        deleted += OutboxMessage.objects.filter(pk__in=ids).delete()[0]
