"""Accounts, their meters, tariff, balance and bills: what the portal's account pages show."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import selectors as billing_selectors
from billing.pricing import prices_on
from core.periods import Period
from customers.services import link_account, unlink_account
from documents import services as documents
from metering import selectors as metering_selectors
from metering.models import Reading
from metering.zones import SCHEME_LABELS, ZONE_HOURS, zone_label
from payments.services import amount_due

from .. import presenters
from .. import serializers as s
from ..idempotency import idempotent
from ..selectors import link_of, links_for_user
from .base import ListView, account_of, meter_of, period, valid

ACCOUNT = OpenApiParameter(
    "number", str, OpenApiParameter.PATH, pattern=r"^\d{10}$", description=_("Номер лицевого счёта, 10 цифр.")
)
METER = OpenApiParameter("meter_id", int, OpenApiParameter.PATH, description=_("Идентификатор счётчика (поле id)."))
PERIOD = OpenApiParameter(
    "period", str, OpenApiParameter.PATH, pattern=r"^\d{4}-\d{2}$", description=_("Расчётный период ГГГГ-ММ.")
)
CHANNEL = Reading.Source.API


class AccountsView(ListView):
    @extend_schema(
        tags=["accounts"],
        summary=_("Мои лицевые счета"),
        responses=s.AccountSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        items = [presenters.account(link.account, link) for link in links_for_user(request.user)]
        return self.page(request, items, s.AccountSerializer)


class LinkView(APIView):
    @extend_schema(
        tags=["accounts"],
        summary=_("Добавить лицевой счёт в кабинет"),
        description=_(
            "Владение подтверждается кодом с квитанции или заводским номером счётчика. Любая неверная пара "
            "получает один и тот же ответ link_mismatch; неудачные попытки ограничены (link_locked, 429)."
        ),
        request=s.LinkRequestSerializer,
        responses={201: s.AccountSerializer, 409: s.ErrorSerializer},
    )
    @idempotent()
    def post(self, request: Request) -> Response:
        data = valid(s.LinkRequestSerializer, request.data)
        link = link_account(user=request.user, channel=CHANNEL, **data)
        return Response(s.AccountSerializer(presenters.account(link.account, link)).data, status=201)


class AccountView(APIView):
    @extend_schema(tags=["accounts"], summary=_("Лицевой счёт"), parameters=[ACCOUNT], responses=s.AccountSerializer)
    def get(self, request: Request, number: str) -> Response:
        account = account_of(request, number)
        return Response(s.AccountSerializer(presenters.account(account, link_of(request.user, account.pk))).data)

    @extend_schema(
        tags=["accounts"],
        summary=_("Убрать лицевой счёт из кабинета"),
        parameters=[ACCOUNT],
        responses={204: None},
    )
    @idempotent()
    def delete(self, request: Request, number: str) -> Response:
        account_of(request, number)
        unlink_account(user=request.user, number=number, channel=CHANNEL)
        return Response(status=204)


class MetersView(ListView):
    @extend_schema(
        tags=["meters"],
        summary=_("Счётчики лицевого счёта"),
        description=_("Действующие счётчики: зоны с часами, последние принятые показания, окно приёма показаний."),
        parameters=[ACCOUNT],
        responses=s.MeterSerializer(many=True),
    )
    def get(self, request: Request, number: str) -> Response:
        account = account_of(request, number)
        meters = metering_selectors.active_meters(account)
        last = metering_selectors.last_readings(meters)
        today = timezone.localdate()
        status = metering_selectors.window_status(today)
        items = [presenters.meter(meter, last[meter.pk], status, today) for meter in meters]
        return self.page(request, items, s.MeterSerializer)


class MeterView(APIView):
    @extend_schema(tags=["meters"], summary=_("Счётчик"), parameters=[ACCOUNT, METER], responses=s.MeterSerializer)
    def get(self, request: Request, number: str, meter_id: int) -> Response:
        meter = meter_of(request, number, meter_id)
        today = timezone.localdate()
        last = metering_selectors.last_readings([meter])[meter.pk]
        data = presenters.meter(meter, last, metering_selectors.window_status(today), today)
        return Response(s.MeterSerializer(data).data)


def zone_prices(prices: dict, scheme: int) -> list[dict]:
    return [
        {"zone": zone, "label": zone_label(zone), "price": prices[zone], "hours": ZONE_HOURS[scheme][zone]}
        for zone in ZONE_HOURS[scheme]
        if zone in prices
    ]


class AccountTariffView(APIView):
    @extend_schema(
        tags=["tariffs"],
        summary=_("Тариф лицевого счёта и цена по зонам его счётчиков"),
        parameters=[ACCOUNT, s.TariffQuerySerializer],
        responses=s.AccountTariffSerializer,
    )
    def get(self, request: Request, number: str) -> Response:
        account = account_of(request, number)
        day = valid(s.TariffQuerySerializer, request.query_params).get("on") or timezone.localdate()
        category = account.tariff_category
        meters = metering_selectors.active_meters(account)
        schemes = sorted({meter.scheme for meter in meters})
        data = {
            "number": account.number,
            "on": day,
            "category": {
                "code": category.code,
                "name": category.name,
                "description": category.description,
                "social_norm_kwh": category.social_norm_kwh,
                "schemes": [
                    {
                        "scheme": scheme,
                        "label": SCHEME_LABELS[scheme],
                        "zones": zone_prices(prices_on(category, scheme, day), scheme),
                    }
                    for scheme in schemes
                ],
            },
            "meters": [
                {
                    "meter": meter.pk,
                    "serial": meter.serial,
                    "scheme": meter.scheme,
                    "scheme_label": SCHEME_LABELS[meter.scheme],
                    "zones": zone_prices(prices_on(category, meter.scheme, day), meter.scheme),
                }
                for meter in meters
            ],
        }
        return Response(s.AccountTariffSerializer(data).data)


class BalanceView(APIView):
    @extend_schema(
        tags=["money"],
        summary=_("Баланс: долг или переплата, последний счёт, прогноз пеней"),
        parameters=[ACCOUNT],
        responses=s.BalanceSerializer,
    )
    def get(self, request: Request, number: str) -> Response:
        account = account_of(request, number)
        today = timezone.localdate()
        data = presenters.balance(
            account,
            amount=billing_selectors.balance(account),
            due=amount_due(account),
            last=billing_selectors.last_bill(account),
            forecast=billing_selectors.penalty_forecast(account, today=today),
        )
        return Response(s.BalanceSerializer(data).data)


class BillsView(ListView):
    @extend_schema(
        tags=["money"],
        summary=_("Счета (квитанции)"),
        parameters=[ACCOUNT, s.BillsQuerySerializer],
        responses=s.BillSerializer(many=True),
    )
    def get(self, request: Request, number: str) -> Response:
        account = account_of(request, number)
        query = valid(s.BillsQuerySerializer, request.query_params)
        bills = billing_selectors.bills(
            account,
            period_from=period(query.get("period_from"), field="period_from"),
            period_to=period(query.get("period_to"), field="period_to"),
        )
        return self.page(request, [presenters.bill(bill) for bill in bills], s.BillSerializer)


def _bill_period(value: str) -> Period:
    try:
        return Period.parse(value)
    except ValueError:  # 2026-13 passes the URL's pattern
        raise Http404 from None


class BillView(APIView):
    @extend_schema(
        tags=["money"],
        summary=_("Счёт за период: строки по зонам, перерасчёты, оплаты, пени"),
        parameters=[ACCOUNT, PERIOD],
        responses=s.BillDetailSerializer,
    )
    def get(self, request: Request, number: str, period: str) -> Response:
        account = account_of(request, number)
        detail = billing_selectors.bill_detail(account, _bill_period(period))
        if detail is None:
            raise Http404
        return Response(s.BillDetailSerializer(presenters.bill_detail(detail)).data)


class PdfRenderer(renderers.BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):  # pragma: no cover - unused
        return data


class BillPdfView(APIView):
    renderer_classes = [PdfRenderer, renderers.JSONRenderer]

    @extend_schema(
        tags=["money"],
        summary=_("Квитанция за период в PDF (с QR-кодом для оплаты)"),
        parameters=[ACCOUNT, PERIOD],
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description=_("PDF, A4"))},
    )
    def get(self, request: Request, number: str, period: str) -> HttpResponse:
        account = account_of(request, number)
        made = documents.bill_pdf(account, _bill_period(period))
        if made is None:
            raise Http404
        name, pdf = made
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "private, no-store"
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response):  # an error: JSON whatever the client accepts
            response.accepted_renderer = renderers.JSONRenderer()
            response.accepted_media_type = "application/json"
        return response
