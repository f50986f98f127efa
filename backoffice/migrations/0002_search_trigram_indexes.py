"""Trigram indexes for the back-office search on PostgreSQL (nothing on SQLite).

The search matches words anywhere in an address or a name (``icontains``, i.e.
``UPPER(column::text) LIKE UPPER('%word%')``), which no B-tree serves: without these it reads
every premise and customer row (about 0.2 s per 100,000). GIN indexes of the same ``UPPER(...)``
expression with ``gin_trgm_ops`` answer those LIKEs. They are on the customers app's tables but
change none of its models; ``pg_trgm`` is a trusted extension (PostgreSQL 13+), so the database
owner may create it.
"""

from django.db import migrations

INDEXES = {
    "backoffice_premise_address_trgm": ("customers_premise", "address"),
    "backoffice_customer_last_name_trgm": ("customers_customer", "last_name"),
    "backoffice_customer_first_name_trgm": ("customers_customer", "first_name"),
    "backoffice_customer_middle_name_trgm": ("customers_customer", "middle_name"),
    "backoffice_customer_organization_trgm": ("customers_customer", "organization"),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, column) in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0001_initial"),
        ("customers", "0003_accountlink_ebill_businessapplication"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
