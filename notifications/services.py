"""Sending messages: the one entry point every feature calls; and the user's channel choices."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit
from core.errors import DomainError

from .models import Channel, ChannelPreference, Kind
from .selectors import channel_for, preferences_for
from .sms import new_message_id
from .tasks import deliver_email, deliver_sms

Attachment = tuple[str, bytes, str]


def send_sms(phone: str, text: str) -> str:
    """Queue an SMS once the current transaction commits; returns the message id."""
    message_id = new_message_id()
    transaction.on_commit(lambda: deliver_sms.delay(phone, text, message_id))
    return message_id


def send_email(to: str, subject: str, body: str, attachments: Sequence[Attachment] = ()) -> None:
    """Queue an e-mail once the current transaction commits (SMTP in production).

    ``attachments``: (file name, content, MIME type), e.g. a bill's PDF.
    """
    encoded = [(name, base64.b64encode(content).decode("ascii"), mimetype) for name, content, mimetype in attachments]
    transaction.on_commit(lambda: deliver_email.delay(to, subject, body, encoded))


def notify(
    *,
    user: Any,
    kind: str,
    subject: str,
    text: str,
    url: str = "",
    account: Any = None,
    event_key: str = "",
) -> None:
    """Tell a customer about an event (bill ready, request answered...) by the channel they chose
    for ``kind`` (a :class:`~notifications.models.Kind`).

    ``subject`` heads an e-mail, ``text`` is the message itself (short enough for an SMS), ``url``
    the portal page it is about, ``event_key`` names the event so that it is told once. Call it
    inside the transaction that records the event: nothing is sent if that transaction rolls back.
    """
    channel = channel_for(user, kind)
    if channel == Channel.SMS:
        send_sms(user.phone, text)
    elif channel == Channel.EMAIL:
        body = text + (f"\n\n{url}" if url else "")
        send_email(user.email, subject, body)


def set_channel_preferences(*, user: Any, choices: dict[str, str]) -> dict[str, str]:
    """Store the user's channel per kind of message; returns what changed (kind -> new channel)."""
    for kind, channel in choices.items():
        if kind not in Kind.values or channel not in Channel.values:
            raise DomainError("preference_invalid", _("Выберите канал из списка."), field=kind)
        if channel == Channel.EMAIL and not user.email:
            raise DomainError(
                "preference_needs_email",
                _("Чтобы получать уведомления по e-mail, укажите адрес e-mail в контактных данных."),
                field=kind,
            )
    changed: dict[str, str] = {}
    with transaction.atomic():
        stored = {p.kind: p for p in ChannelPreference.objects.select_for_update().filter(user=user)}
        current = preferences_for(user)
        for kind, channel in choices.items():
            # A row even for a default: the user's explicit choice outlives a later change of defaults.
            row = stored.get(kind)
            if row is None:
                ChannelPreference.objects.create(user=user, kind=kind, channel=channel)
            elif row.channel != channel:
                row.channel = channel
                row.save(update_fields=["channel", "updated_at"])
            if current[kind] != channel:
                changed[kind] = channel
        if changed:
            audit("user.notification_channels_changed", actor=user, channel="portal", obj=user, changes=changed)
    return changed
