"""Back office for tariffs, norms, key rates, period closes, the ledger and bills.

Money never changes in place: the close, payments and staff adjustments go through
``billing.services`` (audited); ledger entries and bills are read-only here.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from core.periods import Period
from customers.models import Account

from .models import Bill, BillingRun, ChargeLine, ConsumptionNorm, KeyRate, LedgerEntry, TariffCategory, TariffPrice
from .services import close_period, post_adjustment, progress


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PeriodFilter(admin.SimpleListFilter):
    """By billing period: the closed ones and the open one after them (newest first), not the
    calendar choices ("today", "past 7 days") a date column gets, which mean nothing for a month."""

    title = gettext_lazy("расчётный период")
    parameter_name = "period"
    LIMIT = 36  # three years; older ones by the search or the URL (?period=YYYY-MM)

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        closed = list(BillingRun.objects.order_by("-period").values_list("period", flat=True)[: self.LIMIT])
        periods = [closed[0] + 1, *closed] if closed else []
        return [(str(period), period.label) for period in periods]

    def queryset(self, request: HttpRequest, queryset):
        value = self.value()
        if not value:
            return queryset
        try:
            return queryset.filter(period=Period.parse(value))
        except ValueError:
            return queryset.none()


class TariffPriceInline(admin.TabularInline):
    model = TariffPrice
    extra = 0


class ConsumptionNormInline(admin.TabularInline):
    model = ConsumptionNorm
    extra = 0


@admin.register(TariffCategory)
class TariffCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "social_norm_kwh")
    inlines = [TariffPriceInline, ConsumptionNormInline]


@admin.register(TariffPrice)
class TariffPriceAdmin(admin.ModelAdmin):
    list_display = ("category", "scheme", "zone", "valid_from", "price", "price_above_norm")
    list_filter = ("category", "scheme", "zone")


@admin.register(ConsumptionNorm)
class ConsumptionNormAdmin(admin.ModelAdmin):
    list_display = ("category", "residents", "valid_from", "kwh_per_resident")
    list_filter = ("category",)


@admin.register(KeyRate)
class KeyRateAdmin(admin.ModelAdmin):
    list_display = ("valid_from", "rate")


class ClosePeriodForm(forms.Form):
    period = forms.CharField(
        label=gettext_lazy("Расчётный период"), help_text=gettext_lazy("Год и месяц: ГГГГ-ММ, например 2026-11.")
    )

    def clean_period(self) -> Period:
        try:
            return Period.parse(self.cleaned_data["period"])
        except ValueError:
            raise forms.ValidationError(_("Укажите период в виде ГГГГ-ММ, например 2026-11.")) from None


@admin.register(BillingRun)
class BillingRunAdmin(ReadOnlyAdmin):
    list_display = ("period_label", "state", "progress_bar", "started_at", "finished_at", "started_by")
    readonly_fields = ("period", "state", "progress_bar", "accounts_total", "failures", "started_at", "finished_at")
    change_list_template = "admin/billing/billingrun/change_list.html"

    @admin.display(description=gettext_lazy("Период"), ordering="period")
    def period_label(self, obj: BillingRun) -> str:
        return obj.period.label

    @admin.display(description=gettext_lazy("Выполнено"))
    def progress_bar(self, obj: BillingRun) -> str:
        done, total = progress(obj)
        failures = _("с ошибками: %(n)s") % {"n": len(obj.failures)} if obj.failures else ""
        bar = format_html(
            '<progress max="{}" value="{}"></progress> {} / {} <em>{}</em>', total or 1, done, done, total, failures
        )
        if obj.state != obj.State.RUNNING:
            return bar
        # While running, the bar reloads itself every two seconds (HTMX), so staff can watch the close.
        url = reverse("admin:billing_billingrun_progress", args=[obj.pk])
        return format_html('<span hx-get="{}" hx-trigger="every 2s" hx-swap="outerHTML">{}</span>', url, bar)

    def get_urls(self):
        return [
            path("close/", self.admin_site.admin_view(self.close_view), name="billing_billingrun_close"),
            path("<int:run_id>/progress/", self.admin_site.admin_view(self.progress_view), name="billing_billingrun_progress"),
            *super().get_urls(),
        ]  # fmt: skip

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("billing.view_billingrun")

    def close_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("billing.add_billingrun"):
            return HttpResponse(status=403)
        form = ClosePeriodForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                run = close_period(period=form.cleaned_data["period"], actor=request.user)
            except DomainError as error:
                form.add_error("period", error.message)
            else:
                messages.success(request, _("Закрытие периода %(period)s запущено.") % {"period": run.period.label})
                return redirect("admin:billing_billingrun_change", run.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Закрыть расчётный период"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/billing/close_period.html", context)

    def progress_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        if not request.user.has_perm("billing.view_billingrun"):
            return HttpResponse(status=403)
        return HttpResponse(self.progress_bar(get_object_or_404(BillingRun, pk=run_id)))


class AdjustmentForm(forms.Form):
    account = forms.CharField(label=gettext_lazy("Лицевой счёт"), max_length=10)
    amount = forms.DecimalField(
        label=gettext_lazy("Сумма, ₽"),
        max_digits=12,
        decimal_places=2,
        help_text=gettext_lazy("Плюс увеличивает долг, минус уменьшает (зачёт, списание)."),
    )
    reason = forms.CharField(label=gettext_lazy("Основание"), widget=forms.Textarea(attrs={"rows": 2}))
    opening = forms.BooleanField(label=gettext_lazy("Входящий остаток (перенос из прежней системы)"), required=False)

    def clean_account(self) -> Account:
        account = Account.objects.filter(number=self.cleaned_data["account"].strip()).first()
        if account is None:
            raise forms.ValidationError(_("Лицевой счёт с таким номером не найден."))
        return account


class ChargeLineInline(admin.TabularInline):
    model = ChargeLine
    extra = 0
    fields = ("meter", "zone", "basis", "tier", "date_from", "date_to", "previous_value", "current_value", "volume", "price", "amount")  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("account", "period", "kind", "for_period", "amount", "posted_on", "reason", "created_by")
    list_filter = ("kind", PeriodFilter)
    search_fields = ("account__number", "reference")
    list_select_related = ("account", "created_by")
    inlines = [ChargeLineInline]
    change_list_template = "admin/billing/ledgerentry/change_list.html"

    def get_urls(self):
        return [
            path("adjust/", self.admin_site.admin_view(self.adjust_view), name="billing_ledgerentry_adjust"),
            *super().get_urls(),
        ]

    def adjust_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("billing.add_ledgerentry"):
            return HttpResponse(status=403)
        form = AdjustmentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                entry = post_adjustment(
                    account=data["account"],
                    amount=data["amount"],
                    reason=data["reason"],
                    actor=request.user,
                    opening=data["opening"],
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(
                    request,
                    _("Корректировка записана в счёт за %(period)s; запись добавлена в журнал аудита.")
                    % {"period": entry.period.label},
                )
                return redirect("admin:billing_ledgerentry_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Корректировка баланса"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/billing/adjust.html", context)


@admin.register(Bill)
class BillAdmin(ReadOnlyAdmin):
    list_display = ("number", "account", "period", "charged", "paid", "closing_balance", "due_on")
    list_filter = (PeriodFilter,)
    search_fields = ("number", "account__number")
    list_select_related = ("account",)
