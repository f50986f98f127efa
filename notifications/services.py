"""Sending messages: the one entry point every feature calls."""

from __future__ import annotations

from django.db import transaction

from .sms import new_message_id
from .tasks import deliver_email, deliver_sms


def send_sms(phone: str, text: str) -> str:
    """Queue an SMS once the current transaction commits; returns the message id."""
    message_id = new_message_id()
    transaction.on_commit(lambda: deliver_sms.delay(phone, text, message_id))
    return message_id


def send_email(to: str, subject: str, body: str) -> None:
    """Queue an e-mail once the current transaction commits (SMTP in production)."""
    transaction.on_commit(lambda: deliver_email.delay(to, subject, body))
