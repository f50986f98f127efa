from django.contrib import admin

from metering.models import Meter

from .models import Account, AccountLink, Customer, Premise


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


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("number", "customer", "premise", "tariff_category", "status")
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


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "phone", "email")
    list_filter = ("kind",)
    search_fields = ("last_name", "first_name", "organization", "inn", "phone", "email")


@admin.register(Premise)
class PremiseAdmin(admin.ModelAdmin):
    list_display = ("address", "residents", "locality", "stove", "electric_heating")
    search_fields = ("address",)
