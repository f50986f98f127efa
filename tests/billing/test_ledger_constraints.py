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


def test_an_entry_and_a_bill_need_an_existing_account(db):
    """The money's references to the account keep their database constraints (the run's, the meter's
    and a line's to its entry do not: see the note above LedgerEntry)."""
    from django.db import connection

    from billing.models import Bill, BillingRun

    run = BillingRun.objects.create(period=Period(2026, 11))
    for orphan in (
        LedgerEntry(account_id=10**9, kind=LedgerEntry.Kind.ADJUSTMENT, period=Period(2026, 11), amount=D("1.00"),
                    posted_on=dt.date(2026, 11, 30)),
        Bill(account_id=10**9, period=Period(2026, 11), number="2026119999999999", run=run, due_on=dt.date(2026, 12, 15),
             opening_balance=D(0), charged=D(0), recalculated=D(0), penalties=D(0), paid=D(0), adjusted=D(0),
             closing_balance=D(0), vat=D(0), vat_rate=D(20)),
    ):  # fmt: skip
        with pytest.raises(IntegrityError), transaction.atomic():
            orphan.save()
            connection.check_constraints()  # the deferred check, as at commit
