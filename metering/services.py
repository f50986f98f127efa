"""The only way a reading enters the system.

The portal, the form without login, SMS, e-mail, the API, the back office and the file import
all call :func:`submit_readings` (one meter) or :func:`import_readings` (many rows), which apply
``rules.evaluate`` inside a transaction holding the row locks of the meter and its account, store
the readings and write the audit entry. Channels only translate the result or the
:class:`~core.errors.DomainError`. The account's lock is what lets a close tell which readings it
billed without writing to them (see ``billing.selectors``): every write of readings takes it,
corrections by staff too.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import functools
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import BooleanField, Case, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.pricing import ZoneCost, cost_of, total
from billing.selectors import covered_by_bill, covered_sql
from core import sql
from core.audit import audit
from core.errors import DomainError
from core.periods import Period
from customers.models import Account

from . import rules
from .models import Meter, Reading, SubmissionWindow
from .zones import ZONES_BY_SCHEME

RawValues = Sequence[str | int] | Mapping[str, str | int]
HISTORY_DAYS = 400  # enough for "the usual monthly use" over the last year


# --- Context a submission is judged in ---------------------------------------------------------


WINDOWS_CACHE_KEY = "metering:windows"


def window_on(day: dt.date) -> rules.Window:
    """The submission window in force on a day. The few dated windows are cached (cleared on save)."""
    windows = cache.get(WINDOWS_CACHE_KEY)
    if windows is None:
        windows = list(
            SubmissionWindow.objects.order_by("-valid_from").values_list("valid_from", "opens_day", "closes_day")
        )
        cache.set(WINDOWS_CACHE_KEY, windows, timeout=3600)
    for valid_from, opens_day, closes_day in windows:
        if valid_from <= day:
            return rules.Window(opens_day, closes_day)
    return rules.Window(settings.READINGS_WINDOW_OPENS_DAY, settings.READINGS_WINDOW_CLOSES_DAY)


@dataclass
class MeterContext:
    previous: dict[str, rules.Previous]
    limits: rules.Limits
    replaceable: list[Reading]  # the actor's own submission of today, which a new one replaces
    # What the usual use is averaged from: the kWh consumed between the first and the last counted
    # submission of the last HISTORY_DAYS, and the zones counted in that time.
    used: int = 0
    first_on: dt.date | None = None
    last_on: dt.date | None = None
    recent_zones: frozenset[str] = frozenset()

    def accepted(self, evaluation: rules.Evaluation, taken_on: dt.date) -> None:
        """Count a just accepted submission in, as :func:`meter_context` would once it is stored, so
        that the meter's next reading in an import is judged against it (last values and usual use)."""
        self.used += sum(line.volume for line in evaluation.lines if line.zone in self.recent_zones)
        for line in evaluation.lines:
            self.previous[line.zone] = rules.Previous(line.value, taken_on)
        self.recent_zones |= {line.zone for line in evaluation.lines}
        self.first_on = self.first_on or taken_on
        self.last_on = taken_on
        self.limits = self.limits.with_usual(rules.usual_monthly_from_total(self.used, self.first_on, self.last_on))


def _submissions(rows: Iterable[Any]) -> list[list[Any]]:
    grouped: dict[uuid.UUID, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.submission, []).append(row)
    return list(grouped.values())


# What meter_context reads of each reading: named tuples, not model instances (a year of readings
# is read on every submission). ``billed``: whether a bill took the reading into account, asked only
# of the readings sent since ``today_from`` (the ones a customer may still correct), None for others.
_CONTEXT_FIELDS = ("id", "submission", "zone", "value", "taken_on", "state", "entered_by_id", "submitted_at")
_CONTEXT_COLUMNS = (*_CONTEXT_FIELDS, "billed")


def context_rows(readings: QuerySet[Reading], *, today_from: dt.datetime | None = None) -> list[Any]:
    """The rows :func:`meter_context` takes, oldest first."""
    billed: Any = Value(None, output_field=BooleanField())
    if today_from is not None:
        billed = Case(When(submitted_at__gte=today_from, then=covered_by_bill()), output_field=BooleanField())
    rows = readings.annotate(billed=billed).order_by("taken_on", "id")
    return list(rows.values_list(*_CONTEXT_COLUMNS, named=True))


ContextRow = collections.namedtuple("ContextRow", _CONTEXT_COLUMNS)  # type: ignore[misc]

