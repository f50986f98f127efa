from django.contrib import admin

from .models import TariffCategory, TariffPrice


class TariffPriceInline(admin.TabularInline):
    model = TariffPrice
    extra = 0


@admin.register(TariffCategory)
class TariffCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    inlines = [TariffPriceInline]


@admin.register(TariffPrice)
class TariffPriceAdmin(admin.ModelAdmin):
    list_display = ("category", "scheme", "zone", "valid_from", "price")
    list_filter = ("category", "scheme", "zone")
