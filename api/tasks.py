"""Background work of the API: forgetting old idempotency answers (Celery beat, daily)."""

from celery import shared_task


@shared_task(name="api.purge_idempotency_records")
def purge_idempotency_records() -> int:
    from .services import purge_idempotency_records as purge

    return purge()
