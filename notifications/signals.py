"""Tell about the bills when a billing period closes (no edit to billing: its run's save is the hook,
as for the e-bills in ``documents/signals.py``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from billing.models import BillingRun


@receiver(post_save, sender=BillingRun, dispatch_uid="notifications.bills_ready")
def tell_bills_after_close(sender: Any, instance: BillingRun, update_fields: Any = None, **kwargs: Any) -> None:
    if instance.state != BillingRun.State.CLOSED or (update_fields is not None and "state" not in update_fields):
        return
    from .tasks import bills_ready

    period = str(instance.period)
    # A lost task is caught up by the daily reminders (bills of periods closed in the last days).
    transaction.on_commit(lambda: bills_ready.delay(period))
