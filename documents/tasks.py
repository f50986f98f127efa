"""Background work of documents (Celery; in-process on the embedded default)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from core.periods import Period

from . import services


@shared_task(name="documents.send_ebills")
def send_ebills(period: str) -> int:
    """After a close: hand the period's unsent e-bills to workers in chunks; returns the number of chunks."""
    ids = services.ebill_bill_ids(Period.parse(period))
    parts = services.chunks(ids, getattr(settings, "DOCUMENTS_EBILL_CHUNK_SIZE", 200))
    for part in parts:
        send_ebills_chunk.delay(part)
    return len(parts)


@shared_task(
    name="documents.send_ebills_chunk",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    acks_late=True,
)
def send_ebills_chunk(bill_ids: list[int]) -> int:
    """Send each bill of the chunk once; a retried or duplicated chunk sends nothing twice."""
    return services.send_ebills_of(bill_ids)
