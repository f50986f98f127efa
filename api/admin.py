"""The back office sees customers' API keys (never the keys themselves) and can revoke a leaked one."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import ApiToken
from .services import revoke_token


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "scope", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("scope",)
    search_fields = ("user__phone", "name", "prefix")
    readonly_fields = [f.name for f in ApiToken._meta.fields if f.name != "token_hash"]
    exclude = ("token_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # customers create their keys in the profile; only they ever see one

    def has_delete_permission(self, request, obj=None):
        return False  # a revoked key stays on record

    @admin.action(description=_("Отозвать выбранные ключи"))
    def revoke(self, request, queryset):
        done = 0
        for token in queryset.filter(revoked_at__isnull=True).select_related("user"):
            revoke_token(user=token.user, token_id=token.pk, actor=request.user, channel="backoffice")
            done += 1
        self.message_user(
            request, ngettext("Отозван %(n)d ключ.", "Отозвано ключей: %(n)d.", done) % {"n": done}, messages.SUCCESS
        )
