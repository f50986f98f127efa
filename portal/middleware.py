"""Business users wait for staff approval: until then the portal shows them only their application."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from customers.selectors import awaiting_approval

# Pages a business user may open while the application is pending or rejected: their own data only.
OPEN_WHILE_PENDING = {
    "business_pending",
    "logout",
    "login",
    "tariffs",
    "profile",
    "profile_phone_confirm",
    "end_sessions",
    "withdraw_consent",
    "export_data",
    "confirm_email",
}


class BusinessApprovalMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> HttpResponse | None:
        match = request.resolver_match
        if match is None or match.namespace != "portal" or match.url_name in OPEN_WHILE_PENDING:
            return None
        if awaiting_approval(request.user):
            return redirect("portal:business_pending")
        return None
