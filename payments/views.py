"""Payment pages: choose accounts and amounts, the return page (HTMX poll), history, receipts,
the acquirers' notification endpoint and the local test acquirer's card page."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from core import ratelimit
from core.errors import DomainError
from core.money import format_rub
from customers.selectors import account_for_user, accounts_for_user

from . import selectors, services
from .acquirers import TEST_3DS_CODE, LocalAcquirer, NotificationRejected
from .models import AutopaySetting, LocalAcquirerPayment, Payment

log = logging.getLogger(__name__)
PAY_LIMIT, PAY_WINDOW = 20, 3600  # payments started per user per hour
CARD_LIMIT = 10  # card attempts per test-acquirer payment


@login_required
@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest) -> HttpResponse:
    accounts = list(accounts_for_user(request.user))
    chosen = request.GET.get("account", "")
    rows = []
    errors: dict[str, str] = {}
    general = ""
    amounts: dict[str, Decimal] = {}
    for account in accounts:
        due = services.amount_due(account)
        field = f"amount_{account.number}"
        raw = (
            request.POST.get(field, "") if request.method == "POST" else (f"{due:.2f}".replace(".", ",") if due else "")
        )
        if request.method == "GET" and chosen and chosen != account.number:
            raw = ""
        selected = request.POST.get(f"pay_{account.number}") == "on" if request.method == "POST" else bool(raw)
        if request.method == "POST" and selected:
            try:
                amounts[account.number] = services.parse_amount(raw, field=field)
                if amounts[account.number] == 0:
                    raise DomainError("amount_not_positive", _("Сумма должна быть больше нуля."), field=field)
            except DomainError as exc:
                errors[account.number] = exc.message
        rows.append(
            {
                "account": account,
                "due": due,
                "raw": raw,
                "selected": selected,
                "field": field,
                "error": errors.get(account.number, ""),
            }
        )
    if request.method == "POST" and not errors:
        if ratelimit.limit_exceeded("pay", str(request.user.pk), limit=PAY_LIMIT):
            general = _("Слишком много платежей за час. Попробуйте позже.")
        else:
            try:
                ratelimit.hit("pay", str(request.user.pk), window=PAY_WINDOW)
                payment = services.start_payment(
                    user=request.user,
                    amounts=amounts,
                    return_url_base=request.build_absolute_uri("/"),
                    save_card=request.POST.get("save_card") == "on",
                )
                return HttpResponseRedirect(payment.confirmation_url)
            except DomainError as exc:
                general = exc.message
    total = sum(amounts.values(), Decimal("0.00"))
    status = 422 if request.method == "POST" else 200
    context = {"rows": rows, "general": general, "total": total, "save_card": request.POST.get("save_card") == "on"}
    return render(request, "payments/pay.html", context, status=status)


@login_required
def detail(request: HttpRequest, payment_id) -> HttpResponse:
    payment = selectors.payment_for_user(request.user, payment_id)
    return render(request, "payments/detail.html", {"payment": payment})


@login_required
def state(request: HttpRequest, payment_id) -> HttpResponse:
    """The state block the return page polls (HTMX) until the notification arrives."""
    payment = selectors.payment_for_user(request.user, payment_id)
    if payment.state == Payment.State.PENDING and request.GET.get("check") == "1":
        payment = services.refresh_state(payment)
        payment = selectors.payment_for_user(request.user, payment_id)
    return render(request, "payments/_state.html", {"payment": payment})


@login_required
def history(request: HttpRequest) -> HttpResponse:
    return render(request, "payments/history.html", {"payments": selectors.payments_for_user(request.user)[:100]})


@login_required
def receipt(request: HttpRequest, payment_id) -> HttpResponse:
    row = selectors.receipt_for_user(request.user, payment_id)
    return render(request, "payments/receipt.html", {"receipt": row, "data": row.data, "payment": row.payment})


@login_required
@require_http_methods(["GET", "POST"])
def autopay(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    accounts = list(accounts_for_user(user))
    card_token = selectors.saved_card_token(user)
    error = ""
    if request.method == "POST":
        number = request.POST.get("account", "")
        try:
            account = account_for_user(user, number)
        except Http404:
            error = _("Выберите лицевой счёт из списка.")
        else:
            if request.POST.get("action") == "off":
                services.disable_autopay(user=user, account=account)
                return HttpResponseRedirect(request.path)
            try:
                day_text = request.POST.get("day", "").strip()
                if not day_text.isdigit():
                    raise DomainError("autopay_day", _("День списания — от 1 до 28."), field="day")
                services.set_autopay(
                    user=user,
                    account=account,
                    day=int(day_text),
                    max_amount=services.parse_amount(request.POST.get("max_amount", ""), field="max_amount"),
                    card_token=card_token,
                )
                return HttpResponseRedirect(request.path)
            except DomainError as exc:
                error = exc.message
    settings_rows = AutopaySetting.objects.filter(user=user, active=True).select_related("account")
    return render(
        request,
        "payments/autopay.html",
        {"accounts": accounts, "card": bool(card_token), "error": error, "settings": settings_rows},
        status=422 if error else 200,
    )


@csrf_exempt  # server to server: authenticated by the acquirer's signature / address and read-back
@require_POST
def notify(request: HttpRequest, provider: str) -> HttpResponse:
    headers = {key: value for key, value in request.headers.items()}
    try:
        services.receive_notification(
            provider=provider, body=request.body, headers=headers, remote_addr=request.META.get("REMOTE_ADDR", "")
        )
    except NotificationRejected as exc:
        return HttpResponse(exc.reason, status=exc.status, content_type="text/plain")
    except DomainError as exc:  # e.g. a reference conflict in the ledger: keep the acquirer retrying
        log.error("payment notification not applied: %s", exc)
        return HttpResponse(exc.code, status=409, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


@require_http_methods(["GET", "POST"])
def test_acquirer(request: HttpRequest, provider_id: str) -> HttpResponse:
    """The local acquirer's hosted card page (the bank's page on the embedded default).

    The card number is only matched against the test cards and forgotten: only the outcome and
    the last four digits are kept, as a bank's receipt page would show them.
    """
    if settings.PAYMENTS_ACQUIRER != LocalAcquirer.code:
        raise Http404
    row = get_object_or_404(LocalAcquirerPayment, pk=provider_id)
    error = ""
    step = "card"
    if row.status in (LocalAcquirerPayment.Status.SUCCEEDED, LocalAcquirerPayment.Status.CANCELED):
        return HttpResponseRedirect(row.return_url)
    if row.status == LocalAcquirerPayment.Status.WAITING_3DS:
        step = "3ds"
    if request.method == "POST":
        if ratelimit.hit("test-acquirer", row.id, window=3600) > CARD_LIMIT:
            LocalAcquirer.finish(row, "canceled")
            return HttpResponseRedirect(row.return_url)
        if request.POST.get("action") == "cancel":
            LocalAcquirer.finish(row, "canceled")
            return HttpResponseRedirect(row.return_url)
        if step == "3ds":
            if request.POST.get("code", "").strip() == TEST_3DS_CODE:
                LocalAcquirer.finish(row, "succeeded", row.card_last4)
                return HttpResponseRedirect(row.return_url)
            error = _("Неверный код подтверждения.")
        else:
            number = "".join(ch for ch in request.POST.get("card", "") if ch.isdigit())
            if len(number) != 16:
                error = _("Номер карты — 16 цифр.")
            else:
                outcome = LocalAcquirer.outcome_for_card(number)
                if outcome == "success":
                    LocalAcquirer.finish(row, "succeeded", number[-4:])
                    return HttpResponseRedirect(row.return_url)
                if outcome == "3ds":
                    row.status, row.card_last4 = LocalAcquirerPayment.Status.WAITING_3DS, number[-4:]
                    row.save(update_fields=["status", "card_last4"])
                    step = "3ds"
                else:
                    LocalAcquirer.finish(row, "canceled", number[-4:])
                    return HttpResponseRedirect(row.return_url)
    return render(
        request,
        "payments/test_acquirer.html",
        {"row": row, "step": step, "error": error, "amount": format_rub(row.amount)},
        status=422 if error else 200,
    )