_RECENT_SQL = """
SELECT {columns}, CASE WHEN r.{submitted_at} >= %s THEN {covered} END FROM {reading} r
WHERE r.{meter} = %s AND r.{state} IN (%s, %s) AND r.{taken_on} >= %s
ORDER BY r.{taken_on}, r.{id}
"""


def recent_rows(meter: Meter, since: dt.date, today_from: dt.datetime) -> list[Any]:
    """``context_rows`` of a meter's counted readings taken on or after ``since``, in plain SQL (see ``sql``)."""
    cols = sql.columns(Reading, "r", _CONTEXT_FIELDS)
    query = _recent_sql(connection.vendor)
    params = [sql.param(Reading, "submitted_at", today_from), meter.account_id, meter.pk, *Reading.COUNTED]
    with connection.cursor() as cursor:
        cursor.execute(query, [*params, sql.param(Reading, "taken_on", since)])
        return [
            ContextRow._make((*cols.values(row[:-1]), None if row[-1] is None else bool(row[-1])))
            for row in cursor.fetchall()
        ]


@functools.cache
def _recent_sql(vendor: str) -> str:
    return _RECENT_SQL.format(
        columns=sql.columns(Reading, "r", _CONTEXT_FIELDS).sql,
        covered=covered_sql("r", "%s"),
        reading=sql.table(Reading),
        **{name: sql.column(Reading, name) for name in ("meter", "state", "taken_on", "id", "submitted_at")},
    )


def today_from(today: dt.date) -> dt.datetime:
    """The first moment of ``today`` in the company's time zone."""
    return timezone.make_aware(dt.datetime.combine(today, dt.time()))


_LOCK_SQL = "SELECT {meter_columns}, {account_columns} FROM {meter} m JOIN {account} a ON a.{pk} = m.{account_id} WHERE m.{pk} = %s{lock}"


@functools.cache
def _lock_sql(vendor: str) -> str:
    return _LOCK_SQL.format(
        meter_columns=sql.columns(Meter, "m").sql,
        account_columns=sql.columns(Account, "a").sql,
        meter=sql.table(Meter),
        account=sql.table(Account),
        pk=sql.column(Meter, "id"),
        account_id=sql.column(Meter, "account"),
        lock=sql.lock_clause(),
    )


