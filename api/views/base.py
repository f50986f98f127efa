"""Shared pieces of the API views: input parsing, the access checks, lists in pages."""

from __future__ import annotations

from typing import Any

from django.http import Http404, QueryDict
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.periods import Period
from customers.models import Account
from customers.selectors import account_for_user
from metering.models import Meter

from ..errors import ApiError
from ..pagination import PagePagination


def valid(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """Validated input or 422 with every problem listed.

    Query strings are read as a plain dict (the last of repeated names), not as an HTML form:
    ``?on=`` is then an empty date, refused, not "not given".
    """
    if isinstance(data, QueryDict):
        data = data.dict()
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def period(value: str | None, *, field: str) -> Period | None:
    if not value:
        return None
    try:
        return Period.parse(value)
    except ValueError:
        raise ApiError(422, "period_invalid", _("Период — в формате ГГГГ-ММ, например 2026-11."), field=field) from None


def account_of(request: Request, number: str) -> Account:
    """The caller's account; 404 for anyone else's, the same as for one that does not exist."""
    return account_for_user(request.user, number)


MAX_ID = 2**63 - 1


def meter_of(request: Request, number: str, meter_id: int | str) -> Meter:
    """The meter if it is on one of the caller's accounts (one query, as the portal's submit page); 404 otherwise."""
    if int(meter_id) > MAX_ID:  # the URL admits any digits; the database's integers do not
        raise Http404
    meter = (
        Meter.objects.select_related("account")
        .filter(pk=meter_id, account__number=number, account__links__user=request.user)
        .first()
    )
    if meter is None:
        raise Http404
    return meter


class ListView(APIView):
    pagination_class = PagePagination

    def page(self, request: Request, items: Any, serializer_class: type[serializers.Serializer]) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(items, request, view=self)
        return paginator.get_paginated_response(serializer_class(page, many=True).data)
