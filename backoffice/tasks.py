"""Background work of the back office (Celery; in-process on the embedded default)."""

from celery import shared_task

from .imports import run_import


@shared_task(name="backoffice.run_reading_import")
def run_reading_import(import_id: int) -> None:
    run_import(import_id)
