"""What anyone may read: the company's tariffs, price per zone and the zones' hours."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.models import TariffCategory
from billing.pricing import prices_on
from metering.zones import SCHEME_LABELS, ZONES_BY_SCHEME

from .. import serializers as s
from ..permissions import Anyone
from .accounts import zone_prices
from .base import valid


class TariffsView(APIView):
    permission_classes = [Anyone]

    @extend_schema(
        tags=["tariffs"],
        summary=gettext_lazy("Тарифы: цена кВт·ч по зонам для каждой категории"),
        parameters=[s.TariffQuerySerializer],
        responses=s.TariffsSerializer,
    )
    def get(self, request: Request) -> Response:
        day = valid(s.TariffQuerySerializer, request.query_params).get("on") or timezone.localdate()
        categories = []
        for category in TariffCategory.objects.all():
            schemes = []
            for scheme in ZONES_BY_SCHEME:
                prices = prices_on(category, scheme, day)
                if prices:
                    schemes.append(
                        {"scheme": scheme, "label": SCHEME_LABELS[scheme], "zones": zone_prices(prices, scheme)}
                    )
            categories.append(
                {
                    "code": category.code,
                    "name": category.name,
                    "description": category.description,
                    "social_norm_kwh": category.social_norm_kwh,
                    "schemes": schemes,
                }
            )
        return Response(s.TariffsSerializer({"on": day, "categories": categories}).data)
