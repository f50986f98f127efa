"""Support requests (the ``service`` app): list, file one of each kind with files, the request with its
history and thread, reply, close, rate, download an attachment.

A request belongs to the customer who filed it (a relative linked to the same account does not see
it), and a question or a complaint may name no account at all, so requests live under /requests/,
like payments, not under an account; ``?account=`` lists one account's. Filing and replying accept
JSON or, to attach files, multipart/form-data; both go through the portal's own forms
(``service.forms``) and services, so the same rules and messages apply. Another customer's request or
file answers 404, exactly as a missing one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import FileResponse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from service import attachments, selectors, services
from service.forms import FORMS, RatingForm, ReplyForm
from service.kinds import kinds_for
from service.models import Request as ServiceRequest
from service.views import serve_attachment

from .. import presenters
from .. import serializers as s
from ..idempotency import idempotent
from .base import FileView, ListView, body, object_id, valid, valid_form

CHANNEL = "api"
REQUEST = OpenApiParameter(
    "request_id", int, OpenApiParameter.PATH, description=_("Идентификатор обращения (поле id).")
)
ATTACHMENT = OpenApiParameter(
    "attachment_id", int, OpenApiParameter.PATH, description=_("Идентификатор файла (поле id в attachments).")
)
VISIT_KINDS = (ServiceRequest.Kind.VERIFICATION, ServiceRequest.Kind.REPLACEMENT)


def _own(request: Request, request_id: int | str) -> ServiceRequest:
    return selectors.request_for_user(request.user, object_id(request_id))


def _detail(request: Request, request_id: int) -> Response:
    return Response(s.RequestDetailSerializer(presenters.service_request_detail(_own(request, request_id))).data)


def _form_input(data: dict[str, Any]) -> tuple[dict[str, str], MultiValueDict]:
    """Checked API input as a bound form's data (text, as a browser sends it) and files."""
    files = MultiValueDict({"uploads": list(data.pop("uploads", []))})
    values = {name: value.isoformat() if isinstance(value, dt.date) else str(value) for name, value in data.items()}
    return values, files


class RequestsView(ListView):
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        tags=["requests"],
        summary=_("Мои обращения"),
        description=_("Новые сверху; фильтры по состоянию, виду и лицевому счёту."),
        parameters=[s.RequestsQuerySerializer],
        responses=s.RequestSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = valid(s.RequestsQuerySerializer, request.query_params)
        items = selectors.requests_for_user(request.user)
        if query.get("status"):
            items = items.filter(status=query["status"])
        if query.get("kind"):
            items = items.filter(kind=query["kind"])
        if query.get("account"):
            items = items.filter(account__number=query["account"])
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(items, request, view=self) or []
        return paginator.get_paginated_response(
            s.RequestSerializer([presenters.service_request(item) for item in page], many=True).data
        )

    @extend_schema(
        tags=["requests"],
        summary=_("Подать обращение"),
        description=_(
            "Поля зависят от вида (GET /requests/kinds/), проверки те же, что в портале. Файлы — только в "
            "multipart/form-data (поле uploads, можно несколько); исправление показаний требует фото счётчика. "
            "Ответ 201 — обращение целиком. Число обращений в час и в сутки ограничено (429)."
        ),
        request={
            "application/json": s.RequestFilingSerializer,
            "multipart/form-data": s.RequestFilingFormSerializer,
        },
        responses={201: s.RequestDetailSerializer},
    )
    @idempotent()
    def post(self, request: Request) -> Response:
        data = body(request, s.RequestFilingSerializer, s.RequestFilingFormSerializer)
        kind = data.pop("kind")
        if kind in VISIT_KINDS:  # the portal's form starts with the customer's own phone filled in
            data.setdefault("contact_phone", request.user.phone)
        values, files = _form_input(data)
        form = FORMS[kind](values, files, user=request.user)
        if "account" in form.fields:
            form.fields["account"].to_field_name = "number"  # type: ignore[attr-defined]
        valid_form(form)
        filed = services.file_request(user=request.user, channel=CHANNEL, **form.filing())
        return Response(
            s.RequestDetailSerializer(presenters.service_request_detail(_own(request, filed.pk))).data, status=201
        )


