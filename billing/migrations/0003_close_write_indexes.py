"""Fewer indexes on the ledger and bills: a period close writes a million of each at a time.

Measured on the benchmark database (``make bench BENCH=billing``, 1,000,000 accounts): COPY of a
chunk's entries and bills took 8-9 instead of 11 microseconds per account with these gone. Every
query of billing/ and portal/ keeps an index:

* ``billing_ledgerentry_account_id_...`` and ``billing_bill_account_id_...`` (the foreign keys' own
  indexes) are prefixes of ``ledger_account_period`` (account, period) and of the unique constraint
  ``unique_bill_per_period`` (account, period), which serve every lookup by account;
* ``billing_ledgerentry_created_by_id_...`` becomes a partial index of the entries staff made
  (payments and adjustments entered by hand): the SET NULL when a user is deleted still uses it,
  while the close's entries (nobody) no longer write to it;
* ``..._like`` indexes (``varchar_pattern_ops``, PostgreSQL only) on ``LedgerEntry.reference`` and
  ``Bill.number`` serve ``LIKE 'prefix%'``, which nothing asks: lookups are by equality (the unique
  indexes) and the back office searches with ``icontains``, which no B-tree serves.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

LIKE_INDEXES = [
    ("billing_ledgerentry_reference_23094ef0_like", "billing_ledgerentry", "reference"),
    ("billing_bill_number_1be57fcf_like", "billing_bill", "number"),
]


def drop_like_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, _table, _column in LIKE_INDEXES:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def create_like_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, table, column in LIKE_INDEXES:
            schema_editor.execute(f'CREATE INDEX "{name}" ON "{table}" ("{column}" varchar_pattern_ops)')


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0002_ledger_bills_runs"),
        ("customers", "0002_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="bill",
            name="account",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="bills",
                to="customers.account",
                verbose_name="лицевой счёт",
            ),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="account",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="ledger",
                to="customers.account",
                verbose_name="лицевой счёт",
            ),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                to=settings.AUTH_USER_MODEL,
                verbose_name="кто внёс",
            ),
        ),
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(
                condition=models.Q(("created_by__isnull", False)), fields=["created_by"], name="ledger_created_by"
            ),
        ),
        migrations.RunPython(drop_like_indexes, create_like_indexes),
    ]
