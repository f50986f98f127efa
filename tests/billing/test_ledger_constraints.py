"""The ledger's own guarantees, held by the database itself."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import IntegrityError, transaction

from billing.models import LedgerEntry
from core.periods import Period
from tests.factories import AccountFactory


def entry(account, reference):
    return LedgerEntry.objects.create(
        account=account, kind=LedgerEntry.Kind.PAYMENT, period=Period(2026, 11), amount=D("-10.00"),
        posted_on=dt.date(2026, 11, 10), reference=reference,
    )  # fmt: skip


def test_one_reference_is_one_operation_even_across_accounts(db):
    first, second = AccountFactory(number="6300000301"), AccountFactory(number="6300000302")
    entry(first, "pay:1")
    with pytest.raises(IntegrityError), transaction.atomic():
        entry(second, "pay:1")
    assert LedgerEntry.objects.filter(reference="pay:1").count() == 1


def test_entries_without_a_reference_are_as_many_as_posted(db):
    account = AccountFactory(number="6300000303")
    for _ in range(3):
        entry(account, None)
    assert LedgerEntry.objects.filter(account=account, reference__isnull=True).count() == 3
