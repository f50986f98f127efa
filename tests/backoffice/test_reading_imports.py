"""An inspector uploads the round's CSV in the back office: every row is judged by the readings rules,
progress is shown while it runs, and the rejected rows come back with the reason, downloadable."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from backoffice import imports
from backoffice.models import ReadingImport
from core.models import AuditEntry
from metering.models import Reading
from tests.factories import MeterFactory, history

from .staff import staff

pytestmark = pytest.mark.django_db
ADD = reverse("admin:backoffice_readingimport_add")


@pytest.fixture
def second(meter):
    other = MeterFactory(account__number="6300000102")
    history(other, {"total": 5000})
    return other


def round_csv(meter, second) -> str:
    return "\n".join(
        [
            "account;serial;date;values",
            f"{meter.account.number};{meter.serial};20.11.2026;11400",  # fine: 200 kWh
            f"{second.account.number};{second.serial};2026-11-19;100",  # lower than the last reading
            f"{meter.account.number};NOPE;20.11.2026;11500",  # no such meter
            f"{second.account.number};{second.serial};вчера;6300",  # a date nobody can read
            f"{second.account.number};{second.serial};20.11.2026;6400,5",  # a fraction
        ]
    )


def upload(client, text: str, *, name="round.csv", encoding="utf-8", channel="inspector"):
    return client.post(ADD, {"file": SimpleUploadedFile(name, text.encode(encoding)), "channel": channel})


def test_inspector_uploads_a_round_and_gets_a_report_of_each_rejected_row(
    client, meter, second, today, django_capture_on_commit_callbacks
):
    inspector = staff("inspector")
    client.force_login(inspector)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, round_csv(meter, second))
    job = ReadingImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "admin:backoffice_readingimport_change", args=[job.pk]
    )
    assert (job.state, job.rows_total, job.rows_done, job.accepted) == ("done", 5, 5, 1)
    reading = Reading.objects.get(source=Reading.Source.INSPECTOR)
    assert (reading.meter, reading.value, reading.entered_by) == (meter, 11400, inspector)
    assert [(line, code) for line, code, _m in job.rejected] == [
        (3, "reading_lower_than_previous"),
        (4, "meter_not_found"),
        (5, "import_date"),
        (6, "reading_fraction"),
    ]
    page = client.get(response["Location"]).content.decode()
    assert "Принято: 1. Отклонено: 4." in page
    assert "Счётчик № NOPE не найден на лицевом счёте 6300000101." in page
    assert "hx-trigger" not in page  # finished: the page stops polling

    report = client.get(reverse("admin:backoffice_readingimport_report", args=[job.pk]))
    assert report["Content-Disposition"] == f'attachment; filename="import-{job.pk}-rejected.csv"'
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["строка", "код", "причина", "исходная строка"]
    assert rows[2][:2] == ["4", "meter_not_found"] and rows[2][3] == f"{meter.account.number};NOPE;20.11.2026;11500"
    assert AuditEntry.objects.filter(action="staff.readings_upload", actor=inspector).exists()
    assert AuditEntry.objects.filter(action="reading.imported", actor=inspector).exists()


def test_while_running_the_page_polls_a_progress_bar(client, meter, second, today):
    client.force_login(staff("inspector"))
    job = ReadingImport.objects.create(file_name="r.csv", content="x", rows_total=200, rows_done=50, state="running")
    page = client.get(reverse("admin:backoffice_readingimport_change", args=[job.pk])).content.decode()
    assert f'hx-get="{reverse("admin:backoffice_readingimport_progress", args=[job.pk])}?full=1"' in page
    assert '<progress max="200" value="50">' in page and "50 из 200 строк" in page
    bar = client.get(reverse("admin:backoffice_readingimport_progress", args=[job.pk])).content.decode()
    assert '<progress max="200" value="50">' in bar and "every 2s" in bar


def test_a_file_from_excel_on_russian_windows_is_read(client, meter, second, today, django_capture_on_commit_callbacks):
    client.force_login(staff("inspector"))
    text = "account;serial;date;values\n" + f"{meter.account.number};{meter.serial};20.11.2026;11400\n"
    text += f"{second.account.number};{second.serial};вчера;6300\n"
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, text, encoding="cp1251")
    job = ReadingImport.objects.get()
    assert job.accepted == 1
    assert job.rejected[0][2].startswith("Дата «вчера» не распознана")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("round.xlsx", b"PK\x03\x04" + b"\x00" * 100, "Это не CSV, а ZIP"),
        ("photo.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "Это не CSV, а PNG"),
        ("empty.csv", b"", "Отправленный файл пуст"),
    ],
)
def test_a_file_that_is_not_csv_is_refused_before_anything_runs(client, today, name, content, message):
    client.force_login(staff("inspector"))
    response = client.post(ADD, {"file": SimpleUploadedFile(name, content), "channel": "inspector"})
    assert response.status_code == 200 and message in response.content.decode()
    assert not ReadingImport.objects.exists()


def test_a_file_without_the_columns_says_which_are_missing(client, today, django_capture_on_commit_callbacks):
    client.force_login(staff("inspector"))
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, "лицевой;номер\n1;2\n")
    job = ReadingImport.objects.get()
    assert job.state == "done" and job.rejected[0][1] == "import_header"
    assert "account, serial, date, values" in job.rejected[0][2]


def test_a_task_delivered_again_never_imports_twice(meter, second, today):
    inspector = staff("inspector")
    job = ReadingImport.objects.create(
        file_name="r.csv", content=round_csv(meter, second), rows_total=5, uploaded_by=inspector
    )
    imports.run_import(job.pk)
    imports.run_import(job.pk)  # a second delivery of the same message
    assert Reading.objects.filter(source=Reading.Source.INSPECTOR).count() == 1


def test_a_task_redelivered_after_a_crash_marks_the_import_interrupted_and_adds_nothing(meter, second, today):
    job = ReadingImport.objects.create(
        file_name="r.csv", content=round_csv(meter, second), rows_total=5, rows_done=2, accepted=1, state="running"
    )
    imports.run_import(job.pk)
    job.refresh_from_db()
    assert job.state == "failed" and "прервалась после 2 строк (принято 1)" in job.error
    assert not Reading.objects.filter(source=Reading.Source.INSPECTOR).exists()


def test_the_operator_may_not_upload(client, meter, second, today):
    client.force_login(staff("operator"))
    assert upload(client, round_csv(meter, second)).status_code == 403
    assert not ReadingImport.objects.exists()


def test_a_file_over_the_size_limit_is_refused(client, today, settings):
    settings.BACKOFFICE_IMPORT_MAX_BYTES = 100
    client.force_login(staff("inspector"))
    page = upload(client, "account;serial;date;values\n" + "6300000101;M1;20.11.2026;1\n" * 10).content.decode()
    assert "разделите его на части" in page


def test_an_import_that_crashes_is_marked_interrupted_not_left_running(meter, second, today, monkeypatch):
    job = ReadingImport.objects.create(file_name="r.csv", content=round_csv(meter, second), rows_total=5)

    def crash(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("backoffice.imports.import_readings", crash)
    with pytest.raises(RuntimeError):
        imports.run_import(job.pk)
    job.refresh_from_db()
    assert job.state == "failed" and "Загрузите оставшиеся строки заново" in job.error
