"""Inspectors' rounds uploaded as CSV in the back office.

The file is checked and stored as a :class:`~backoffice.models.ReadingImport`, then a Celery task
(in-process on the embedded default) reads it with ``metering.imports.parse_csv`` and judges every
row through ``metering.services.import_readings`` — the same rules as every other channel — writing
its progress after each batch, which the back-office page polls. The per-row report (line, code,
reason, the row as it was) is kept on the import and downloadable as CSV.
"""

from __future__ import annotations

import csv
import io
import logging
from typing import Any

import filetype
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit
from core.errors import DomainError
from metering.imports import parse_csv
from metering.models import Reading
from metering.services import ImportReport, import_readings

from .models import ReadingImport

log = logging.getLogger(__name__)


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1251 — what Excel on a Russian Windows saves as CSV."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1251", errors="replace")


def start_import(*, staff: Any, file_name: str, data: bytes, channel: str = Reading.Source.INSPECTOR) -> ReadingImport:
    if not (getattr(staff, "is_staff", False) and staff.has_perm("backoffice.add_readingimport")):
        raise DomainError("forbidden", _("Загружать показания могут только сотрудники с этим правом."))
    if channel not in dict(ReadingImport.CHANNELS):
        raise DomainError("import_channel", _("Выберите канал из списка."), field="channel")
    if not data:
        raise DomainError("import_empty", _("Файл пустой."), field="file")
    if len(data) > settings.BACKOFFICE_IMPORT_MAX_BYTES:
        raise DomainError(
            "import_too_big",
            _("Файл больше %(mb)s МБ: разделите его на части.")
            % {"mb": settings.BACKOFFICE_IMPORT_MAX_BYTES // (1024 * 1024)},
            field="file",
        )
    kind = filetype.guess(data[:8192])
    if kind is not None or b"\x00" in data[:8192]:
        raise DomainError(
            "import_not_csv",
            _("Это не CSV, а %(type)s. Сохраните таблицу как «CSV (разделители — точка с запятой)».")
            % {"type": kind.extension.upper() if kind else _("двоичный файл")},
            field="file",
        )
    text = decode(data)
    lines = [line for line in text.splitlines() if line.strip()]
    with transaction.atomic():
        job = ReadingImport.objects.create(
            file_name=file_name[:200],
            content=text,
            channel=channel,
            rows_total=max(len(lines) - 1, 0),
            uploaded_by=staff,
        )
        audit(
            "staff.readings_upload",
            actor=staff,
            channel="backoffice",
            obj=job,
            changes={"file": job.file_name, "rows": job.rows_total, "channel": channel},
        )
        from .tasks import run_reading_import

        transaction.on_commit(lambda: run_reading_import.delay(job.pk))
    return job


def run_import(import_id: int) -> None:
    """Judge the file's rows; safe to deliver twice (a second delivery finds the import taken)."""
    with transaction.atomic():
        job = ReadingImport.objects.select_for_update().filter(pk=import_id).first()
        if job is None:
            return
        if job.state == ReadingImport.State.RUNNING:
            # Delivered again after the worker that had it died: its rows up to the last batch are stored.
            job.state = ReadingImport.State.FAILED
            job.error = _(
                "Загрузка прервалась после %(done)s строк (принято %(accepted)s). Загрузите оставшиеся строки заново."
            ) % {"done": job.rows_done, "accepted": job.accepted}
            job.finished_at = timezone.now()
            job.save()
            return
        if job.state != ReadingImport.State.QUEUED:
            return
        job.state = ReadingImport.State.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["state", "started_at"])

    unparsed = ImportReport()

    def progress(report: ImportReport) -> None:
        ReadingImport.objects.filter(pk=job.pk).update(
            rows_done=report.accepted + len(report.rejected) + len(unparsed.rejected), accepted=report.accepted
        )

    try:
        result = import_readings(
            parse_csv(io.StringIO(job.content), unparsed), channel=job.channel, actor=job.uploaded_by, progress=progress
        )
    except (csv.Error, ValueError) as error:
        log.warning("reading import %s failed: %s", job.pk, error)
        ReadingImport.objects.filter(pk=job.pk).update(
            state=ReadingImport.State.FAILED,
            error=_("Файл не читается как CSV: %(error)s") % {"error": error},
            finished_at=timezone.now(),
        )
        return
    except Exception:
        # Stored batches stay stored; the page must not poll a "running" import forever.
        log.exception("reading import %s crashed", job.pk)
        done = ReadingImport.objects.filter(pk=job.pk).values_list("rows_done", "accepted").first() or (0, 0)
        ReadingImport.objects.filter(pk=job.pk).update(
            state=ReadingImport.State.FAILED,
            error=_(
                "Загрузка прервалась после %(done)s строк (принято %(accepted)s). Загрузите оставшиеся строки заново."
            )
            % {"done": done[0], "accepted": done[1]},
            finished_at=timezone.now(),
        )
        raise
    rejected = sorted(unparsed.rejected + result.rejected, key=lambda row: row[0])
    ReadingImport.objects.filter(pk=job.pk).update(
        state=ReadingImport.State.DONE,
        accepted=result.accepted,
        rejected=[list(row) for row in rejected],
        rows_done=result.accepted + len(rejected),
        finished_at=timezone.now(),
    )


def report_csv(job: ReadingImport) -> str:
    """The rejected rows for the inspector to fix: line; code; reason; the row as it was in the file."""
    lines = job.content.splitlines()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("строка"), _("код"), _("причина"), _("исходная строка")])
    for line, code, message in job.rejected:
        original = lines[line - 1] if 0 < line <= len(lines) else ""
        writer.writerow([line, code, message, original])
    return "\ufeff" + out.getvalue()
