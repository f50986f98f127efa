"""Sending messages: the entry points every feature calls, the user's channel choices, the centre.

- :func:`send_sms` / :func:`send_email`: a message to an address, written to the outbox in the
  caller's transaction and delivered right after commit, never held (codes, security notices,
  receipts, e-bills).
- :func:`notify` / :func:`tell`: an event told to a user by the channel they chose for its kind,
  once per event (``event_key``), shown in the portal's notification centre as well; SMS written
  during the quiet hours wait for their end.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit
from core.errors import DomainError, NotFound

from . import outbox
from .models import EXTERNAL_CHANNELS, Channel, ChannelPreference, Kind, Notification, OutboxMessage
from .selectors import channels_for_users, preferences_for, unread_cache_key

Attachment = tuple[str, bytes, str]


def send_sms(phone: str, text: str) -> str:
    """Queue an SMS (delivered once the current transaction commits); returns its idempotency key."""
    return outbox.new_message(channel=Channel.SMS, recipient=phone, body=text).key.hex


def send_email(to: str, subject: str, body: str, attachments: Sequence[Attachment] = ()) -> str:
    """Queue an e-mail (delivered once the current transaction commits; SMTP in production).

    ``attachments``: (file name, content, MIME type), e.g. a bill's PDF. Returns its idempotency key.
    """
    message = outbox.new_message(
        channel=Channel.EMAIL, recipient=to, subject=subject, body=body, attachments=attachments
    )
    return message.key.hex


@dataclass(frozen=True)
class Event:
    """Something to tell one user. ``not_by``: channels that already carry it (an e-bill subscriber
    is not mailed "your bill is ready" next to the bill itself): the centre shows it only."""

    user: Any
    kind: str
    subject: str
    text: str
    event_key: str
    url: str = ""
    account: Any = None
    not_by: frozenset[str] = frozenset()


def notify(
    *,
    user: Any,
    kind: str,
    subject: str,
    text: str,
    url: str = "",
    account: Any = None,
    event_key: str = "",
) -> bool:
    """Tell a customer about an event (bill ready, request answered...) by the channel they chose
    for ``kind`` (a :class:`~notifications.models.Kind`); returns whether they were told now.

    ``subject`` heads an e-mail and the centre's entry, ``text`` is the message itself (short enough
    for an SMS), ``url`` the portal page it is about, ``event_key`` names the event so that it is
    told once (empty: every call is an event of its own). Call it inside the transaction that
    records the event: nothing is told if that transaction rolls back.
    """
    event = Event(
        user=user,
        kind=kind,
        subject=subject,
        text=text,
        url=url,
        account=account,
        event_key=event_key or f"once:{uuid.uuid4().hex}",
    )
    return tell([event]) == 1


def tell(events: Sequence[Event]) -> int:
    """Tell many events at once (the reminders' batches); returns how many were told now.

    An event already told to its user is skipped (one query for the batch). The new ones are
    written together: the centre's entries and, for SMS or e-mail, the outbox rows, in one
    savepoint. Should a concurrent run have told some of them in between (the unique constraints
    refuse the batch), they are written one by one and those are skipped.
    """
    if not events:
        return 0
    for event in events:
        if event.kind not in Kind.values:
            raise ValueError(f"unknown kind of message: {event.kind!r}")
    with transaction.atomic():
        users = {event.user.pk: event.user for event in events}
        known = set(
            Notification.objects.filter(
                user_id__in=users, event_key__in={event.event_key for event in events}
            ).values_list("user_id", "event_key")
        )
        channels = {kind: channels_for_users(users.values(), kind) for kind in {event.kind for event in events}}
        todo: list[tuple[Event, str]] = []
        for event in events:
            if (event.user.pk, event.event_key) in known:
                continue
            known.add((event.user.pk, event.event_key))  # the same event twice in one batch: once
            channel = channels[event.kind][event.user.pk]
            if channel == Channel.NONE:
                continue
            todo.append((event, Channel.PORTAL if channel in event.not_by else channel))
        try:
            with transaction.atomic():
                told = _write(todo)
        except IntegrityError:  # a concurrent run of the same reminder got there first
            told = []
            for item in todo:
                try:
                    with transaction.atomic():
                        told += _write([item])
                except IntegrityError:
                    continue
        _forget_unread_on_commit({event.user.pk for event, _channel in told})
    return len(told)


def _write(items: list[tuple[Event, str]]) -> list[tuple[Event, str]]:
    Notification.objects.bulk_create(
        [
            Notification(
                user=event.user,
                kind=event.kind,
                event_key=event.event_key,
                subject=event.subject[:200],
                text=event.text,
                url=event.url,
                account=event.account,
                channel=channel,
            )
            for event, channel in items
        ]
    )
    messages = OutboxMessage.objects.bulk_create(
        [_outbox_message(event, channel) for event, channel in items if channel in EXTERNAL_CHANNELS]
    )
    outbox.queue_on_commit(outbox.due_ids(messages))
    return items


def _outbox_message(event: Event, channel: str) -> OutboxMessage:
    user = event.user
    if channel == Channel.SMS:
        return outbox.build_message(
            channel=channel,
            recipient=user.phone,
            body=event.text,
            user=user,
            kind=event.kind,
            event_key=event.event_key,
            hold_in_quiet_hours=True,
        )
    link = settings.SITE_URL.rstrip("/") + event.url if event.url.startswith("/") else event.url
    body = "\n\n".join(part for part in (event.text, link, settings.COMPANY["name"]) if part)
    return outbox.build_message(
        channel=channel,
        recipient=user.email,
        subject=event.subject,
        body=body,
        user=user,
        kind=event.kind,
        event_key=event.event_key,
    )


def _forget_unread_on_commit(user_ids: set[int]) -> None:
    """Drop the bells' cached counts now and again at commit (a page in between may have cached the old one)."""
    if user_ids:
        keys = [unread_cache_key(pk) for pk in user_ids]
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


# --- The notification centre -----------------------------------------------------------------------


def mark_read(*, user: Any, notification_id: int) -> Notification:
    """Mark one of the user's notifications read; another user's is not found (404)."""
    with transaction.atomic():
        notification = Notification.objects.filter(pk=notification_id, user=user).first()
        if notification is None:
            raise NotFound("notification_not_found", _("Уведомление не найдено."))
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
            _forget_unread_on_commit({user.pk})
    return notification


def mark_all_read(*, user: Any) -> int:
    with transaction.atomic():
        count = Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
        _forget_unread_on_commit({user.pk})
    return count


# --- Channel choices ---------------------------------------------------------------------------------


def set_channel_preferences(*, user: Any, choices: dict[str, str], channel: str = "portal") -> dict[str, str]:
    """Store the user's channel per kind of message; returns what changed (kind -> new channel).

    ``channel`` is where the change was made (portal, api), for the audit entry.
    """
    for kind, choice in choices.items():
        if kind not in Kind.values or choice not in Channel.values:
            raise DomainError("preference_invalid", _("Выберите канал из списка."), field=kind)
        if choice == Channel.EMAIL and not user.email:
            raise DomainError(
                "preference_needs_email",
                _("Чтобы получать уведомления по e-mail, укажите адрес e-mail в контактных данных."),
                field=kind,
            )
    changed: dict[str, str] = {}
    with transaction.atomic():
        stored = {p.kind: p for p in ChannelPreference.objects.select_for_update().filter(user=user)}
        current = preferences_for(user)
        for kind, choice in choices.items():
            # A row even for a default: the user's explicit choice outlives a later change of defaults.
            row = stored.get(kind)
            if row is None:
                ChannelPreference.objects.create(user=user, kind=kind, channel=choice)
            elif row.channel != choice:
                row.channel = choice
                row.save(update_fields=["channel", "updated_at"])
            if current[kind] != choice:
                changed[kind] = choice
        if changed:
            audit("user.notification_channels_changed", actor=user, channel=channel, obj=user, changes=changed)
    return changed
