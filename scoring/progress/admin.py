from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Entry, Evidence, MonthReopen, TownPeriodSetting


@admin.register(TownPeriodSetting)
class TownPeriodSettingAdmin(admin.ModelAdmin):
    list_display = ["town", "deadline_day", "evidence_limit"]
    autocomplete_fields = ["town"]


@admin.register(MonthReopen)
class MonthReopenAdmin(admin.ModelAdmin):
    list_display = ["village", "month", "reopened_by", "reopened_at", "open_until"]
    readonly_fields = ["village", "month", "reason", "reopened_by", "reopened_at",
                       "open_until"]

    def has_add_permission(self, request):
        return False  # reopening goes through the page, which logs it


@admin.register(Entry)
class EntryAdmin(SimpleHistoryAdmin):
    list_display = ["village", "indicator", "month", "status", "version"]
    list_filter = ["status", "month"]
    search_fields = ["village__name", "village__code", "indicator__code"]
    raw_id_fields = ["village", "indicator", "entered_by"]


@admin.register(Evidence)
class EvidenceAdmin(SimpleHistoryAdmin):
    list_display = ["entry", "kind", "original_name", "size", "outside_month"]
    list_filter = ["kind", "outside_month"]
    raw_id_fields = ["entry", "uploaded_by", "duplicate_of"]
    exclude = ["file", "thumbnail"]  # served only through the authorising view
