"""The only way a reading enters the system.

The portal, the form without login, SMS, e-mail, the API, the back office and the file import
all call :func:`submit_readings` (one meter) or :func:`import_readings` (many rows), which apply
``rules.evaluate`` inside a transaction holding the meter's row lock, store the readings and write
the audit entry. Channels only translate the result or the :class:`~core.errors.DomainError`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.pricing import ZoneCost, cost_of, total
from core.audit import audit
from core.errors import DomainError
from customers.models import Account

from . import rules
from .models import Meter, Reading, SubmissionWindow

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


def _submissions(rows: Iterable[Reading]) -> list[list[Reading]]:
    grouped: dict[uuid.UUID, list[Reading]] = {}
    for row in rows:
        grouped.setdefault(row.submission, []).append(row)
    return list(grouped.values())


def meter_context(meter: Meter, *, actor: Any, today: dt.date, rows: Sequence[Reading] | None = None) -> MeterContext:
    """The last counted readings, the usual use and today's replaceable submission of one meter.

    ``rows`` are the meter's counted readings of the last HISTORY_DAYS, oldest first; the bulk path
    passes them preloaded, the single path lets this function query them.
    """
    if rows is None:
        rows = list(
            Reading.objects.filter(
                meter=meter, state__in=Reading.COUNTED, taken_on__gte=today - dt.timedelta(days=HISTORY_DAYS)
            ).order_by("taken_on", "id")
        )
    submissions = _submissions(rows)
    replaceable: list[Reading] = []
    if submissions and getattr(actor, "is_authenticated", False):
        last = submissions[-1]
        head = last[0]
        if (
            head.entered_by_id == actor.pk
            and head.state == Reading.State.ACCEPTED
            and timezone.localdate(head.submitted_at) == today
        ):
            replaceable = last
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
        previous=previous, limits=_limits(meter, rules.usual_monthly_kwh(history)), replaceable=replaceable
    )


def _limits(meter: Meter, usual: Decimal | None) -> rules.Limits:
    return rules.Limits(
        usual_monthly_kwh=usual,
        capacity_kw=meter.account.capacity_kw,
        factor=settings.READINGS_IMPLAUSIBLE_FACTOR,
        min_kwh=settings.READINGS_IMPLAUSIBLE_MIN_KWH,
    )


def _check_meter(meter: Meter, today: dt.date) -> None:
    if meter.status != Meter.Status.ACTIVE:
        raise DomainError(
            "meter_removed",
            _("Счётчик № %(serial)s снят; показания по нему не принимаются.") % {"serial": meter.serial},
        )
    if meter.account.status != Account.Status.ACTIVE:
        raise DomainError("account_closed", _("Лицевой счёт %(number)s закрыт.") % {"number": meter.account.number})
    if meter.verification_expired(today):
        raise DomainError(
            "meter_verification_expired",
            _(
                "Срок поверки счётчика № %(serial)s истёк %(date)s: по нему начисление идёт по среднему или нормативу. "
                "Подайте заявку на поверку или замену счётчика."
            )
            % {"serial": meter.serial, "date": f"{meter.next_verification_on:%d.%m.%Y}"},
        )


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
    if values is None:
        raise DomainError("reading_required", _("Введите показания счётчика."))
    return rules.parse_values(values, zones=meter.zones, digits=meter.digits)


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
    priced: bool = True,
) -> Preview:
    _check_meter(meter, today)
    if taken_on > today:
        raise DomainError("reading_date_in_future", _("Дата показаний не может быть в будущем."), field="taken_on")
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
    costs = cost_of(meter.account.tariff_category_id, meter.scheme, evaluation.volumes, taken_on) if priced else []
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
        locked = Meter.objects.select_for_update().select_related("account").get(pk=meter.pk)
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
            Reading.objects.filter(pk__in=[r.pk for r in preview.replaces]).update(
                state=Reading.State.REPLACED, rejection_reason=_("Исправлено абонентом в тот же день")
            )
        readings = Reading.objects.bulk_create(
            accepted_readings(
                locked,
                preview.evaluation,
                taken_on=taken_on,
                source=channel,
                submission=submission_id,
                actor=actor,
                unchanged=unchanged,
            )
        )
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


def correct_readings(*, submission_id: uuid.UUID, values: RawValues, actor: Any, reason: str) -> Submission:
    """Staff correction of a meter's latest submission, at any time, with a reason in the audit log."""
    if not getattr(actor, "is_staff", False):
        raise DomainError("forbidden", _("Исправлять показания задним числом могут только сотрудники."))
    if not reason.strip():
        raise DomainError("reason_required", _("Укажите причину исправления."), field="reason")
    with transaction.atomic():
        old = list(Reading.objects.filter(submission=submission_id, state__in=Reading.COUNTED).order_by("id"))
        if not old:
            raise DomainError("submission_not_found", _("Передача показаний не найдена или уже заменена."))
        meter = Meter.objects.select_for_update().select_related("account").get(pk=old[0].meter_id)
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
        rows = list(
            Reading.objects.filter(
                meter=meter, state__in=Reading.COUNTED, taken_on__gte=taken_on - dt.timedelta(days=HISTORY_DAYS)
            )
            .exclude(submission=submission_id)
            .order_by("taken_on", "id")
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


def import_readings(
    rows: Iterable[ImportRow], *, channel: str, actor: Any = None, batch_size: int = 2000, progress: Any = None
) -> ImportReport:
    """Submit many readings at once through the same rules, a batch per transaction.

    Per batch: the meters are locked and their year of history is read in two queries, every row
    is evaluated in memory, and the accepted ones are written with one bulk insert. A rejected row
    is reported with its line number and the rule's message; it never stops the others.
    """
    report = ImportReport()
    batch: list[ImportRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            _import_batch(batch, channel=channel, actor=actor, report=report)
            batch = []
            if progress:
                progress(report)
    if batch:
        _import_batch(batch, channel=channel, actor=actor, report=report)
        if progress:
            progress(report)
    return report


# Per meter and zone over the last year: the last counted value and date, and the consumption
# between consecutive readings (as a sum of deltas plus the count of rollovers, each worth
# 10**digits), so a batch reads one row per meter-zone instead of its whole year of readings.
_BATCH_HISTORY_SQL = """
SELECT meter_id, zone,
       MAX(CASE WHEN newest = 1 THEN value END) AS last_value,
       MIN(taken_on) AS first_on, MAX(taken_on) AS last_on,
       SUM(CASE WHEN prev IS NULL THEN 0 ELSE value - prev END) AS delta,
       SUM(CASE WHEN prev IS NOT NULL AND value < prev THEN 1 ELSE 0 END) AS rollovers
FROM (
    SELECT meter_id, zone, value, taken_on,
           LAG(value) OVER (PARTITION BY meter_id, zone ORDER BY taken_on, id) AS prev,
           ROW_NUMBER() OVER (PARTITION BY meter_id, zone ORDER BY taken_on DESC, id DESC) AS newest
    FROM metering_reading
    WHERE meter_id IN ({ids}) AND state IN ({states}) AND taken_on >= %s
) AS history
GROUP BY meter_id, zone
"""


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _batch_contexts(meters: list[Meter], *, since: dt.date, today: dt.date) -> dict[int, MeterContext]:
    """The judging context of many meters at once (the bulk twin of :func:`meter_context`)."""
    by_id = {meter.pk: meter for meter in meters}
    previous: dict[int, dict[str, rules.Previous]] = defaultdict(dict)
    used: dict[int, int] = defaultdict(int)
    span: dict[int, tuple[dt.date, dt.date]] = {}
    if by_id:
        sql = _BATCH_HISTORY_SQL.format(
            ids=", ".join(["%s"] * len(by_id)), states=", ".join(["%s"] * len(Reading.COUNTED))
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*by_id, *Reading.COUNTED, since])
            for meter_id, zone, last_value, first_on, last_on, delta, rollovers in cursor.fetchall():
                meter = by_id[meter_id]
                first_on, last_on = _as_date(first_on), _as_date(last_on)
                previous[meter_id][zone] = rules.Previous(int(last_value), last_on)
                used[meter_id] += (int(delta) + int(rollovers) * 10**meter.digits) * meter.transformer_ratio
                old = span.get(meter_id, (first_on, last_on))
                span[meter_id] = (min(old[0], first_on), max(old[1], last_on))
    contexts = {}
    for meter_id, meter in by_id.items():
        if len(previous[meter_id]) < len(meter.zones):  # nothing recent for a zone: the careful path
            contexts[meter_id] = meter_context(meter, actor=None, today=today)
            continue
        first_on, last_on = span[meter_id]
        contexts[meter_id] = MeterContext(
            previous=previous[meter_id],
            limits=_limits(meter, rules.usual_monthly_from_total(used[meter_id], first_on, last_on)),
            replaceable=[],
        )
    return contexts


_COPY_COLUMNS = (
    "meter_id, zone, value, taken_on, submitted_at, period, source, state, rejection_reason, submission, "
    "entered_by_id, rollover, unchanged, implausible_confirmed"
)


def _insert_readings(rows: list[Reading]) -> None:
    """Store many new readings: COPY on PostgreSQL (faster than INSERT for imports), else bulk_create."""
    if connection.vendor != "postgresql":
        Reading.objects.bulk_create(rows, batch_size=1000)
        return
    now = timezone.now()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY metering_reading ({_COPY_COLUMNS}) FROM STDIN") as copy,
    ):
        for r in rows:
            copy.write_row(
                (r.meter_id, r.zone, r.value, r.taken_on, now, r.period.first_day, r.source, r.state,
                 r.rejection_reason, r.submission, r.entered_by_id, r.rollover, r.unchanged, r.implausible_confirmed)
            )  # fmt: skip


