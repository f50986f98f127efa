"""Background work of the metering app (Celery; in-process on the embedded default)."""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model

from .imports import import_csv


@shared_task(name="metering.import_readings_csv")
def import_readings_csv(data: str, *, channel: str, actor_id: int | None = None) -> dict:
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    report = import_csv(data, channel=channel, actor=actor)
    return {
        "accepted": report.accepted,
        "rejected": [{"line": line, "code": code, "message": message} for line, code, message in report.rejected],
    }
