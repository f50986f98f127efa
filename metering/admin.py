"""Back office for meters and readings. Readings are never edited in place: staff correct the
latest submission through ``services.correct_readings`` (with a reason, audited)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing import selectors as billing_selectors
from core.errors import DomainError

from .models import Meter, Reading, SubmissionWindow
from .services import correct_readings
from .zones import zone_label


class CorrectionForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Причина исправления"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, meter: Meter, current: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        self.meter = meter
        for zone in meter.zones:
            self.fields[zone] = forms.CharField(label=zone_label(zone).capitalize(), initial=current.get(zone))
        self.order_fields([*meter.zones, "reason"])


@admin.register(Meter)
class MeterAdmin(admin.ModelAdmin):
    list_display = ("serial", "account", "model", "scheme", "digits", "next_verification_on", "status", "correct_link")
    list_filter = ("scheme", "status")
    search_fields = ("serial", "account__number")
    raw_id_fields = ("account",)

    @admin.display(description=gettext_lazy("Показания"))
    def correct_link(self, obj: Meter) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:metering_meter_correct", args=[obj.pk]), _("Исправить последние")
        )

    def get_urls(self):
        return [
            path(
                "<int:meter_id>/correct/", self.admin_site.admin_view(self.correct_view), name="metering_meter_correct"
            ),
            *super().get_urls(),
        ]

    def correct_view(self, request: HttpRequest, meter_id: int) -> HttpResponse:
        if not request.user.has_perm("metering.change_reading"):
            return HttpResponse(status=403)
        meter = get_object_or_404(Meter.objects.select_related("account"), pk=meter_id)
        latest = list(
            Reading.objects.filter(meter=meter, state__in=Reading.COUNTED).order_by("-taken_on", "-id")[
                : len(meter.zones)
            ]
        )
        current = {r.zone: r.value for r in latest}
        form = CorrectionForm(request.POST or None, meter=meter, current=current)
        if request.method == "POST" and latest and form.is_valid():
            try:
                correct_readings(
                    meter_id=meter.pk,
                    submission_id=latest[0].submission,
                    values={zone: form.cleaned_data[zone] for zone in meter.zones},
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("Показания исправлены; запись добавлена в журнал аудита."))
                return redirect("admin:metering_meter_change", meter.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Исправление показаний счётчика № %(serial)s") % {"serial": meter.serial},
            "meter": meter,
            "latest": latest,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/metering/correct_readings.html", context)


class ShownStateFilter(admin.SimpleListFilter):
    """By the state as the customer sees it (``ReadingAdmin.shown_state``), not the stored one."""

    title = gettext_lazy("состояние")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return Reading.State.choices

    def queryset(self, request, queryset):
        value = self.value()
        if value == Reading.State.BILLED:
            return queryset.filter(billed=True)
        if value == Reading.State.ACCEPTED:
            return queryset.filter(state=value, billed=False)
        return queryset.filter(state=value) if value else queryset


@admin.register(Reading)
class ReadingAdmin(admin.ModelAdmin):
    """Read-only here: readings change only through the metering services (audited)."""

    list_display = ("meter", "zone", "value", "taken_on", "period", "source", "shown_state", "entered_by")
    list_filter = (ShownStateFilter, "source", "zone")
    search_fields = ("meter__serial", "meter__account__number")
    date_hierarchy = "taken_on"
    list_select_related = ("meter", "entered_by")

    def get_queryset(self, request):
        return billing_selectors.with_billed(super().get_queryset(request))

    @admin.display(description=gettext_lazy("состояние"), ordering="state")
    def shown_state(self, obj: Any) -> str:  # a Reading with the annotation ``billed``
        """The state as the customer sees it: an accepted reading a bill took into account is billed."""
        return str(Reading.State.BILLED.label if obj.billed else obj.get_state_display())

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SubmissionWindow)
class SubmissionWindowAdmin(admin.ModelAdmin):
    list_display = ("valid_from", "opens_day", "closes_day")
