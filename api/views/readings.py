"""Readings: preview ("draft"), submission (accepted for a period), history, consumption.

Every reading enters through ``metering.services.submit_readings``, as from the portal, with the
channel ``api``; an implausible volume is refused with 409 ``reading_implausible`` until the same
values are sent again with ``"confirm_implausible": true`` (a new request: a new Idempotency-Key).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.services import preview_charge
from core.errors import DomainError
from core.periods import Period
from metering.models import Meter, Reading
from metering.selectors import reading_history
from metering.services import preview_readings, submit_readings

from .. import presenters
from .. import serializers as s
from ..errors import ApiError
from ..idempotency import idempotent
from ..selectors import BASIS_ORDER, grouped, meter_consumption
from .accounts import ACCOUNT, METER
from .base import ListView, meter_of, period, valid

MAX_MONTHS = 120
EXAMPLES = [
    OpenApiExample(
        "single_rate", summary=gettext_lazy("Однотарифный"), value={"values": {"total": "11450"}}, request_only=True
    ),
    OpenApiExample(
        "day_night",
        summary=gettext_lazy("День/ночь"),
        value={"values": {"day": "12345", "night": "6789"}},
        request_only=True,
    ),
    OpenApiExample(
        "zone_order", summary=gettext_lazy("В порядке зон"), value={"values": ["12345", "6789"]}, request_only=True
    ),
    OpenApiExample("unchanged", summary=gettext_lazy("Без изменений"), value={"unchanged": True}, request_only=True),
]


@contextmanager
def zone_fields(meter: Meter) -> Iterator[None]:
    """metering names a zone's field "day"; in the request body it is "values.day"."""
    try:
        yield
    except DomainError as error:
        if error.field in meter.zones:
            error.field = f"values.{error.field}"
        raise


class ReadingsView(ListView):
    @extend_schema(
        tags=["readings"],
        summary=gettext_lazy("История показаний счётчика"),
        description=gettext_lazy(
            "Передачи показаний, новые первыми: состояние (принято за период, учтено в счёте, заменено "
            "исправлением, отклонено), канал, значения и расход по зонам. Показания — всегда фактические; "
            "начисления по среднему или нормативу видны в расходе (consumption)."
        ),
        parameters=[ACCOUNT, METER, s.HistoryQuerySerializer],
        responses=s.ReadingHistorySerializer(many=True),
    )
    def get(self, request: Request, number: str, meter_id: int) -> Response:
        meter = meter_of(request, number, meter_id)
        query = valid(s.HistoryQuerySerializer, request.query_params)
        first = period(query.get("period_from"), field="period_from")
        last = period(query.get("period_to"), field="period_to")
        today = timezone.localdate()
        entries = [
            presenters.history_entry(entry, user_id=request.user.pk, today=today)
            for entry in reading_history(meter, limit=10_000)
            if (first is None or entry.period >= first) and (last is None or entry.period <= last)
        ]
        return self.page(request, entries, s.ReadingHistorySerializer)

    @extend_schema(
        tags=["readings"],
        summary=gettext_lazy("Передать показания"),
        description=gettext_lazy(
            "Все зоны счётчика вместе. Ответ 201: показания приняты за период accepted_for_period. "
            "Повторная передача в тот же день заменяет вашу прежнюю (исправление). Большой расход: 409 "
            "reading_implausible — проверьте цифры и, если они верны, отправьте те же значения с "
            "confirm_implausible: true и новым Idempotency-Key. Idempotency-Key обязателен."
        ),
        parameters=[ACCOUNT, METER],
        request=s.SubmitRequestSerializer,
        examples=EXAMPLES,
        responses={201: s.ReadingsResultSerializer, 409: s.ErrorSerializer},
    )
    @idempotent(required=True)
    def post(self, request: Request, number: str, meter_id: int) -> Response:
        meter = meter_of(request, number, meter_id)
        data = valid(s.SubmitRequestSerializer, request.data)
        with zone_fields(meter):
            result = submit_readings(
                meter=meter,
                values=data.get("values"),
                unchanged=data["unchanged"],
                channel=Reading.Source.API,
                actor=request.user,
                confirm_implausible=data["confirm_implausible"],
            )
        return Response(presenters.readings_result(result.preview, submission=result), status=201)


class PreviewView(APIView):
    read_only_action = True  # stores nothing: a read-only token may ask too

    @extend_schema(
        tags=["readings"],
        summary=gettext_lazy("Рассчитать показания, не передавая их"),
        description=gettext_lazy(
            "Расход и стоимость по зонам, период, за который показания будут учтены, предупреждения; "
            "state = draft, ничего не сохраняется. needs_confirmation: расход неправдоподобно большой. "
            "charge — что начислит закрытие периода и сколько будет к оплате."
        ),
        parameters=[ACCOUNT, METER],
        request=s.ReadingsRequestSerializer,
        examples=EXAMPLES,
        responses=s.ReadingsResultSerializer,
    )
    def post(self, request: Request, number: str, meter_id: int) -> Response:
        meter = meter_of(request, number, meter_id)
        data = valid(s.ReadingsRequestSerializer, request.data)
        with zone_fields(meter):
            preview = preview_readings(
                meter=meter, values=data.get("values"), unchanged=data["unchanged"], actor=request.user
            )
        try:
            charge = preview_charge(
                meter=meter,
                period=preview.evaluation.period,
                taken_on=preview.taken_on,
                values={line.zone: line.value for line in preview.evaluation.lines},
            )
        except DomainError:
            charge = None  # a missing price or norm is staff's to fix; the readings themselves are fine
        return Response(presenters.readings_result(preview, charge=charge))


class ConsumptionView(ListView):
    @extend_schema(
        tags=["readings"],
        summary=gettext_lazy("Расход по месяцам, кварталам или годам"),
        description=gettext_lazy(
            "Как в API Octopus: period_from, period_to (ГГГГ-ММ, по умолчанию последние 12 месяцев), "
            "group_by = month | quarter | year, order_by = -period (новые первыми) | period. По выставленным "
            "месяцам — что начислено (basis: actual по показаниям, average по среднему, norm по нормативу; "
            "estimated = true, если есть начисление без показаний), по ещё не выставленным — по показаниям "
            "(basis: readings). Месяцы без данных пропускаются."
        ),
        parameters=[ACCOUNT, METER, s.ConsumptionQuerySerializer],
        responses=s.ConsumptionSerializer(many=True),
    )
    def get(self, request: Request, number: str, meter_id: int) -> Response:
        meter = meter_of(request, number, meter_id)
        query = valid(s.ConsumptionQuerySerializer, request.query_params)
        last = period(query.get("period_to"), field="period_to") or Period.of(timezone.localdate())
        first = period(query.get("period_from"), field="period_from") or last - 11
        if first > last:
            raise ApiError(422, "period_range_invalid", _("period_from позже period_to."), field="period_from")
        if first.months_until(last) + 1 > MAX_MONTHS:
            raise ApiError(
                422,
                "period_range_too_long",
                _("Не больше %(n)s месяцев за запрос.") % {"n": MAX_MONTHS},
                field="period_from",
            )
        uses = grouped(meter_consumption(meter, period_from=first, period_to=last), query["group_by"])
        if query["order_by"] == "-period":
            uses.reverse()
        items = [
            {
                "interval_start": use.first.first_day,
                "interval_end": use.last.last_day,
                "period_from": str(use.first),
                "period_to": str(use.last),
                "consumption": use.total,
                "zones": use.zones,
                "estimated": use.estimated,
                "basis": sorted(use.bases, key=BASIS_ORDER.index),
                "billed": use.billed,
            }
            for use in uses
        ]
        return self.page(request, items, s.ConsumptionSerializer)
