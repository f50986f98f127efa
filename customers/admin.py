from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from metering.models import Meter

from . import services
from .models import Account, AccountLink, BusinessApplication, Customer, Premise


class MeterInline(admin.TabularInline):
    model = Meter
    extra = 0
    fields = (
        "serial",
        "model",
        "scheme",
        "digits",
        "transformer_ratio",
        "installed_on",
        "next_verification_on",
        "status",
    )


class AccountLinkInline(admin.TabularInline):
    model = AccountLink
    extra = 0
    raw_id_fields = ("user",)


def card_link(customer_id: int) -> str:
    """A link to the back office's customer card (backoffice app)."""
    url = reverse("admin:backoffice_customercard_change", args=[customer_id])
    return format_html('<a href="{}">{}</a>', url, _("карточка"))


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("number", "customer", "premise", "tariff_category", "status", "card")
    list_select_related = ("customer", "premise", "tariff_category")
    list_filter = ("status", "tariff_category")
    search_fields = (
        "number",
        "customer__last_name",
        "customer__organization",
        "customer__phone",
        "premise__address",
        "meters__serial",
    )
    raw_id_fields = ("customer", "premise")
    inlines = [MeterInline, AccountLinkInline]

    @admin.display(description=gettext_lazy("Карточка абонента"))
    def card(self, obj: Account) -> str:
        return card_link(obj.customer_id)


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "phone", "email", "card")
    list_filter = ("kind",)
    search_fields = ("last_name", "first_name", "organization", "inn", "phone", "email")

    @admin.display(description=gettext_lazy("Карточка абонента"))
    def card(self, obj: Customer) -> str:
        return card_link(obj.pk)


@admin.register(Premise)
class PremiseAdmin(admin.ModelAdmin):
    list_display = ("address", "residents", "locality", "stove", "electric_heating")
    search_fields = ("address",)


class RejectionForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Причина отказа"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=1000,
        help_text=gettext_lazy("Её получит заявитель в SMS и по e-mail и увидит в кабинете."),
    )


@admin.register(BusinessApplication)
class BusinessApplicationAdmin(admin.ModelAdmin):
    """Applications are filed by the portal and decided by the actions below, never edited by hand."""

    list_display = ("organization", "inn", "kpp", "contract_number", "user", "status", "created_at", "decided_at")
    list_filter = ("status",)
    search_fields = ("organization", "inn", "contract_number", "user__phone", "user__email")
    readonly_fields = [f.name for f in BusinessApplication._meta.fields]
    actions = ["approve", "reject"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description=gettext_lazy("Одобрить и открыть доступ"), permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[BusinessApplication]) -> None:
        for application in queryset:
            try:
                services.approve_business_application(application_id=application.pk, staff=request.user)
            except DomainError as error:
                self.message_user(request, f"{application}: {error.message}", messages.WARNING)
            else:
                self.message_user(request, _("Заявка %(name)s одобрена.") % {"name": application}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Отклонить с указанием причины"), permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[BusinessApplication]) -> HttpResponse | None:
        form = RejectionForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            for application in queryset:
                try:
                    services.reject_business_application(
                        application_id=application.pk, staff=request.user, reason=form.cleaned_data["reason"]
                    )
                except DomainError as error:
                    self.message_user(request, f"{application}: {error.message}", messages.WARNING)
                else:
                    self.message_user(
                        request, _("Заявка %(name)s отклонена.") % {"name": application}, messages.SUCCESS
                    )
            return None
        # First call (or an empty reason): ask for the reason, keeping the selection.
        return TemplateResponse(
            request,
            "admin/customers/businessapplication/reject.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Отклонить заявки"),
                "form": form,
                "applications": queryset,
                "opts": self.model._meta,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            },
        )
