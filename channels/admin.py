"""Back office: what arrived by SMS and e-mail and what was answered (read-only, for support)."""

from django.contrib import admin

from .models import InboundEmail, InboundSms


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InboundSms)
class InboundSmsAdmin(ReadOnly):
    list_display = ("received_at", "phone", "text", "outcome", "account")
    list_filter = ("outcome",)
    search_fields = ("phone", "message_id", "account__number")
    readonly_fields = ("message_id", "phone", "text", "reply", "outcome", "account", "submission", "received_at")


@admin.register(InboundEmail)
class InboundEmailAdmin(ReadOnly):
    list_display = ("received_at", "sender", "subject", "outcome", "account")
    list_filter = ("outcome",)
    search_fields = ("sender", "message_id", "account__number")
    readonly_fields = (
        "message_id", "sender", "subject", "command", "reply", "outcome", "account", "submission", "received_at",
    )  # fmt: skip