def lock_meter(pk: int) -> Meter:
    """The meter with its account, both rows locked for the transaction, in plain SQL (see ``sql``): the
    ``Meter.objects.select_for_update().select_related("account").get(pk=pk)`` of this path."""
    meter_columns, account_columns = sql.columns(Meter, "m"), sql.columns(Account, "a")
    query = _lock_sql(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(query, [pk])
        row = cursor.fetchone()
    if row is None:
        raise Meter.DoesNotExist(f"no meter {pk}")
    split = len(meter_columns.names)
    meter = meter_columns.instance(row[:split])
    meter.account = account_columns.instance(row[split:])
    return meter


def meter_context(meter: Meter, *, actor: Any, today: dt.date, rows: Sequence[Any] | None = None) -> MeterContext:
    """The last counted readings, the usual use and today's replaceable submission of one meter.

    ``rows`` are the meter's counted readings of the last HISTORY_DAYS as :func:`context_rows`
    reads them; without them this function queries them.
    """
    if rows is None:
        rows = recent_rows(meter, today - dt.timedelta(days=HISTORY_DAYS), today_from(today))
    submissions = _submissions(rows)
    replaceable: list[Reading] = []
    if submissions and getattr(actor, "is_authenticated", False):
        last = submissions[-1]
        head = last[0]
        if (
            head.entered_by_id == actor.pk
            and head.state == Reading.State.ACCEPTED
            and timezone.localdate(head.submitted_at) == today
            and head.billed is False  # None: not asked (rows read without ``today_from``)
        ):
            replaceable = [
                Reading(meter=meter, **{name: getattr(row, name) for name in _CONTEXT_FIELDS}) for row in last
            ]
            submissions = submissions[:-1]

    previous: dict[str, rules.Previous] = {}
    history: list[tuple[dt.date, int]] = []
    for submission in submissions:
        volume = 0
        for row in submission:
            before = previous.get(row.zone)
            if before is not None:
                volume += rules.consumption(before.value, row.value, digits=meter.digits)[0] * meter.transformer_ratio
            previous[row.zone] = rules.Previous(row.value, row.taken_on)
        history.append((submission[0].taken_on, volume))

    recent_zones = frozenset(previous)
    missing = [zone for zone in meter.zones if zone not in previous]
    if missing:  # nothing counted in the last year for these zones: look further back
        exclude = [r.pk for r in replaceable]
        for zone in missing:
            older = (
                Reading.objects.filter(meter=meter, zone=zone, state__in=Reading.COUNTED)
                .exclude(pk__in=exclude)
                .order_by("-taken_on", "-id")
                .first()
            )
            if older is not None:
                previous[zone] = rules.Previous(older.value, older.taken_on)

    return MeterContext(
        previous=previous,
        limits=_limits(meter, rules.usual_monthly_kwh(history)),
        replaceable=replaceable,
        used=sum(volume for _, volume in history[1:]),
        first_on=history[0][0] if history else None,
        last_on=history[-1][0] if history else None,
        recent_zones=recent_zones,
    )


def _limits(meter: Meter, usual: Decimal | None) -> rules.Limits:
    return rules.Limits(
        usual_monthly_kwh=usual,
        capacity_kw=meter.account.capacity_kw,
        factor=settings.READINGS_IMPLAUSIBLE_FACTOR,
        min_kwh=settings.READINGS_IMPLAUSIBLE_MIN_KWH,
    )


def _check_meter(meter: Meter, today: dt.date) -> None:
    refusal = _meter_refusal(
        status=meter.status,
        serial=meter.serial,
        account_status=meter.account.status,
        number=meter.account.number,
        next_verification_on=meter.next_verification_on,
        today=today,
    )
    if refusal is not None:
        raise refusal


def _meter_refusal(
    *, status: str, serial: str, account_status: str, number: str, next_verification_on: dt.date | None, today: dt.date
) -> DomainError | None:
    """Why no reading of this meter is accepted today (removed, account closed, verification expired), or None.

    Plain values, so that the bulk path judges a batch's meters without model instances.
    """
    if status != Meter.Status.ACTIVE:
        return DomainError(
            "meter_removed",
            _("Счётчик № %(serial)s снят; показания по нему не принимаются.") % {"serial": serial},
        )
    if account_status != Account.Status.ACTIVE:
        return DomainError("account_closed", _("Лицевой счёт %(number)s закрыт.") % {"number": number})
    if next_verification_on is not None and next_verification_on < today:  # as Meter.verification_expired
        return DomainError(
            "meter_verification_expired",
            _(
                "Срок поверки счётчика № %(serial)s истёк %(date)s: по нему начисление идёт по среднему или нормативу. "
                "Подайте заявку на поверку или замену счётчика."
            )
            % {"serial": serial, "date": f"{next_verification_on:%d.%m.%Y}"},
        )
    return None


def _check_date(taken_on: dt.date, today: dt.date) -> None:
    if taken_on > today:
        raise DomainError("reading_date_in_future", _("Дата показаний не может быть в будущем."), field="taken_on")


def _parse(values: RawValues | None, *, zones: Sequence[str], digits: int) -> dict[str, int]:
    if values is None:
        raise DomainError("reading_required", _("Введите показания счётчика."))
    return rules.parse_values(values, zones=zones, digits=digits)


# --- Preview and submission -----------------------------------------------------------------


@dataclass
class Preview:
    """What the typed readings mean before they are stored ("Рассчитать и передать")."""

    meter: Meter
    taken_on: dt.date
    evaluation: rules.Evaluation
    costs: list[ZoneCost]
    replaces: list[Reading] = field(default_factory=list)

    @property
    def total_cost(self) -> Decimal:
        return total(self.costs)

    @property
    def rows(self) -> list[tuple[rules.ZoneLine, ZoneCost]]:
        return list(zip(self.evaluation.lines, self.costs, strict=True))

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.evaluation.implausible)


def _values_for(meter: Meter, values: RawValues | None, unchanged: bool, context: MeterContext) -> dict[str, int]:
    if unchanged:
        if len(context.previous) != len(meter.zones):
            raise DomainError(
                "reading_no_previous", _("По этому счётчику ещё нет принятых показаний: введите текущие показания.")
            )
        return {zone: context.previous[zone].value for zone in meter.zones}
    return _parse(values, zones=meter.zones, digits=meter.digits)


