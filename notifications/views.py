"""Development only: the SMS the local backend "sent", so a newcomer can read a code."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from .models import LocalSms


def local_sms(request: HttpRequest) -> HttpResponse:
    if not settings.DEBUG or not settings.SMS_BACKEND.endswith("LocalSmsBackend"):
        raise Http404
    return render(request, "notifications/local_sms.html", {"messages_sent": LocalSms.objects.all()[:50]})
