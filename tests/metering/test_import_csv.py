"""Inspectors' files: CSV rows go through the same readings rules; bad rows are reported by line."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.demo import seed_demo
from core.models import AuditEntry
from metering.models import Meter, Reading
from metering.selectors import last_readings

pytestmark = pytest.mark.django_db


@pytest.fixture
def meters():
    seed_demo()
    single = Meter.objects.get(account__number="6300000001")
    three = Meter.objects.get(account__number="6300000003")
    return single, three


def test_import_file_accepts_good_rows_and_reports_bad_ones_by_line(tmp_path, meters):
    single, three = meters
    last_single = last_readings([single])[single.pk]["total"].value
    last_three = last_readings([three])[three.pk]
    today = timezone.localdate()
    day = f"{today:%d.%m.%Y}"
    path = tmp_path / "round.csv"
    path.write_text(
        "account;serial;date;values\n"
        f"6300000001;{single.serial};{day};{last_single + 120}\n"
        f"6300000003;{three.serial};{today:%Y-%m-%d};"
        f"{last_three['peak'].value + 30}/{last_three['semipeak'].value + 60}/{last_three['night'].value + 40}\n"
        f"6300000001;NOPE;{day};100\n"
        f"6300000001;{single.serial};32.13.2026;100\n"
        f"6300000003;{three.serial};{day};1/2\n",
        encoding="utf-8",
    )
    out = StringIO()

    call_command("import_readings", str(path), stdout=out)

    text = out.getvalue()
    assert "accepted: 2, rejected: 3" in text
    assert "line 4: [meter_not_found]" in text
    assert "line 5: [import_date]" in text
    assert "line 6: [reading_zone_count]" in text
    stored = Reading.objects.filter(source=Reading.Source.IMPORT, state=Reading.State.ACCEPTED)
    assert sorted(r.value for r in stored.filter(meter=single)) == [last_single + 120]
    assert stored.filter(meter=three).count() == 3
    assert AuditEntry.objects.filter(action="reading.imported").exists()


def test_a_file_without_required_columns_is_refused_whole(tmp_path, meters):
    path = tmp_path / "bad.csv"
    path.write_text("лицевой,счётчик\n6300000001,123\n", encoding="utf-8")
    out = StringIO()

    call_command("import_readings", str(path), stdout=out)

    assert "accepted: 0, rejected: 1" in out.getvalue()
    assert "нет колонок: account, serial, date, values" in out.getvalue()
    assert not Reading.objects.filter(source=Reading.Source.IMPORT).exists()


def test_an_unusual_volume_needs_the_inspectors_confirmation_column(tmp_path, meters):
    single, _ = meters
    last = last_readings([single])[single.pk]["total"]
    day = max(timezone.localdate(), last.taken_on + dt.timedelta(days=1))
    path = tmp_path / "big.csv"
    path.write_text(
        "account;serial;date;values;confirm\n"
        f"6300000001;{single.serial};{day:%d.%m.%Y};{last.value + 5000};\n"
        f"6300000001;{single.serial};{day:%d.%m.%Y};{last.value + 5000};1\n",
        encoding="utf-8",
    )
    out = StringIO()

    call_command("import_readings", str(path), stdout=out)

    assert "accepted: 1, rejected: 1" in out.getvalue()
    assert "line 2: [reading_implausible]" in out.getvalue()
    assert Reading.objects.get(source=Reading.Source.IMPORT).implausible_confirmed
