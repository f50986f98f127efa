"""Fewer indexes on metering_reading: an import pays for every index on every row it writes.

Checked with EXPLAIN on the benchmark database (10,000 accounts, 250,000 readings) against every
query of metering/selectors.py, metering/services.py, billing/services.py and identity/services.py:

* ``metering_reading_meter_id_...`` (the foreign key's own index) is a prefix of
  ``reading_meter_latest`` (meter, state, -taken_on, -id), which the planner uses instead for every
  lookup by meter (history, last readings, the judging context, billing's per-meter history);
* ``metering_reading_period_...`` was used by no query: billing selects readings by account range
  through the meters (a hash join) and filters the period afterwards;
* ``metering_reading_entered_by_id_...`` becomes a partial index of the rows somebody entered
  (the portal's): a user's data export and the SET NULL when a user is deleted still use it, while
  imports and automatic readings (nobody) no longer write to it.

Only indexes change (no column, no constraint): the fields' state is altered without touching the
database, then the old indexes are dropped by name (Django's deterministic names, the same on
SQLite and PostgreSQL) and the partial one is created.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import core.periods


class Migration(migrations.Migration):
    dependencies = [
        ("metering", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="reading",
                    name="entered_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="кто ввёл",
                    ),
                ),
                migrations.AlterField(
                    model_name="reading",
                    name="meter",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="readings",
                        to="metering.meter",
                    ),
                ),
                migrations.AlterField(
                    model_name="reading",
                    name="period",
                    field=core.periods.PeriodField(verbose_name="расчётный период"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "metering_reading_meter_id_1fc1dd70"',
                    'CREATE INDEX "metering_reading_meter_id_1fc1dd70" ON "metering_reading" ("meter_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "metering_reading_period_4fd26a0e"',
                    'CREATE INDEX "metering_reading_period_4fd26a0e" ON "metering_reading" ("period")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "metering_reading_entered_by_id_a9b195b9"',
                    'CREATE INDEX "metering_reading_entered_by_id_a9b195b9" ON "metering_reading" ("entered_by_id")',
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="reading",
            index=models.Index(
                condition=models.Q(("entered_by__isnull", False)),
                fields=["entered_by"],
                name="reading_entered_by",
            ),
        ),
    ]
