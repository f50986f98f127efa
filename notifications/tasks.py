"""Delivery in the background, so a slow gateway never holds a page (in-process on the embedded default)."""

import base64

from celery import shared_task
from django.core.mail import EmailMessage

from .sms import SmsDeliveryError, backend


@shared_task(
    name="notifications.deliver_sms",
    autoretry_for=(SmsDeliveryError,),
    retry_backoff=10,
    retry_backoff_max=600,
    max_retries=8,
)
def deliver_sms(phone: str, text: str, message_id: str) -> None:
    backend().send(phone, text, message_id=message_id)


@shared_task(name="notifications.deliver_email", autoretry_for=(OSError,), retry_backoff=30, max_retries=8)
def deliver_email(to: str, subject: str, body: str, attachments: list | None = None) -> None:
    """``attachments``: [file name, base64 content, MIME type] (task arguments travel as JSON)."""
    message = EmailMessage(subject, body, None, [to])
    for name, content, mimetype in attachments or []:
        message.attach(name, base64.b64decode(content), mimetype)
    message.send()
