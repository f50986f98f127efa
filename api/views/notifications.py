"""The notification centre (list, unread count, mark read, all read) and the user's message settings:
the channel per kind of message and e-bills per account. Everything through the notifications and
customers services the portal's bell, centre and profile use."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.models import AccountLink
from customers.services import set_ebill_subscriptions
from notifications import selectors, services
from notifications.models import DEFAULT_CHANNELS, Channel, Kind

from .. import presenters
from .. import serializers as s
from ..idempotency import idempotent
from .base import ListView, object_id, valid

NOTIFICATION = OpenApiParameter(
    "notification_id", int, OpenApiParameter.PATH, description=_("Идентификатор уведомления (поле id).")
)


class NotificationsView(ListView):
    @extend_schema(
        tags=["notifications"],
        summary=_("Уведомления"),
        description=_("Новые сверху: всё, о чём кабинет сообщал (кроме кодов и чеков), прочитанное и нет."),
        parameters=[s.NotificationsQuerySerializer],
        responses=s.NotificationSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = valid(s.NotificationsQuerySerializer, request.query_params)
        items = selectors.notifications_for(request.user).select_related("account")
        if query["unread"]:
            items = items.filter(read_at__isnull=True)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(items, request, view=self) or []
        return paginator.get_paginated_response(
            s.NotificationSerializer([presenters.notification(n) for n in page], many=True).data
        )


class UnreadCountView(APIView):
    @extend_schema(
        tags=["notifications"], summary=_("Сколько непрочитанных (значок колокольчика)"), responses=s.UnreadSerializer
    )
    def get(self, request: Request) -> Response:
        return Response({"unread": selectors.unread_count(request.user)})


class MarkReadView(APIView):
    @extend_schema(
        tags=["notifications"],
        summary=_("Отметить уведомление прочитанным"),
        parameters=[NOTIFICATION],
        request=None,
        responses=s.NotificationSerializer,
    )
    @idempotent()
    def post(self, request: Request, notification_id: int) -> Response:
        notification = services.mark_read(user=request.user, notification_id=object_id(notification_id))
        return Response(s.NotificationSerializer(presenters.notification(notification)).data)


class MarkAllReadView(APIView):
    @extend_schema(
        tags=["notifications"],
        summary=_("Отметить все уведомления прочитанными"),
        request=None,
        responses=s.MarkedSerializer,
    )
    @idempotent()
    def post(self, request: Request) -> Response:
        marked = services.mark_all_read(user=request.user)
        return Response({"marked": marked, "unread": selectors.unread_count(request.user)})


# --- Settings: channels and e-bills ------------------------------------------------------------------


def _channels(user) -> dict:
    chosen = selectors.preferences_for(user)
    return {
        "channels": [
            {
                "kind": kind,
                "label": Kind(kind).label,
                "channel": channel,
                "channel_label": Channel(channel).label,
                "default": DEFAULT_CHANNELS[kind],
                "used": selectors.channel_for(user, kind),
            }
            for kind, channel in chosen.items()
        ]
    }


CHANNELS = inline_serializer("NotificationChannels", {"channels": s.ChannelPreferenceSerializer(many=True)})


class ChannelsView(APIView):
    @extend_schema(
        tags=["settings"],
        summary=_("Каналы уведомлений по видам сообщений"),
        description=_(
            "SMS, e-mail, только в личном кабинете или не присылать; e-mail используется после подтверждения адреса."
        ),
        responses=CHANNELS,
    )
    def get(self, request: Request) -> Response:
        return Response(_channels(request.user))

    @extend_schema(
        tags=["settings"],
        summary=_("Выбрать каналы уведомлений"),
        description=_('Передайте только те виды, которые меняете: {"bills": "email", "news": "none"}.'),
        request=s.ChannelChoicesSerializer,
        responses=CHANNELS,
    )
    @idempotent()
    def put(self, request: Request) -> Response:
        choices = valid(s.ChannelChoicesSerializer, request.data)
        services.set_channel_preferences(user=request.user, choices=choices, channel="api")
        return Response(_channels(request.user))


def _ebills(user) -> dict:
    links = AccountLink.objects.filter(user=user).select_related("account__premise").order_by("account__number")
    return {
        "accounts": [
            {"number": link.account.number, "address": link.account.premise.address, "ebill": link.ebill}
            for link in links
        ]
    }


EBILLS = inline_serializer("Ebills", {"accounts": s.EbillSerializer(many=True)})


class EbillsView(APIView):
    @extend_schema(
        tags=["settings"],
        summary=_("Электронные квитанции по лицевым счетам"),
        description=_("Квитанция приходит PDF-файлом на e-mail после закрытия периода."),
        responses=EBILLS,
    )
    def get(self, request: Request) -> Response:
        return Response(_ebills(request.user))

    @extend_schema(
        tags=["settings"],
        summary=_("Выбрать счета для электронных квитанций"),
        request=s.EbillRequestSerializer,
        responses=EBILLS,
    )
    @idempotent()
    def put(self, request: Request) -> Response:
        numbers = valid(s.EbillRequestSerializer, request.data)["accounts"]
        set_ebill_subscriptions(user=request.user, numbers=numbers, channel="api")
        return Response(_ebills(request.user))
