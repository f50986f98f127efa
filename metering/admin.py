from django.contrib import admin

from .models import Meter, Reading, SubmissionWindow


@admin.register(Meter)
class MeterAdmin(admin.ModelAdmin):
    list_display = ("serial", "account", "model", "scheme", "digits", "next_verification_on", "status")
    list_filter = ("scheme", "status")
    search_fields = ("serial", "account__number")
    raw_id_fields = ("account",)


@admin.register(Reading)
class ReadingAdmin(admin.ModelAdmin):
    """Read-only here: readings change only through the metering services (audited)."""

    list_display = ("meter", "zone", "value", "taken_on", "period", "source", "state", "entered_by")
    list_filter = ("state", "source", "zone")
    search_fields = ("meter__serial", "meter__account__number")
    date_hierarchy = "taken_on"
    list_select_related = ("meter", "entered_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SubmissionWindow)
class SubmissionWindowAdmin(admin.ModelAdmin):
    list_display = ("valid_from", "opens_day", "closes_day")
