"""``core.audit.audit`` stores its entry (in plain SQL) exactly as ``AuditEntry.objects.create`` would."""

import pytest
from django.db import transaction
from django.utils import timezone

from core.audit import audit
from core.models import AuditEntry
from tests.factories import MeterFactory, UserFactory

pytestmark = pytest.mark.django_db


def stored(entry):
    row = AuditEntry.objects.get(pk=entry.pk)
    return {
        f.attname: getattr(row, f.attname) for f in AuditEntry._meta.concrete_fields if f.attname not in ("id", "at")
    }


@pytest.mark.parametrize("with_actor", [True, False])
def test_an_entry_is_stored_as_the_orm_stores_it(with_actor):
    meter = MeterFactory()
    user = UserFactory() if with_actor else None
    changes = {"values": {"day": 12345, "night": 678}, "period": "2026-11", "note": "Исправлено «вручную»", "n": None}
    before = timezone.now()
    entry = audit(
        "reading.corrected",
        actor=user,
        channel="staff",
        account=meter.account,
        obj=meter,
        changes=changes,
        reason="Фото",
    )
    orm = AuditEntry.objects.create(
        action="reading.corrected", actor=user, channel="staff", account=meter.account, object_type="metering.Meter",
        object_id=str(meter.pk), changes=changes, reason="Фото",
    )  # fmt: skip
    assert entry.pk is not None and not entry._state.adding
    assert stored(entry) == stored(orm)
    assert stored(entry)["changes"] == changes
    assert before <= AuditEntry.objects.get(pk=entry.pk).at <= timezone.now()
    assert entry.at == AuditEntry.objects.get(pk=entry.pk).at


def test_an_anonymous_actor_and_no_object_leave_the_fields_empty():
    entry = audit("sms.received", channel="sms")
    row = AuditEntry.objects.get(pk=entry.pk)
    assert (row.actor_id, row.account_id, row.object_type, row.object_id, row.changes, row.reason) == (
        None, None, "", "", {}, ""
    )  # fmt: skip


def test_an_entry_goes_with_its_transaction():
    with pytest.raises(RuntimeError), transaction.atomic():
        audit("payment.received", channel="api", changes={"amount": "100.00"})
        raise RuntimeError("the change fails after its entry was written")
    assert not AuditEntry.objects.filter(action="payment.received").exists()
