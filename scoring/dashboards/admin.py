from django.contrib import admin

from .models import CountyTarget, Pairing, PairingActivity, PointsLedger, UnitMonthSummary


@admin.register(CountyTarget)
class CountyTargetAdmin(admin.ModelAdmin):
    list_display = ["county", "year", "min_level_all", "share_four_plus", "share_five"]
    list_filter = ["year"]
    autocomplete_fields = ["county"]


@admin.register(PointsLedger)
class PointsLedgerAdmin(admin.ModelAdmin):
    list_display = ["date", "town", "village", "points", "reason", "created_by"]
    list_filter = ["town"]
    raw_id_fields = ["village", "created_by"]


class ActivityInline(admin.TabularInline):
    model = PairingActivity
    extra = 0
    raw_id_fields = ["created_by"]


@admin.register(Pairing)
class PairingAdmin(admin.ModelAdmin):
    list_display = ["village", "partner", "town", "started", "stars"]
    list_filter = ["town"]
    raw_id_fields = ["village", "partner", "created_by"]
    inlines = [ActivityInline]


@admin.register(UnitMonthSummary)
class UnitMonthSummaryAdmin(admin.ModelAdmin):
    list_display = ["prefix", "depth", "month", "kind", "villages", "assessed"]
    list_filter = ["depth", "kind", "month"]
    search_fields = ["prefix"]
