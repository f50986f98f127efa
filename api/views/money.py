"""Money beyond the balance and bills: the ledger history with a period filter, the reconciliation
statement (акт сверки) as PDF or XLSX, and the account's autopay. The documents and payments services
and forms the portal's pages use; the API only parses and prints."""

from __future__ import annotations

from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from documents import exports
from documents import selectors as documents
from documents.forms import PeriodFilterForm, StatementForm
from documents.views import XLSX
from payments import selectors as payment_selectors
from payments import services as payments
from payments.models import AutopaySetting

from .. import presenters
from .. import serializers as s
from ..idempotency import idempotent
from .accounts import ACCOUNT
from .base import FileView, ListView, account_of, valid, valid_form


class MoneyView(ListView):
    @extend_schema(
        tags=["money"],
        summary=_("История денег: начисления, перерасчёты, оплаты, пени, корректировки"),
        description=_(
            "Записи лицевого счёта в счетах за периоды period_from…period_to (ГГГГ-ММ, любой конец открыт). "
            "amount прибавляет к долгу; оплата — со знаком минус."
        ),
        parameters=[ACCOUNT, s.MoneyQuerySerializer],
        responses=s.MoneyEntrySerializer(many=True),
    )
    def get(self, request: Request, number: str) -> Response:
        account = account_of(request, number)
        query = valid(s.MoneyQuerySerializer, request.query_params)
        bounds = valid_form(PeriodFilterForm({k: query.get(k, "") for k in ("period_from", "period_to")}))
        entries = documents.history(account, period_from=bounds["period_from"], period_to=bounds["period_to"])
        if query["order_by"] == "-period":
            entries.reverse()
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(entries, request, view=self) or []
        prefetch_related_objects(page, "lines__meter")
        items = [{**presenters.ledger_entry(entry), "period": str(entry.period)} for entry in page]
        return paginator.get_paginated_response(s.MoneyEntrySerializer(items, many=True).data)


def _statement_view(kind: str, media_type: str, label: str) -> type[FileView]:
    class StatementView(FileView):
        @extend_schema(
            tags=["money"],
            # Lazy as a whole: the schema is built in the language of the request that asks for it.
            summary=lazy(lambda: gettext("Акт сверки за период: %(format)s") % {"format": label}, str)(),
            description=_(
                "Входящее сальдо, все записи между датами (включительно), обороты и исходящее сальдо; не больше 5 лет."
            ),
            parameters=[ACCOUNT, s.StatementQuerySerializer],
            responses={(200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=label)},
            operation_id=f"accounts_statement_{kind}",
        )
        def get(self, request: Request, number: str) -> HttpResponse:
            account = account_of(request, number)
            query = valid(s.StatementQuerySerializer, request.query_params)
            data = valid_form(StatementForm({**{k: v.isoformat() for k, v in query.items()}, "format": kind}))
            made = documents.statement(account, date_from=data["date_from"], date_to=data["date_to"])
            content = exports.statement_xlsx(made) if kind == "xlsx" else exports.statement_pdf(made)
            name = f"akt-sverki-{account.number}-{data['date_from']:%Y%m%d}-{data['date_to']:%Y%m%d}.{kind}"
            response = HttpResponse(content, content_type=media_type)
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            response["Cache-Control"] = "private, no-store"
            return response

    StatementView.__name__ = f"Statement{kind.capitalize()}View"
    return StatementView


StatementPdfView = _statement_view("pdf", "application/pdf", "PDF")
StatementXlsxView = _statement_view("xlsx", XLSX, "Excel (XLSX)")


def _autopay(request: Request, account) -> dict:
    setting = AutopaySetting.objects.filter(account=account, user=request.user, active=True).first()
    return {
        "number": account.number,
        "active": setting is not None,
        "day": setting.day if setting else None,
        "max_amount": setting.max_amount if setting else None,
        "last_charged_on": setting.last_charged_on if setting else None,
        "card_saved": bool(payment_selectors.saved_card_token(request.user)),
    }


class AutopayView(APIView):
    @extend_schema(
        tags=["payments"], summary=_("Автоплатёж лицевого счёта"), parameters=[ACCOUNT], responses=s.AutopaySerializer
    )
    def get(self, request: Request, number: str) -> Response:
        return Response(s.AutopaySerializer(_autopay(request, account_of(request, number))).data)

    @extend_schema(
        tags=["payments"],
        summary=_("Включить или изменить автоплатёж"),
        description=_(
            "В выбранный день месяца с карты прошлой оплаты списывается сумма к оплате, но не больше max_amount. "
            "Без оплаченной ранее картой — 422 autopay_no_card."
        ),
        parameters=[ACCOUNT],
        request=s.AutopayRequestSerializer,
        responses=s.AutopaySerializer,
    )
    @idempotent()
    def put(self, request: Request, number: str) -> Response:
        account = account_of(request, number)
        data = valid(s.AutopayRequestSerializer, request.data)
        payments.set_autopay(
            user=request.user,
            account=account,
            day=data["day"],
            max_amount=payments.parse_amount(data["max_amount"], field="max_amount"),
            card_token=payment_selectors.saved_card_token(request.user),
            channel="api",
        )
        return Response(s.AutopaySerializer(_autopay(request, account)).data)

    @extend_schema(
        tags=["payments"],
        summary=_("Выключить автоплатёж"),
        description=_("404, если автоплатёж не включён (как у удалённого ресурса)."),
        parameters=[ACCOUNT],
        responses={204: None},
    )
    @idempotent()
    def delete(self, request: Request, number: str) -> Response:
        account = account_of(request, number)
        if not AutopaySetting.objects.filter(account=account, user=request.user, active=True).exists():
            raise Http404
        payments.disable_autopay(user=request.user, account=account, channel="api")
        return Response(status=204)
