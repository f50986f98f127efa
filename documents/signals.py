"""Start the e-bills when a billing period closes (no edit to billing: its run's save is the hook)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from billing.models import BillingRun


@receiver(post_save, sender=BillingRun)
def send_ebills_after_close(sender: Any, instance: BillingRun, update_fields: Any = None, **kwargs: Any) -> None:
    if instance.state != BillingRun.State.CLOSED or (update_fields is not None and "state" not in update_fields):
        return
    from .tasks import send_ebills

    period = str(instance.period)
    transaction.on_commit(lambda: send_ebills.delay(period))