def _prepare(
    meter: Meter,
    values: RawValues | None,
    *,
    unchanged: bool,
    actor: Any,
    taken_on: dt.date,
    today: dt.date,
    context: MeterContext | None = None,
    window: rules.Window | None = None,
) -> Preview:
    _check_meter(meter, today)
    _check_date(taken_on, today)
    context = context or meter_context(meter, actor=actor, today=today)
    parsed = _values_for(meter, values, unchanged, context)
    evaluation = rules.evaluate(
        parsed,
        previous=context.previous,
        digits=meter.digits,
        ratio=meter.transformer_ratio,
        taken_on=taken_on,
        window=window or window_on(taken_on),
        limits=context.limits,
    )
    costs = cost_of(meter.account.tariff_category_id, meter.scheme, evaluation.volumes, taken_on)
    return Preview(meter=meter, taken_on=taken_on, evaluation=evaluation, costs=costs, replaces=context.replaceable)


def preview_readings(
    *,
    meter: Meter,
    values: RawValues | None = None,
    unchanged: bool = False,
    actor: Any = None,
    taken_on: dt.date | None = None,
) -> Preview:
    """Consumption and cost the values would produce; stores nothing. Raises DomainError like submit."""
    today = timezone.localdate()
    return _prepare(meter, values, unchanged=unchanged, actor=actor, taken_on=taken_on or today, today=today)


@dataclass
class Submission:
    id: uuid.UUID
    readings: list[Reading]
    preview: Preview

    @property
    def period(self):
        return self.preview.evaluation.period

    @property
    def replaced(self) -> bool:
        return bool(self.preview.replaces)


def accepted_readings(
    meter: Meter,
    evaluation: rules.Evaluation,
    *,
    taken_on: dt.date,
    source: str,
    submission: uuid.UUID,
    actor: Any,
    unchanged: bool = False,
    period: Any = None,
) -> list[Reading]:
    """The rows of one accepted submission, a row per zone (not saved)."""
    return [
        Reading(
            meter=meter,
            zone=line.zone,
            value=line.value,
            taken_on=taken_on,
            period=period or evaluation.period,
            source=source,
            state=Reading.State.ACCEPTED,
            submission=submission,
            entered_by=actor if getattr(actor, "is_authenticated", False) else None,
            rollover=line.rollover,
            unchanged=unchanged,
            implausible_confirmed=bool(evaluation.implausible),
        )
        for line in evaluation.lines
    ]


def submit_readings(
    *,
    meter: Meter,
    values: RawValues | None = None,
    unchanged: bool = False,
    channel: str,
    actor: Any = None,
    confirm_implausible: bool = False,
    taken_on: dt.date | None = None,
) -> Submission:
    """Validate and store one meter's readings (all zones together) as accepted for a period.

    The meter's row is locked for the transaction, so concurrent submissions for one meter are
    judged one after another against each other's results. The actor's own submission of the same
    day is replaced (same-day correction); an implausible volume needs ``confirm_implausible``.
    """
    today = timezone.localdate()
    taken_on = taken_on or today
    with transaction.atomic():
        locked = lock_meter(meter.pk)
        preview = _prepare(locked, values, unchanged=unchanged, actor=actor, taken_on=taken_on, today=today)
        if preview.needs_confirmation and not confirm_implausible:
            raise DomainError(
                "reading_implausible",
                preview.evaluation.implausible,
                needs_confirmation=True,
                volume=preview.evaluation.volume,
            )
        submission_id = uuid.uuid4()
        if preview.replaces:
            _mark_replaced([r.pk for r in preview.replaces], _("Исправлено абонентом в тот же день"))
        readings = accepted_readings(
            locked,
            preview.evaluation,
            taken_on=taken_on,
            source=channel,
            submission=submission_id,
            actor=actor,
            unchanged=unchanged,
        )
        sql.insert(readings)  # bulk_create's insert, in plain SQL (see core/sql.py)
        audit(
            "reading.corrected" if preview.replaces else "reading.submitted",
            actor=actor,
            channel=channel,
            account=locked.account,
            obj=locked,
            changes={
                "submission": str(submission_id),
                "period": str(preview.evaluation.period),
                "values": {line.zone: line.value for line in preview.evaluation.lines},
                "replaced": {r.zone: r.value for r in preview.replaces},
                "unchanged": unchanged,
                "implausible_confirmed": bool(preview.evaluation.implausible),
            },
        )
    preview.meter = locked
    return Submission(id=submission_id, readings=readings, preview=preview)


def _mark_replaced(ids: Sequence[int], reason: str) -> None:
    """``Reading.objects.filter(pk__in=ids).update(state=REPLACED, rejection_reason=reason)`` in plain SQL
    (a same-day correction's; see ``sql``)."""
    query = _replaced_sql(connection.vendor, len(ids))
    with connection.cursor() as cursor:
        cursor.execute(query, [Reading.State.REPLACED.value, reason, *ids])


