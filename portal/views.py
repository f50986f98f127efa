"""Customer portal pages. Views parse input, call services/selectors and render; no rules here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from billing import selectors as billing_selectors
from billing.models import TariffCategory
from billing.pricing import prices_on
from billing.services import preview_charge
from core.errors import DomainError
from core.periods import Period
from customers.models import AccountLink
from customers.selectors import account_for_user, accounts_for_user
from metering import selectors as metering_selectors
from metering.models import Reading
from metering.services import preview_readings, submit_readings
from metering.zones import SCHEME_LABELS, ZONE_HOURS, ZONES_BY_SCHEME, zone_label

from .charts import consumption_chart
from .forms import PhoneLoginForm, ReadingsForm


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = PhoneLoginForm
    redirect_authenticated_user = True


@login_required
def home(request: HttpRequest) -> HttpResponse:
    links = list(
        AccountLink.objects.filter(user=request.user)
        .select_related("account__premise", "account__tariff_category")
        .order_by("group", "account__number")
    )
    if len(links) == 1 and not request.GET.get("all"):
        return redirect("portal:account", number=links[0].account.number)
    return render(request, "portal/home.html", {"links": links})


@login_required
def account_dashboard(request: HttpRequest, number: str) -> HttpResponse:
    account = account_for_user(request.user, number)
    meters = metering_selectors.active_meters(account)
    last = metering_selectors.last_readings(meters)
    today = timezone.localdate()
    rows = [
        {
            "meter": meter,
            "scheme_label": SCHEME_LABELS[meter.scheme],
            "last": [(zone_label(z), last[meter.pk].get(z)) for z in meter.zones],
            "verification_expired": meter.verification_expired(today),
        }
        for meter in meters
    ]
    return render(
        request,
        "portal/account.html",
        {
            "account": account,
            "accounts": accounts_for_user(request.user),
            "meters": rows,
            "window": metering_selectors.window_status(today),
            "balance": billing_selectors.balance(account),
            "last_bill": billing_selectors.last_bill(account),
            "forecast": billing_selectors.penalty_forecast(account, today=today),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest, number: str, meter_id: int) -> HttpResponse:
    # One query for the access check and the meter: 404 unless the user is linked to its account.
    meter = metering_selectors.meter_for_user(request.user, number, meter_id)
    account = meter.account
    form = ReadingsForm(request.POST or None, meter=meter)
    preview = None
    action = request.POST.get("action", "preview")
    if request.method == "POST" and form.is_valid():
        unchanged = action == "unchanged"
        values = None if unchanged else form.values()
        try:
            if action in ("submit", "unchanged"):
                result = submit_readings(
                    meter=meter,
                    values=values,
                    unchanged=unchanged,
                    channel=Reading.Source.PORTAL,
                    actor=request.user,
                    confirm_implausible=form.cleaned_data["confirm_implausible"],
                )
                text = _("Показания приняты за %(period)s. Расход: %(volume)s кВт·ч.") % {
                    "period": result.period.label,
                    "volume": result.preview.evaluation.volume,
                }
                if result.replaced:
                    text = _("Показания исправлены. ") + text
                messages.success(request, text)
                return redirect("portal:history", number=account.number)
            preview = preview_readings(meter=meter, values=values, actor=request.user)
        except DomainError as error:
            form.add_domain_error(error)
            if error.params.get("needs_confirmation"):
                preview = preview_readings(meter=meter, values=values, actor=request.user)
    last = metering_selectors.last_readings([meter])[meter.pk]
    charge = None
    if preview is not None:
        try:
            charge = preview_charge(
                meter=meter,
                period=preview.evaluation.period,
                taken_on=timezone.localdate(),
                values={line.zone: line.value for line in preview.evaluation.lines},
            )
        except DomainError:
            charge = None  # a missing tariff is staff's to fix; the readings themselves are fine
    context = {
        "account": account,
        "meter": meter,
        "form": form,
        "preview": preview,
        "charge": charge,
        "zones": [(form[z], last.get(z)) for z in meter.zones],
        "window": metering_selectors.window_status(timezone.localdate()),
    }
    if request.headers.get("HX-Request") and request.method == "POST":
        return render(request, "portal/_submit_panel.html", context)
    return render(request, "portal/submit.html", context)


@login_required
def history(request: HttpRequest, number: str) -> HttpResponse:
    account = account_for_user(request.user, number)
    meters = metering_selectors.active_meters(account)
    today = timezone.localdate()
    blocks = []
    for meter in meters:
        monthly = metering_selectors.monthly_consumption(meter, last=Period.of(today), months=12)
        blocks.append(
            {
                "meter": meter,
                "zones": [(z, zone_label(z)) for z in meter.zones],
                "entries": [
                    (entry, entry.correctable_by(request.user.pk, today))
                    for entry in metering_selectors.reading_history(meter)
                ],
                "chart": consumption_chart(monthly, zones=meter.zones),
            }
        )
    return render(request, "portal/history.html", {"account": account, "blocks": blocks})


def tariffs(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    categories = []
    for category in TariffCategory.objects.all():
        schemes = []
        for scheme, zones in ZONES_BY_SCHEME.items():
            prices = prices_on(category, scheme, today)
            if prices:
                schemes.append(
                    {
                        "label": SCHEME_LABELS[scheme],
                        "zones": [(zone_label(z), prices.get(z), ZONE_HOURS[scheme][z]) for z in zones],
                    }
                )
        categories.append({"category": category, "schemes": schemes})
    return render(request, "portal/tariffs.html", {"categories": categories, "today": today})


@login_required
def bills(request: HttpRequest, number: str) -> HttpResponse:
    account = account_for_user(request.user, number)
    return render(
        request,
        "portal/bills.html",
        {"account": account, "bills": billing_selectors.bills(account), "balance": billing_selectors.balance(account)},
    )


@login_required
def bill(request: HttpRequest, number: str, period: str) -> HttpResponse:
    account = account_for_user(request.user, number)
    try:
        parsed = Period.parse(period)
    except ValueError:
        raise Http404 from None
    detail = billing_selectors.bill_detail(account, parsed)
    if detail is None:
        raise Http404
    return render(request, "portal/bill.html", {"account": account, "detail": detail, "bill": detail.bill})
