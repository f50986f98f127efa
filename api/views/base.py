"""Shared pieces of the API views: input parsing, the access checks, lists in pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import Http404, QueryDict
from django.utils.translation import gettext as _
from rest_framework import renderers, serializers
from rest_framework.exceptions import ErrorDetail
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


def body(request: Request, json_class: type[serializers.Serializer], form_class: type[serializers.Serializer]) -> dict:
    """A body that may come as JSON or as multipart/form-data (with files): each checked by its serializer."""
    if request.content_type.startswith("multipart/"):
        serializer = form_class(data=request.data)  # the QueryDict itself: repeated names (files) kept
    else:
        serializer = json_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def form_refusal(form: forms.Form) -> serializers.ValidationError:
    """A portal form's errors as the API's 422: every field with the form's own code and Russian message."""
    errors: dict[str, list[ErrorDetail]] = {}
    for name, items in form.errors.as_data().items():
        key = "non_field_errors" if name == NON_FIELD_ERRORS else name
        errors[key] = [ErrorDetail(message, code=item.code or "invalid") for item in items for message in item]
    return serializers.ValidationError(errors)


def valid_form(form: forms.Form) -> dict[str, Any]:
    if not form.is_valid():
        raise form_refusal(form)
    return form.cleaned_data


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


def object_id(value: int | str) -> int:
    """A path id the database can hold; larger ones are simply not there."""
    if int(value) > MAX_ID:
        raise Http404
    return int(value)


class AnyFileRenderer(renderers.BaseRenderer):
    """Lets a file answer (PDF, XLSX, a picture) through content negotiation; the view writes the bytes."""

    media_type = "*/*"
    format = "file"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):  # pragma: no cover - unused
        return data


class FileView(APIView):
    """An answer that is a file; its errors are JSON whatever the client accepts."""

    renderer_classes = [AnyFileRenderer, renderers.JSONRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response):
            response.accepted_renderer = renderers.JSONRenderer()
            response.accepted_media_type = "application/json"
        return response


class ListView(APIView):
    pagination_class = PagePagination

    def page(self, request: Request, items: Any, serializer_class: type[serializers.Serializer]) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(items, request, view=self)
        return paginator.get_paginated_response(serializer_class(page, many=True).data)
