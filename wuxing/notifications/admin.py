from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import delivery
from .models import Delivery, DeliveryAttempt, GroupRobot, Message, Notification


@admin.register(GroupRobot)
class GroupRobotAdmin(admin.ModelAdmin):
    list_display = ["group", "kind", "enabled", "updated_at"]
    list_filter = ["kind", "enabled"]
    search_fields = ["group__name", "group__town__name"]
    autocomplete_fields = ["group"]
    list_select_related = ["group"]


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["at", "ok", "detail"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The delivery log: every message to every recipient over every channel."""

    list_display = ["created_at", "message", "recipient_label", "channel", "status",
                    "attempts", "sent_at"]
    list_filter = ["status", "channel", "message__kind", "message__period"]
    search_fields = ["message__subject", "user__username", "user__name",
                     "robot__group__name"]
    list_select_related = ["message", "user", "robot__group"]
    readonly_fields = ["message", "channel", "recipient_key", "user", "robot", "status",
                       "attempts", "last_error", "created_at", "updated_at", "sent_at"]
    exclude = ["batch"]
    inlines = [DeliveryAttemptInline]
    actions = ["resend"]
    date_hierarchy = "created_at"
    show_full_result_count = False  # no COUNT(*) over the whole log on every page

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("recipient"))
    def recipient_label(self, obj):
        return obj.recipient_label

    @admin.action(description=_("Resend the selected deliveries"))
    def resend(self, request, queryset):
        count = delivery.resend(queryset)
        self.message_user(request, ngettext("%(count)d delivery queued again.",
                                            "%(count)d deliveries queued again.", count)
                          % {"count": count}, messages.SUCCESS)


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "period", "topic", "subject"]
    list_filter = ["kind", "period"]
    search_fields = ["subject", "topic"]
    readonly_fields = ["kind", "period", "topic", "town", "subject", "context", "url",
                       "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "title", "read_at"]
    list_filter = ["read_at"]
    search_fields = ["title", "recipient__username", "recipient__name"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient", "message"]
