"""Back office: the outbox (what was sent, what waits, what failed, and sending a failed one again)."""

from django.contrib import admin, messages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.audit import audit

from . import outbox
from .models import Notification, OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "channel", "masked_recipient", "kind", "state", "attempts", "available_at", "sent_at")
    list_filter = ("state", "channel", "kind")
    search_fields = ("=key", "=recipient", "event_key")
    readonly_fields = [f.name for f in OutboxMessage._meta.fields if f.name != "attachments"]
    exclude = ("attachments",)

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f != "attachments"]
        # A message written straight to an address (a code, a security notice) is not shown to staff.
        return fields if obj is not None and obj.kind else [f for f in fields if f != "body"]

    actions = ["send_again"]
    date_hierarchy = "created_at"

    @admin.display(description=_("получатель"))
    def masked_recipient(self, obj: OutboxMessage) -> str:
        from identity.phones import mask_phone

        return mask_phone(obj.recipient) if obj.channel == "sms" else obj.recipient

    def has_add_permission(self, request):
        return False  # messages are written by the events they tell about

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Отправить повторно (только неотправленные)"), permissions=["change"])
    def send_again(self, request, queryset):
        with transaction.atomic():
            ids = list(queryset.filter(state=OutboxMessage.State.FAILED).values_list("pk", flat=True))
            now = timezone.now()
            OutboxMessage.objects.filter(pk__in=ids).update(
                state=OutboxMessage.State.PENDING, attempts=0, available_at=now, queued_at=now, last_error=""
            )
            for pk in ids:
                audit("notifications.outbox_resent", actor=request.user, channel="backoffice", changes={"message": pk})
            outbox.queue_on_commit(ids)
        self.message_user(
            request,
            gettext("Поставлено в очередь сообщений: %(n)d.") % {"n": len(ids)},
            messages.SUCCESS,
        )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "subject", "channel", "read_at")
    list_filter = ("kind", "channel")
    search_fields = ("user__phone", "event_key")
    readonly_fields = [f.name for f in Notification._meta.fields]
    raw_id_fields = ("user", "account")

    def has_add_permission(self, request):
        return False
