"""The project's URLs plus bench-only views (used through ``bench.settings`` only)."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from customers.models import Account
from identity.models import User
from metering.models import Meter


def bare(request: HttpRequest) -> HttpResponse:
    """Three trivial queries and a plain-text answer: the ceiling of the Django + gunicorn stack."""
    users = User.objects.count()
    account = Account.objects.order_by("pk").first()
    meter = Meter.objects.filter(account=account).first()
    return HttpResponse(f"{users} {account} {meter}", content_type="text/plain")


urlpatterns = [
    path("bench/bare", bare, name="bench-bare"),
    path("", include("abonent.urls")),
]
