"""Background work of notifications (Celery; in-process on the embedded default).

``deliver_outbox`` delivers one outbox row; ``sweep_outbox`` (every minute, celery beat) queues
the rows nobody is delivering; ``daily_reminders`` (once a day) finds the reminders due;
``bills_ready`` tells about the bills of a period after its close.
"""

import base64

from celery import shared_task
from django.core.mail import EmailMessage
from django.db import OperationalError
from django.utils import timezone

from core.periods import Period

from .sms import SmsDeliveryError, backend


@shared_task(name="notifications.deliver_outbox", acks_late=True, ignore_result=True)
def deliver_outbox(message_id: int) -> str:
    """Idempotent: a row is claimed under a lease and marked sent once, however often this runs.
    Retries are scheduled by the outbox itself (the row's ``available_at``), not by Celery."""
    from .outbox import deliver

    return deliver(message_id)


@shared_task(name="notifications.sweep_outbox", ignore_result=True)
def sweep_outbox() -> dict:
    from .outbox import sweep

    result = sweep()
    return {"queued": result.queued, "stale": result.stale}


@shared_task(name="notifications.daily_reminders", autoretry_for=(OperationalError,), retry_backoff=60, max_retries=5)
def daily_reminders() -> dict:
    """Every reminder whose day it is; running it twice tells nothing twice (events are told once)."""
    from .reminders import run_daily

    return run_daily(today=timezone.localdate())


@shared_task(name="notifications.bills_ready", autoretry_for=(OperationalError,), retry_backoff=60, max_retries=5)
def bills_ready(period: str) -> int:
    from .reminders import tell_bills_ready

    return tell_bills_ready(Period.parse(period))


# Tasks of the time before the outbox: kept so that messages queued by an older release still go out.
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
