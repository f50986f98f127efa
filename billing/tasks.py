"""Background work of billing (Celery; in-process on the embedded default)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from .models import BillingRun
from .services import close_accounts, finish_if_complete


@shared_task(
    name="billing.close_chunk",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    acks_late=True,
)
def close_chunk(run_id: int, first_id: int, last_id: int) -> dict:
    """Bill one range of accounts; idempotent, so a retried or duplicated task changes nothing twice."""
    run = BillingRun.objects.get(pk=run_id)
    result = close_accounts(run, first_id, last_id)
    finished = finish_if_complete(run)
    return {"billed": result.billed, "skipped": result.skipped, "failures": result.failures, "finished": finished}