class RequestKindsView(APIView):
    @extend_schema(
        tags=["requests"],
        summary=_("Виды обращений и их поля"),
        description=_("Виды, которые вы можете подать (вопрос по договору — только юридическим лицам), и файлы."),
        responses=inline_serializer(
            "RequestKinds",
            {
                "kinds": s.RequestKindSerializer(many=True),
                "attachments": inline_serializer(
                    "AttachmentRules",
                    {
                        "types": serializers.ListField(child=serializers.CharField()),
                        "extensions": serializers.ListField(child=serializers.CharField()),
                        "max_bytes": serializers.IntegerField(),
                        "max_files": serializers.IntegerField(help_text=_("Файлов в одном сообщении.")),
                        "description": serializers.CharField(),
                    },
                ),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        return Response(
            {
                "kinds": [
                    presenters.request_kind(spec, FORMS[spec.kind](user=request.user))
                    for spec in kinds_for(request.user)
                ],
                "attachments": {
                    "types": attachments.accepted_types(),
                    "extensions": attachments.accepted_extensions(),
                    "max_bytes": settings.SERVICE_ATTACHMENT_MAX_BYTES,
                    "max_files": settings.SERVICE_ATTACHMENT_MAX_FILES,
                    "description": attachments.accepted_description(),
                },
            }
        )


class RequestView(APIView):
    @extend_schema(
        tags=["requests"],
        summary=_("Обращение: данные, файлы, история состояний, переписка"),
        parameters=[REQUEST],
        responses=s.RequestDetailSerializer,
    )
    def get(self, request: Request, request_id: int) -> Response:
        return _detail(request, request_id)


class RequestMessagesView(APIView):
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        tags=["requests"],
        summary=_("Дополнить обращение (ответить специалисту)"),
        description=_(
            "Текст и, в multipart/form-data, файлы. Обращение с ответом возвращается в работу; закрытое "
            "сообщений не принимает (422 request_closed)."
        ),
        parameters=[REQUEST],
        request={"application/json": s.ReplySerializer, "multipart/form-data": s.ReplyFormSerializer},
        responses={201: s.RequestMessageSerializer},
    )
    @idempotent()
    def post(self, request: Request, request_id: int) -> Response:
        own = _own(request, request_id)
        values, files = _form_input(body(request, s.ReplySerializer, s.ReplyFormSerializer))
        data = valid_form(ReplyForm(values, files))
        message = services.add_customer_message(
            request_id=own.pk, user=request.user, text=data["text"], files=data["uploads"], channel=CHANNEL
        )
        return Response(s.RequestMessageSerializer(presenters.request_message(message)).data, status=201)


class RequestCloseView(APIView):
    @extend_schema(
        tags=["requests"],
        summary=_("Закрыть обращение: вопрос решён"),
        parameters=[REQUEST],
        request=None,
        responses=s.RequestDetailSerializer,
    )
    @idempotent()
    def post(self, request: Request, request_id: int) -> Response:
        own = _own(request, request_id)
        services.close_by_customer(request_id=own.pk, user=request.user, channel=CHANNEL)
        return _detail(request, own.pk)


class RequestRatingView(APIView):
    @extend_schema(
        tags=["requests"],
        summary=_("Оценить ответ"),
        description=_("Один раз, после закрытия обращения, на которое ответил специалист."),
        parameters=[REQUEST],
        request=s.RatingSerializer,
        responses=s.RequestDetailSerializer,
    )
    @idempotent()
    def post(self, request: Request, request_id: int) -> Response:
        own = _own(request, request_id)
        data = valid(s.RatingSerializer, request.data)
        form = valid_form(RatingForm({"score": str(data["score"]), "comment": data.get("comment", "")}))
        services.rate_request(
            request_id=own.pk, user=request.user, score=form["score"], comment=form["comment"], channel=CHANNEL
        )
        return _detail(request, own.pk)


class RequestAttachmentView(FileView):
    @extend_schema(
        tags=["requests"],
        summary=_("Файл обращения"),
        description=_("Только владельцу обращения. Картинки открываются на месте, PDF скачивается."),
        parameters=[REQUEST, ATTACHMENT],
        responses={
            (200, content_type): OpenApiResponse(OpenApiTypes.BINARY, description=_("Файл"))
            for content_type in attachments.EXTENSIONS
        },
    )
    def get(self, request: Request, request_id: int, attachment_id: int) -> FileResponse:
        found = selectors.attachment_for_user(request.user, object_id(request_id), object_id(attachment_id))
        return serve_attachment(found)
