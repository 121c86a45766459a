from django.contrib import admin

from .models import ReminderPolicy


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(admin.ModelAdmin):
    list_display = ["town", "enabled", "due_days_before",
                    "overdue_days_after", "use_email", "use_wecom", "use_dingtalk"]
    list_filter = ["enabled"]
    search_fields = ["town__name", "town__code"]
    autocomplete_fields = ["town"]
    readonly_fields = ["updated_at", "updated_by"]
    list_select_related = ["town"]