@functools.cache
def _replaced_sql(vendor: str, count: int) -> str:
    return (
        f"UPDATE {sql.table(Reading)} SET {sql.column(Reading, 'state')} = %s,"
        f" {sql.column(Reading, 'rejection_reason')} = %s WHERE {sql.column(Reading, 'id')} IN"
        f" ({', '.join(['%s'] * count)})"
    )


def correct_readings(
    *, meter_id: int, submission_id: uuid.UUID, values: RawValues, actor: Any, reason: str
) -> Submission:
    """Staff correction of a meter's latest submission, at any time, with a reason in the audit log.

    The submission is looked up within its meter (the meter's index): there is no index on
    ``submission`` alone, which every reading written would pay for.
    """
    if not getattr(actor, "is_staff", False):
        raise DomainError("forbidden", _("Исправлять показания задним числом могут только сотрудники."))
    if not reason.strip():
        raise DomainError("reason_required", _("Укажите причину исправления."), field="reason")
    with transaction.atomic():
        meter = Meter.objects.select_for_update().select_related("account").filter(pk=meter_id).first()
        old = list(
            Reading.objects.filter(meter_id=meter_id, submission=submission_id, state__in=Reading.COUNTED).order_by(
                "id"
            )
        )
        if meter is None or not old:
            raise DomainError("submission_not_found", _("Передача показаний не найдена или уже заменена."))
        latest = (
            Reading.objects.filter(meter=meter, state__in=Reading.COUNTED)
            .order_by("-taken_on", "-id")
            .values("submission")
            .first()
        )
        if latest and latest["submission"] != submission_id:
            raise DomainError(
                "not_latest", _("Исправить можно только последние показания счётчика; сначала исправьте более поздние.")
            )
        taken_on = old[0].taken_on
        rows = context_rows(
            Reading.objects.filter(
                meter=meter, state__in=Reading.COUNTED, taken_on__gte=taken_on - dt.timedelta(days=HISTORY_DAYS)
            ).exclude(submission=submission_id)
        )
        context = meter_context(meter, actor=None, today=taken_on, rows=rows)
        parsed = rules.parse_values(values, zones=meter.zones, digits=meter.digits)
        evaluation = rules.evaluate(
            parsed,
            previous=context.previous,
            digits=meter.digits,
            ratio=meter.transformer_ratio,
            taken_on=taken_on,
            window=window_on(taken_on),
            limits=context.limits,
        )
        Reading.objects.filter(pk__in=[r.pk for r in old]).update(
            state=Reading.State.REPLACED, rejection_reason=reason[:255]
        )
        new_id = uuid.uuid4()
        readings = Reading.objects.bulk_create(
            accepted_readings(
                meter,
                evaluation,
                taken_on=taken_on,
                source=Reading.Source.STAFF,
                submission=new_id,
                actor=actor,
                period=old[0].period,
            )
        )
        audit(
            "reading.corrected_by_staff",
            actor=actor,
            channel=Reading.Source.STAFF,
            account=meter.account,
            obj=meter,
            changes={
                "submission": str(new_id),
                "replaced_submission": str(submission_id),
                "before": {r.zone: r.value for r in old},
                "after": {line.zone: line.value for line in evaluation.lines},
            },
            reason=reason,
        )
    costs = cost_of(meter.account.tariff_category_id, meter.scheme, evaluation.volumes, taken_on)
    return Submission(id=new_id, readings=readings, preview=Preview(meter, taken_on, evaluation, costs, old))


# --- Bulk import (inspectors' rounds, files) ----------------------------------------------------


@dataclass(frozen=True)
class ImportRow:
    line: int
    account: str
    serial: str
    values: Sequence[str | int]
    taken_on: dt.date
    confirm_implausible: bool = False


@dataclass
class ImportReport:
    accepted: int = 0
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # (line, code, message)


# Rows read before they are grouped by meter (see import_readings): bounds the memory of a huge file.
IMPORT_CHUNK_ROWS = 100_000


