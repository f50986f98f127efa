"""Pages of lists: ``?page=2&page_size=50`` and ``{"count", "next", "previous", "results"}``.

Strict, unlike DRF's default: a page or page size that is not a whole number in range is refused
with 422 rather than quietly replaced; a page past the end is 404 ``page_not_found``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination

from .errors import ApiError


def _whole(request: Any, name: str, *, low: int, high: int | None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if raw.isascii() and raw.isdigit() and int(raw) >= low and (high is None or int(raw) <= high):
        return int(raw)
    message = (
        _("page — целое число от 1.") if high is None else _("page_size — целое число от 1 до %(max)s.") % {"max": high}
    )
    raise ApiError(422, f"{name}_invalid", message, field=name)


class PagePagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    page_query_description = gettext_lazy("Номер страницы, с 1.")
    page_size_query_description = gettext_lazy("Сколько элементов на странице (1–100, по умолчанию 20).")

    def get_page_size(self, request: Any) -> int:
        return _whole(request, self.page_size_query_param, low=1, high=self.max_page_size) or self.page_size

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list[Any] | None:
        _whole(request, self.page_query_param, low=1, high=None)
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound:
            raise ApiError(404, "page_not_found", _("Такой страницы нет."), field="page") from None

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters
