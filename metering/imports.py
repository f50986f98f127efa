"""Reading files from inspectors' rounds and meter-reading contractors.

CSV (UTF-8, ``;`` or ``,`` separated, a header row) with columns ``account``, ``serial``,
``date`` (dd.mm.yyyy or yyyy-mm-dd) and ``values`` (zone values in the meter's zone order,
separated by ``/``), and an optional ``confirm`` (1 when an inspector confirmed an unusual volume).
Rows go to ``services.import_readings``; rows that cannot even be parsed are reported the same way.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import IO

from django.utils.translation import gettext as _

from .services import ImportReport, ImportRow, import_readings

REQUIRED = ("account", "serial", "date", "values")


def _parse_date(text: str) -> dt.date:
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def parse_csv(stream: IO[str], report: ImportReport) -> Iterator[ImportRow]:
    sample = stream.read(4096)
    stream.seek(0)
    dialect = csv.Sniffer().sniff(sample, delimiters=";,") if sample else csv.excel
    reader = csv.DictReader(stream, dialect=dialect)
    header = [(name or "").strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        report.rejected.append(
            (1, "import_header", _("В файле нет колонок: %(names)s.") % {"names": ", ".join(missing)})
        )
        return
    reader.fieldnames = header
    for row in reader:
        line = reader.line_num
        try:
            taken_on = _parse_date(row["date"] or "")
        except ValueError:
            report.rejected.append(
                (line, "import_date", _("Дата «%(date)s» не распознана: ожидается дд.мм.гггг.") % {"date": row["date"]})
            )
            continue
        yield ImportRow(
            line=line,
            account=(row["account"] or "").strip(),
            serial=(row["serial"] or "").strip(),
            values=[v for v in (row["values"] or "").split("/")],
            taken_on=taken_on,
            confirm_implausible=(row.get("confirm") or "").strip() in {"1", "да", "yes"},
        )


def import_csv(data: bytes | str, *, channel: str, actor=None, progress=None) -> ImportReport:
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    report = ImportReport()
    result = import_readings(parse_csv(io.StringIO(text), report), channel=channel, actor=actor, progress=progress)
    result.rejected = sorted(report.rejected + result.rejected)
    return result