def import_readings(
    rows: Iterable[ImportRow], *, channel: str, actor: Any = None, batch_size: int = 2000, progress: Any = None
) -> ImportReport:
    """Submit many readings at once through the same rules, a batch per transaction.

    Rows are taken in chunks of up to ``IMPORT_CHUNK_ROWS``; within a chunk the rows of one meter
    (account number and serial) stay together and in their order, so a file that interleaves many
    meters (a round over a street, day after day) reads each meter's history once per chunk instead
    of once per batch. Per batch of about ``batch_size`` rows: the meters are locked and read as
    plain values, their year of history is summed up in one SQL pass, every row is judged in memory
    by ``rules.evaluate`` against the meter's last reading (an earlier row of the same meter
    included), and the accepted ones are written at once (COPY on PostgreSQL). A rejected row is
    reported with its line number and the rule's message; it never stops the others. The report's
    rejections are in line order.
    """
    report = ImportReport()
    chunk: list[ImportRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= IMPORT_CHUNK_ROWS:
            _import_chunk(chunk, channel=channel, actor=actor, batch_size=batch_size, report=report, progress=progress)
            chunk = []
    if chunk:
        _import_chunk(chunk, channel=channel, actor=actor, batch_size=batch_size, report=report, progress=progress)
    report.rejected.sort(key=lambda rejection: rejection[0])  # stable: a line's order is kept
    return report


def _import_chunk(
    chunk: list[ImportRow], *, channel: str, actor: Any, batch_size: int, report: ImportReport, progress: Any
) -> None:
    by_meter: dict[tuple[str, str], list[ImportRow]] = {}
    for row in chunk:
        by_meter.setdefault((row.account, row.serial), []).append(row)
    batch: list[ImportRow] = []
    for rows in by_meter.values():
        batch += rows
        if len(batch) >= batch_size:
            _import_batch(batch, channel=channel, actor=actor, report=report)
            batch = []
            if progress:
                progress(report)
    if batch:
        _import_batch(batch, channel=channel, actor=actor, report=report)
        if progress:
            progress(report)


@dataclass(frozen=True, slots=True)
class MeterFacts:
    """What judging a reading needs of a meter and its account, as plain values (the bulk path)."""

    pk: int
    number: str
    serial: str
    digits: int
    transformer_ratio: int
    scheme: int
    capacity_kw: Decimal
    refusal: DomainError | None  # why none of its readings is accepted today (removed, closed, verification)

    @property
    def zones(self) -> tuple[str, ...]:
        return ZONES_BY_SCHEME[self.scheme]

    @classmethod
    def of(cls, meter: Meter, today: dt.date) -> MeterFacts:
        account = meter.account
        return cls(
            meter.pk, account.number, meter.serial, meter.digits, meter.transformer_ratio, meter.scheme,
            account.capacity_kw, _refusal_of(meter, today),
        )  # fmt: skip


def _refusal_of(meter: Meter, today: dt.date) -> DomainError | None:
    try:
        _check_meter(meter, today)
    except DomainError as error:
        return error
    return None


def _id_lists(values: Sequence[Any]) -> Iterable[tuple[str, list[Any]]]:
    """``(SQL, params)`` pieces matching a column against ``values``: one array on PostgreSQL,
    ``IN (...)`` in slices within SQLite's parameter limit elsewhere. Format the SQL with the column."""
    if connection.vendor == "postgresql":
        yield "{column} = ANY(%s)", [list(values)]
        return
    size = (connection.features.max_query_params or 999) - 10
    for start in range(0, len(values), size):
        part = list(values[start : start + size])
        yield "{column} IN (" + ", ".join(["%s"] * len(part)) + ")", part


_LOCK_METERS_SQL = """
SELECT m.id, a.number, m.serial, m.digits, m.transformer_ratio, m.scheme, m.next_verification_on,
       a.status, a.connection_kw
FROM {meter} m JOIN {account} a ON a.id = m.account_id
WHERE {numbers} AND m.status = %s
ORDER BY m.id{lock}
"""


def _lock_meters(numbers: Sequence[str], today: dt.date) -> dict[tuple[str, str], MeterFacts]:
    """The active meters of these accounts, locked for the transaction with their accounts (as every
    write of readings locks them: see ``billing.selectors``), by (account number, serial)."""
    lock = " FOR UPDATE OF m, a" if connection.features.has_select_for_update_of else ""
    meters: dict[tuple[str, str], MeterFacts] = {}
    with connection.cursor() as cursor:
        for clause, params in _id_lists(numbers):
            sql = _LOCK_METERS_SQL.format(
                meter=Meter._meta.db_table,
                account=Account._meta.db_table,
                numbers=clause.format(column="a.number"),
                lock=lock,
            )
            cursor.execute(sql, [*params, Meter.Status.ACTIVE])
            for pk, number, serial, digits, ratio, scheme, verification, account_status, kw in cursor.fetchall():
                verification = None if verification is None else _as_date(verification)
                meters[(number, serial)] = MeterFacts(
                    pk, number, serial, digits, ratio, scheme,
                    _decimal(kw) or settings.DEFAULT_CONNECTION_KW,  # as Account.capacity_kw
                    _meter_refusal(
                        status=Meter.Status.ACTIVE, serial=serial, account_status=account_status, number=number,
                        next_verification_on=verification, today=today,
                    ),
                )  # fmt: skip
    return meters


# Per meter and zone over the last year: the last counted value and date, and the consumption
# between consecutive readings (as a sum of deltas plus the count of rollovers, each worth
# 10**digits), so a batch reads one row per meter-zone instead of its whole year of readings.
# One window (one sort) gives both the previous value (LAG) and the newest row (no LEAD after it).
_BATCH_HISTORY_SQL = """
SELECT meter_id, zone,
       MAX(CASE WHEN next_id IS NULL THEN value END) AS last_value,
       MIN(taken_on) AS first_on, MAX(taken_on) AS last_on,
       SUM(CASE WHEN prev IS NULL THEN 0 ELSE value - prev END) AS delta,
       SUM(CASE WHEN value < prev THEN 1 ELSE 0 END) AS rollovers
FROM (
    SELECT meter_id, zone, value, taken_on, LAG(value) OVER w AS prev, LEAD(id) OVER w AS next_id
    FROM {reading}
    WHERE {ids} AND state IN ({states}) AND taken_on >= %s
    WINDOW w AS (PARTITION BY meter_id, zone ORDER BY taken_on, id)
) AS history
GROUP BY meter_id, zone
"""


def _decimal(value: Any) -> Decimal | None:
    """A decimal column read by a raw cursor (SQLite answers a float)."""
    return None if value is None else value if isinstance(value, Decimal) else Decimal(str(value))


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _batch_contexts(meters: Sequence[MeterFacts], *, since: dt.date, today: dt.date) -> dict[int, MeterContext]:
    """The judging context of many meters at once (the bulk twin of :func:`meter_context`)."""
    by_id = {meter.pk: meter for meter in meters}
    previous: dict[int, dict[str, rules.Previous]] = defaultdict(dict)
    used: dict[int, int] = defaultdict(int)
    span: dict[int, tuple[dt.date, dt.date]] = {}
    states = ", ".join(["%s"] * len(Reading.COUNTED))
    with connection.cursor() as cursor:
        for clause, params in _id_lists(list(by_id)):
            sql = _BATCH_HISTORY_SQL.format(
                reading=Reading._meta.db_table, ids=clause.format(column="meter_id"), states=states
            )
            cursor.execute(sql, [*params, *Reading.COUNTED, since])
            for meter_id, zone, last_value, first_on, last_on, delta, rollovers in cursor.fetchall():
                meter = by_id[meter_id]
                first_on, last_on = _as_date(first_on), _as_date(last_on)
                previous[meter_id][zone] = rules.Previous(int(last_value), last_on)
                used[meter_id] += (int(delta) + int(rollovers) * 10**meter.digits) * meter.transformer_ratio
                old = span.get(meter_id, (first_on, last_on))
                span[meter_id] = (min(old[0], first_on), max(old[1], last_on))
    contexts = {}
    careful = [meter_id for meter_id, meter in by_id.items() if len(previous[meter_id]) < len(meter.zones)]
    if careful:  # nothing recent for a zone: the single path, which looks further back
        for model in Meter.objects.select_related("account").filter(pk__in=careful):
            contexts[model.pk] = meter_context(model, actor=None, today=today)
    for meter_id, meter in by_id.items():
        if meter_id in contexts:
            continue
        first_on, last_on = span[meter_id]
        contexts[meter_id] = MeterContext(
            previous=previous[meter_id],
            limits=rules.Limits(
                usual_monthly_kwh=rules.usual_monthly_from_total(used[meter_id], first_on, last_on),
                capacity_kw=meter.capacity_kw,
                factor=settings.READINGS_IMPLAUSIBLE_FACTOR,
                min_kwh=settings.READINGS_IMPLAUSIBLE_MIN_KWH,
            ),
            replaceable=[],
            used=used[meter_id],
            first_on=first_on,
            last_on=last_on,
            recent_zones=frozenset(previous[meter_id]),
        )
    return contexts


_COPY_COLUMNS = (
    "meter_id, zone, value, taken_on, submitted_at, period, source, state, rejection_reason, submission, "
    "entered_by_id, rollover, unchanged, implausible_confirmed"
)
# A new reading as a tuple in _COPY_COLUMNS order, ``period`` as its first day.
NewReading = tuple[int, str, int, dt.date, dt.datetime, dt.date, str, str, str, uuid.UUID, int | None, bool, bool, bool]
# Their types for COPY: declared once, psycopg does not look a dumper up for every value.
_COPY_TYPES = (
    "bigint", "varchar", "bigint", "date", "timestamptz", "date", "varchar", "varchar", "varchar", "uuid", "bigint",
    "bool", "bool", "bool",
)  # fmt: skip


@contextlib.contextmanager
def _reading_writer() -> Iterator[Callable[[NewReading], None]]:
    """``write(row)`` stores a new reading. On PostgreSQL the rows stream into one COPY (faster than
    INSERT, and the server parses and indexes them while the rows after are still being judged);
    elsewhere they are kept and stored with bulk_create at the end. The connection runs nothing
    else until the block ends."""
    if connection.vendor != "postgresql":
        rows: list[NewReading] = []
        yield rows.append
        Reading.objects.bulk_create([_reading_of(row) for row in rows], batch_size=1000)
        return
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {Reading._meta.db_table} ({_COPY_COLUMNS}) FROM STDIN") as copy,
    ):
        copy.set_types(_COPY_TYPES)
        yield copy.write_row


