"""Back-office pages for daily work: one search box leading to the customer card, entering readings
on a customer's behalf, unlocking a customer's logins, and the inspectors' CSV uploads with a live
progress bar and a per-row report. Each page checks its own permission (see ``roles.py``)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.services import preview_charge
from core.errors import DomainError
from customers.models import Customer
from metering import selectors as metering_selectors
from metering.models import Meter, Reading
from metering.services import preview_readings, submit_readings

from . import imports, search, unlock
from .card import customer_card
from .forms import PhoneForm, StaffReadingsForm, UploadForm
from .models import CustomerCard, ReadingImport


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


@admin.register(CustomerCard)
class CustomerCardAdmin(admin.ModelAdmin):
    """The changelist is the search; the "change" page is the read-only card."""

    list_display = ("card_link", "kind", "phone", "accounts_list", "addresses")
    search_fields = ("last_name",)  # shows the search box; the search itself is ``search.find``
    search_help_text = gettext_lazy(
        "Номер лицевого счёта, телефон в любом написании, адрес, заводской номер счётчика, ФИО или ИНН."
    )
    list_per_page = 50
    show_full_result_count = False
    change_list_template = "admin/backoffice/customercard/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("accounts__premise")

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        if not search_term.strip():
            return queryset.none(), False
        found = search.find(search_term)
        request._search_result = found  # type: ignore[attr-defined]  # shown beside the list
        return queryset.filter(pk__in=found.customer_ids), False

    @admin.display(description=gettext_lazy("Абонент"))
    def card_link(self, obj: Customer) -> str:
        url = reverse("admin:backoffice_customercard_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.display_name or _("(без имени)"))

    @admin.display(description=gettext_lazy("Лицевые счета"))
    def accounts_list(self, obj: Customer) -> str:
        return ", ".join(a.number for a in obj.accounts.all())

    @admin.display(description=gettext_lazy("Адреса"))
    def addresses(self, obj: Customer) -> str:
        return format_html_join(mark_safe("<br>"), "{}", ((a.premise.address,) for a in obj.accounts.all()))

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra_context = {"title": _("Поиск абонентов"), **(extra_context or {})}
        response = super().changelist_view(request, extra_context)
        found = getattr(request, "_search_result", None)
        context = getattr(response, "context_data", None)
        if found is None or context is None or "cl" not in context:
            return response
        if context["cl"].result_count == 1:
            customer = context["cl"].result_list[0]
            return redirect("admin:backoffice_customercard_change", customer.pk)
        context["search_result"] = found
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        _require(request, "backoffice.view_customercard")
        customer = get_object_or_404(Customer, pk=object_id)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Карточка абонента: %(name)s") % {"name": customer.display_name},
            "card": customer_card(customer),
            "opts": self.model._meta,
            "today": timezone.localdate(),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/backoffice/customercard/card.html", context)

    def get_urls(self):
        return [
            path(
                "<int:customer_id>/meters/<int:meter_id>/readings/",
                self.admin_site.admin_view(self.readings_view),
                name="backoffice_customercard_readings",
            ),
            path("unlock/", self.admin_site.admin_view(self.unlock_view), name="backoffice_customercard_unlock"),
            *super().get_urls(),
        ]

    def readings_view(self, request: HttpRequest, customer_id: int, meter_id: int) -> HttpResponse:
        """Readings a customer dictates on the phone: the same preview and rules as in the portal."""
        _require(request, "backoffice.enter_readings")
        meter = get_object_or_404(
            Meter.objects.select_related("account__premise"), pk=meter_id, account__customer_id=customer_id
        )
        form = StaffReadingsForm(request.POST or None, meter=meter)
        preview = charge = None
        if request.method == "POST" and form.is_valid():
            taken_on = form.cleaned_data["taken_on"]
            values = form.values()
            try:
                if request.POST.get("action") == "submit":
                    result = submit_readings(
                        meter=meter,
                        values=values,
                        channel=Reading.Source.STAFF,
                        actor=request.user,
                        confirm_implausible=form.cleaned_data["confirm_implausible"],
                        taken_on=taken_on,
                    )
                    messages.success(
                        request,
                        _("Показания счётчика № %(serial)s приняты за %(period)s, расход %(volume)s кВт·ч.")
                        % {
                            "serial": meter.serial,
                            "period": result.period.label,
                            "volume": result.preview.evaluation.volume,
                        },
                    )
                    return redirect("admin:backoffice_customercard_change", customer_id)
                preview = preview_readings(meter=meter, values=values, actor=request.user, taken_on=taken_on)
            except DomainError as error:
                form.add_domain_error(error)
                if error.params.get("needs_confirmation"):
                    preview = preview_readings(meter=meter, values=values, actor=request.user, taken_on=taken_on)
            if preview is not None:
                try:
                    charge = preview_charge(
                        meter=meter,
                        period=preview.evaluation.period,
                        taken_on=taken_on,
                        values={line.zone: line.value for line in preview.evaluation.lines},
                    )
                except DomainError:
                    charge = None
        last = metering_selectors.last_readings([meter])[meter.pk]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Показания счётчика № %(serial)s") % {"serial": meter.serial},
            "meter": meter,
            "customer_id": customer_id,
            "form": form,
            "preview": preview,
            "charge": charge,
            "last": [(zone, last.get(zone)) for zone in meter.zones],
            "window": metering_selectors.window_status(timezone.localdate()),
            "opts": self.model._meta,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/backoffice/customercard/readings.html", context)

    def unlock_view(self, request: HttpRequest) -> HttpResponse:
        _require(request, "backoffice.unlock_users")
        form = PhoneForm(request.POST or request.GET or None)
        state = None
        if form.is_bound and form.is_valid():
            phone = form.cleaned_data["phone"]
            if request.method == "POST":
                cleared = unlock.unlock(staff=request.user, phone=phone)
                messages.success(
                    request,
                    _("Блокировки сняты: %(what)s.") % {"what": ", ".join(cleared)}
                    if cleared
                    else _("Блокировок не было; счётчики попыток обнулены."),
                )
                back = request.POST.get("next", "")
                if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
                    return HttpResponseRedirect(back)
                return redirect(f"{reverse('admin:backoffice_customercard_unlock')}?phone={phone}")
            state = unlock.lockouts(phone)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Снять блокировку входа"),
            "form": form,
            "state": state,
            "opts": self.model._meta,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/backoffice/customercard/unlock.html", context)


@admin.register(ReadingImport)
class ReadingImportAdmin(admin.ModelAdmin):
    list_display = (
        "file_name",
        "channel",
        "state",
        "progress_bar",
        "accepted",
        "rejected_count",
        "uploaded_by",
        "created_at",
    )
    list_filter = ("state", "channel")
    search_fields = ("file_name",)
    list_select_related = ("uploaded_by",)
    change_list_template = "admin/backoffice/readingimport/change_list.html"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("Отклонено"))
    def rejected_count(self, obj: ReadingImport) -> int:
        return obj.rejected_count

    @admin.display(description=gettext_lazy("Выполнено"))
    def progress_bar(self, obj: ReadingImport) -> str:
        bar = format_html(
            '<progress max="{}" value="{}"></progress> {} / {}',
            obj.rows_total or 1,
            min(obj.rows_done, obj.rows_total or 1),
            obj.rows_done,
            obj.rows_total,
        )
        if obj.state not in (ReadingImport.State.QUEUED, ReadingImport.State.RUNNING):
            return bar
        url = reverse("admin:backoffice_readingimport_progress", args=[obj.pk])
        return format_html(
            '<span class="import-progress" hx-get="{}" hx-trigger="every 2s" hx-swap="outerHTML">{}</span>', url, bar
        )

    def get_urls(self):
        return [
            path("<int:import_id>/progress/", self.admin_site.admin_view(self.progress_view), name="backoffice_readingimport_progress"),
            path("<int:import_id>/report.csv", self.admin_site.admin_view(self.report_view), name="backoffice_readingimport_report"),
            *super().get_urls(),
        ]  # fmt: skip

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        _require(request, "backoffice.add_readingimport")
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = imports.start_import(
                    staff=request.user,
                    file_name=upload.name,
                    data=upload.read(),
                    channel=form.cleaned_data["channel"],
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                return redirect("admin:backoffice_readingimport_change", job.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Загрузить показания обхода"),
            "form": form,
            "opts": self.model._meta,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/backoffice/readingimport/upload.html", context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        _require(request, "backoffice.view_readingimport")
        job = get_object_or_404(ReadingImport.objects.select_related("uploaded_by"), pk=object_id)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Загрузка показаний: %(name)s") % {"name": job.file_name},
            "job": job,
            "opts": self.model._meta,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/backoffice/readingimport/detail.html", context)

    def progress_view(self, request: HttpRequest, import_id: int) -> HttpResponse:
        """The progress block the page polls; when the import ends it brings the report with it."""
        _require(request, "backoffice.view_readingimport")
        job = get_object_or_404(ReadingImport, pk=import_id)
        if request.GET.get("full") == "1":
            return TemplateResponse(request, "admin/backoffice/readingimport/_status.html", {"job": job})
        return HttpResponse(self.progress_bar(job))

    def report_view(self, request: HttpRequest, import_id: int) -> HttpResponse:
        _require(request, "backoffice.view_readingimport")
        job = get_object_or_404(ReadingImport, pk=import_id)
        response = HttpResponse(imports.report_csv(job), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-rejected.csv"'
        return response