def _import_batch(batch: list[ImportRow], *, channel: str, actor: Any, report: ImportReport) -> None:
    today = timezone.localdate()
    with transaction.atomic():
        meters: dict[tuple[str, str], Meter] = {}
        numbers = {row.account for row in batch}
        for meter in (
            Meter.objects.select_for_update(of=("self",))
            .select_related("account")
            .filter(account__number__in=numbers, status=Meter.Status.ACTIVE)
            .order_by("pk")
        ):
            meters[(meter.account.number, meter.serial)] = meter
        since = min(row.taken_on for row in batch) - dt.timedelta(days=HISTORY_DAYS)
        contexts = _batch_contexts(list(meters.values()), since=since, today=today)
        windows: dict[dt.date, rules.Window] = {}
        new: list[Reading] = []
        for row in batch:
            found = meters.get((row.account, row.serial))
            if found is None:
                report.rejected.append(
                    (
                        row.line,
                        "meter_not_found",
                        _("Счётчик № %(serial)s не найден на лицевом счёте %(account)s.")
                        % {"serial": row.serial, "account": row.account},
                    )
                )
                continue
            try:
                if row.taken_on not in windows:
                    windows[row.taken_on] = window_on(row.taken_on)
                context = contexts[found.pk]
                preview = _prepare(
                    found,
                    row.values,
                    unchanged=False,
                    actor=None,
                    taken_on=row.taken_on,
                    today=today,
                    context=context,
                    window=windows[row.taken_on],
                    priced=False,
                )
                if preview.needs_confirmation and not row.confirm_implausible:
                    raise DomainError("reading_implausible", preview.evaluation.implausible)
            except DomainError as error:
                report.rejected.append((row.line, error.code, error.message))
                continue
            made = accepted_readings(
                found, preview.evaluation, taken_on=row.taken_on, source=channel, submission=uuid.uuid4(), actor=actor
            )
            new.extend(made)
            for line in preview.evaluation.lines:  # a later row for the same meter is judged against this one
                context.previous[line.zone] = rules.Previous(line.value, row.taken_on)
            report.accepted += 1
        _insert_readings(new)
        audit(
            "reading.imported",
            actor=actor,
            channel=channel,
            changes={"rows": len(batch), "accepted": report.accepted, "rejected_total": len(report.rejected)},
        )
