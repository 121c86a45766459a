from django.contrib import admin
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from wuxing.uploads.formats import CheckedImportMixin

from .models import AdminUnit, ManagementArea, PartyBranch, Village, WorkingGroup
from .resources import VillageResource


@admin.register(AdminUnit)
class AdminUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


@admin.register(ManagementArea)
class ManagementAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "town"]
    list_filter = ["town"]
    search_fields = ["name", "town__name"]


class PartyBranchInline(admin.StackedInline):
    model = PartyBranch
    extra = 0
    autocomplete_fields = ["secretary"]


@admin.register(Village)
class VillageAdmin(CheckedImportMixin, SimpleHistoryAdmin, ImportExportModelAdmin):
    resource_classes = [VillageResource]
    list_display = ["code", "name", "town", "area", "category", "population", "party_members"]
    list_filter = ["town", "area", "category"]
    search_fields = ["code", "name"]
    list_select_related = ["town", "area"]
    autocomplete_fields = ["town"]
    inlines = [PartyBranchInline]


@admin.register(PartyBranch)
class PartyBranchAdmin(admin.ModelAdmin):
    list_display = ["name", "village", "branch_type", "secretary_name", "member_count"]
    list_filter = ["branch_type", "village__town"]
    search_fields = ["name", "village__name", "secretary_name"]
    list_select_related = ["village"]
    autocomplete_fields = ["village", "secretary"]


@admin.register(WorkingGroup)
class WorkingGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "town", "kind", "star", "area", "leader"]
    list_filter = ["kind", "star", "town"]
    search_fields = ["name", "town__name"]
    list_select_related = ["town", "area", "leader"]
    autocomplete_fields = ["town", "leader", "members", "villages"]
