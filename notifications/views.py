"""The notification centre (list, mark read, all read; HTMX partials) and, for development only,
the SMS the local backend "sent"."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.errors import NotFound

from . import selectors, services
from .models import LocalSms

PAGE_SIZE = 20


def local_sms(request: HttpRequest) -> HttpResponse:
    if not settings.DEBUG or not settings.SMS_BACKEND.endswith("LocalSmsBackend"):
        raise Http404
    return render(request, "notifications/local_sms.html", {"messages_sent": LocalSms.objects.all()[:50]})


def _page_context(request: HttpRequest) -> dict:
    page = Paginator(selectors.notifications_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return {"page": page, "unread": selectors.unread_count(request.user)}


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    return render(request, "notifications/list.html", _page_context(request))


@login_required
@require_POST
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    try:
        notification = services.mark_read(user=request.user, notification_id=notification_id)
    except NotFound:
        raise Http404 from None
    if request.headers.get("HX-Request"):
        context = {"n": notification, "unread": selectors.unread_count(request.user)}
        return render(request, "notifications/_read.html", context)
    return redirect("notifications:list")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(user=request.user)
    if request.headers.get("HX-Request"):
        return render(request, "notifications/_read_all.html", _page_context(request))
    return redirect("notifications:list")
