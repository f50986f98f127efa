"""Background work of payments: receipts after commit (retried), autopay by day."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from .fiscal import FiscalError


@shared_task(
    name="payments.issue_receipt",
    autoretry_for=(FiscalError, OperationalError),
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=20,
    acks_late=True,
)
def issue_receipt(receipt_id: int) -> bool:
    """Idempotent: the receipt row is locked and issued once, however often the task runs."""
    from .services import issue_receipt_now

    return issue_receipt_now(receipt_id=receipt_id)


@shared_task(name="payments.autopay_daily")
def autopay_daily() -> dict:
    """Run once a day (Celery beat): receipts left pending, notices for tomorrow's charges, today's charges."""
    from .services import issue_pending_receipts, run_autopay, send_autopay_notices

    issue_pending_receipts()
    today = timezone.localdate()
    noticed = send_autopay_notices(today=today)
    outcome = run_autopay(today=today)
    return {"noticed": noticed, "charged": outcome.charged, "skipped": outcome.skipped}