def _reading_of(row: NewReading) -> Reading:
    fields: dict[str, Any] = dict(zip(_COPY_COLUMNS.split(", "), row, strict=True))
    del fields["submitted_at"]  # auto_now_add
    fields["period"] = Period.of(fields["period"])
    return Reading(**fields)


def _import_batch(batch: list[ImportRow], *, channel: str, actor: Any, report: ImportReport) -> None:
    today = timezone.localdate()
    now = timezone.now()
    entered_by = actor.pk if getattr(actor, "is_authenticated", False) else None  # as accepted_readings
    rejected = report.rejected
    accepted, state = 0, Reading.State.ACCEPTED.value
    with transaction.atomic():
        meters = _lock_meters(list({row.account for row in batch}), today)
        since = today - dt.timedelta(days=HISTORY_DAYS)  # as meter_context
        contexts = _batch_contexts(list(meters.values()), since=since, today=today)
        windows = {day: window_on(day) for day in {row.taken_on for row in batch}}
        with _reading_writer() as write:
            for row in batch:
                meter = meters.get((row.account, row.serial))
                if meter is None:
                    rejected.append(
                        (
                            row.line,
                            "meter_not_found",
                            _("Счётчик № %(serial)s не найден на лицевом счёте %(account)s.")
                            % {"serial": row.serial, "account": row.account},
                        )
                    )
                    continue
                if meter.refusal is not None:
                    rejected.append((row.line, meter.refusal.code, meter.refusal.message))
                    continue
                taken_on = row.taken_on
                context = contexts[meter.pk]
                try:
                    _check_date(taken_on, today)
                    parsed = _parse(row.values, zones=meter.zones, digits=meter.digits)
                    evaluation = rules.evaluate(
                        parsed,
                        previous=context.previous,
                        digits=meter.digits,
                        ratio=meter.transformer_ratio,
                        taken_on=taken_on,
                        window=windows[taken_on],
                        limits=context.limits,
                    )
                    if evaluation.implausible and not row.confirm_implausible:
                        raise DomainError("reading_implausible", evaluation.implausible)
                except DomainError as error:
                    rejected.append((row.line, error.code, error.message))
                    continue
                submission = uuid.uuid4()
                period = evaluation.period.first_day
                confirmed = bool(evaluation.implausible)
                for line in evaluation.lines:
                    write(
                        (meter.pk, line.zone, line.value, taken_on, now, period, channel, state, "", submission,
                         entered_by, line.rollover, False, confirmed)
                    )  # fmt: skip
                context.accepted(evaluation, taken_on)  # a later row of the same meter is judged against this one
                accepted += 1
        report.accepted += accepted
        audit(
            "reading.imported",
            actor=actor,
            channel=channel,
            changes={"rows": len(batch), "accepted": report.accepted, "rejected_total": len(report.rejected)},
        )
