"""Documents in the portal: a bill's PDF, the money history with charts, CSV, the reconciliation statement.

Thin: each view checks access (``account_for_user``: 404 for another's account), parses, and renders.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from core.periods import Period
from customers.selectors import account_for_user
from portal.charts import consumption_chart

from . import exports, selectors, services
from .charts import money_chart
from .forms import PeriodFilterForm, StatementForm


@login_required
def bill_pdf(request: HttpRequest, number: str, period: str) -> HttpResponse:
    account = account_for_user(request.user, number)  # 404 for an account the user has not linked
    try:
        parsed = Period.parse(period)
    except ValueError:
        raise Http404 from None
    made = services.bill_pdf(account, parsed)
    if made is None:
        raise Http404
    name, pdf = made
    response = HttpResponse(pdf, content_type="application/pdf")
    # "inline" opens the browser's viewer (to print); ?download=1 saves the file.
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def money_history(request: HttpRequest, number: str) -> HttpResponse:
    """Charges and payments with a period filter, the money and consumption charts, exports."""
    account = account_for_user(request.user, number)
    form = PeriodFilterForm(request.GET or None)
    period_from = period_to = None
    if form.is_bound and form.is_valid():
        period_from, period_to = form.cleaned_data["period_from"], form.cleaned_data["period_to"]
    entries = selectors.history(account, period_from=period_from, period_to=period_to)
    months = selectors.money_by_month(entries)
    monthly, zones = selectors.billed_volume_by_month(account, period_from=period_from, period_to=period_to)
    today = timezone.localdate()
    return render(
        request,
        "documents/money_history.html",
        {
            "account": account,
            "form": form,
            "entries": list(reversed(entries)),
            "months": months,
            "money_chart": money_chart(months) if months else "",
            "consumption_chart": consumption_chart(monthly, zones=zones) if monthly else "",
            "query": request.GET.urlencode(),
            "statement_form": StatementForm(initial={"date_from": today.replace(month=1, day=1), "date_to": today}),
        },
    )


@login_required
def history_csv(request: HttpRequest, number: str) -> HttpResponse:
    account = account_for_user(request.user, number)
    form = PeriodFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return _bad_request(form)
    data = form.cleaned_data if form.is_bound else {}
    entries = selectors.history(account, period_from=data.get("period_from"), period_to=data.get("period_to"))
    response = HttpResponse(exports.history_csv(entries), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="istoriya-{account.number}.csv"'
    return response


@login_required
def statement(request: HttpRequest, number: str) -> HttpResponse:
    """The reconciliation statement for a date range, as PDF or XLSX."""
    account = account_for_user(request.user, number)
    form = StatementForm(request.GET)
    if not form.is_valid():
        return _bad_request(form)
    data = form.cleaned_data
    made = selectors.statement(account, date_from=data["date_from"], date_to=data["date_to"])
    name = f"akt-sverki-{account.number}-{data['date_from']:%Y%m%d}-{data['date_to']:%Y%m%d}"
    if data["format"] == "xlsx":
        content, kind, name = exports.statement_xlsx(made), XLSX, name + ".xlsx"
    else:
        content, kind, name = exports.statement_pdf(made), "application/pdf", name + ".pdf"
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _bad_request(form: forms.Form) -> HttpResponse:
    messages = [str(message) for errors in form.errors.values() for message in errors]
    return HttpResponse("\n".join(messages), status=400, content_type="text/plain; charset=utf-8")
