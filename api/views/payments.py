"""Card payments: start one (the bank's page to pay on), the list, the state, the fiscal receipt."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import ratelimit
from payments import selectors, services
from payments.views import PAY_LIMIT, PAY_WINDOW

from .. import presenters
from .. import serializers as s
from ..errors import ApiError
from ..idempotency import idempotent
from .base import ListView, valid

PAYMENT = OpenApiParameter(
    "payment_id", str, OpenApiParameter.PATH, description=gettext_lazy("Идентификатор платежа (UUID).")
)


class PaymentsView(ListView):
    @extend_schema(tags=["payments"], summary=gettext_lazy("Мои платежи"), responses=s.PaymentSerializer(many=True))
    def get(self, request: Request) -> Response:
        items = [presenters.payment(payment) for payment in selectors.payments_for_user(request.user)]
        return self.page(request, items, s.PaymentSerializer)

    @extend_schema(
        tags=["payments"],
        summary=gettext_lazy("Начать оплату"),
        description=gettext_lazy(
            "Один платёж на один или несколько своих лицевых счетов. Ответ 201 с confirmation_url: страница "
            "банка, где вводится карта; состояние платежа меняется, когда банк подтвердит оплату "
            "(GET /payments/{id}/). Idempotency-Key обязателен: повтор с тем же ключом вернёт тот же платёж."
        ),
        request=s.PaymentRequestSerializer,
        responses={201: s.PaymentSerializer, 503: s.ErrorSerializer},
    )
    @idempotent(required=True)
    def post(self, request: Request) -> Response:
        data = valid(s.PaymentRequestSerializer, request.data)
        amounts = {}
        for index, item in enumerate(data["amounts"]):
            field = f"amounts[{index}].amount"
            amounts[item["account"]] = services.parse_amount(item["amount"], field=field)
            if not amounts[item["account"]]:  # as the portal's form: a listed account is paid something
                raise ApiError(422, "amount_not_positive", _("Сумма должна быть больше нуля."), field=field)
        user_key = str(request.user.pk)
        if ratelimit.limit_exceeded("pay", user_key, limit=PAY_LIMIT):  # the portal's counter, shared
            raise ApiError(
                429, "payments_limit", _("Слишком много платежей за час. Попробуйте позже."), retry_after=PAY_WINDOW
            )
        ratelimit.hit("pay", user_key, window=PAY_WINDOW)
        payment = services.start_payment(user=request.user, amounts=amounts, channel="api", save_card=data["save_card"])
        return Response(s.PaymentSerializer(presenters.payment(payment)).data, status=201)


class PaymentView(APIView):
    @extend_schema(
        tags=["payments"],
        summary=gettext_lazy("Платёж и его состояние"),
        parameters=[PAYMENT, s.PaymentQuerySerializer],
        responses=s.PaymentSerializer,
    )
    def get(self, request: Request, payment_id: str) -> Response:
        payment = selectors.payment_for_user(request.user, payment_id)
        if valid(s.PaymentQuerySerializer, request.query_params)["check"] and not payment.is_final:
            services.refresh_state(payment)
            payment = selectors.payment_for_user(request.user, payment_id)
        return Response(s.PaymentSerializer(presenters.payment(payment)).data)


class ReceiptView(APIView):
    @extend_schema(
        tags=["payments"],
        summary=gettext_lazy("Кассовый чек платежа"),
        parameters=[PAYMENT],
        responses=s.ReceiptSerializer,
    )
    def get(self, request: Request, payment_id: str) -> Response:
        receipt = selectors.receipt_for_user(request.user, payment_id)
        data = {
            "payment": receipt.payment_id,
            "state": receipt.state,
            "fn_number": receipt.fn_number,
            "fd_number": receipt.fd_number,
            "fiscal_sign": receipt.fiscal_sign,
            "issued_at": receipt.issued_at,
            "email": receipt.email,
            "data": receipt.data,
        }
        return Response(s.ReceiptSerializer(data).data)
