"""No database constraint on the run of entries and bills and on the meter of charge lines.

Measured on the benchmark database (``make bench BENCH=billing``, 1,000,000 accounts): the foreign
key checks at a chunk's commit took 0.13-0.15 instead of 0.17-0.28 s of PostgreSQL CPU (of about
0.6 s) for 5,000 accounts. Why these three may go is in the note above ``LedgerEntry``; their
indexes stay.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0003_close_write_indexes'),
        ('metering', '0003_no_submission_index'),
    ]

    operations = [
        migrations.AlterField(
            model_name='bill',
            name='run',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='bills', to='billing.billingrun'),
        ),
        migrations.AlterField(
            model_name='chargeline',
            name='meter',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='charge_lines', to='metering.meter'),
        ),
        migrations.AlterField(
            model_name='ledgerentry',
            name='run',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='entries', to='billing.billingrun'),
        ),
    ]
