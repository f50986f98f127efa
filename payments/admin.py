from django.contrib import admin

from .models import AutopaySetting, Payment, PaymentPart, Receipt


class PaymentPartInline(admin.TabularInline):
    model = PaymentPart
    extra = 0
    readonly_fields = ("account", "amount")
    can_delete = False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "amount", "state", "provider", "created_at", "confirmed_at")
    list_filter = ("state", "provider")
    search_fields = ("id", "provider_payment_id", "user__phone", "parts__account__number")
    readonly_fields = [f.name for f in Payment._meta.fields]
    inlines = [PaymentPartInline]

    def has_add_permission(self, request):
        return False  # money moves only through payments.services

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Receipt)
class ReceiptAdmin(admin.ModelAdmin):
    list_display = ("payment", "state", "fd_number", "fiscal_sign", "issued_at", "email")
    list_filter = ("state", "provider")
    readonly_fields = [f.name for f in Receipt._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AutopaySetting)
class AutopaySettingAdmin(admin.ModelAdmin):
    list_display = ("account", "user", "day", "max_amount", "active", "last_charged_on")
    list_filter = ("active",)
    readonly_fields = ("card_token",)
