"""Delivery in the background, so a slow gateway never holds a page (in-process on the embedded default)."""

from celery import shared_task

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
