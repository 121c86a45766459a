from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Application, Award, Objection, PublicNotice, RatingCycle, ReviewLog


@admin.register(RatingCycle)
class RatingCycleAdmin(admin.ModelAdmin):
    list_display = ["county", "year", "ruleset", "opens_on", "closes_on", "notice_days"]
    list_filter = ["year"]
    raw_id_fields = ["county", "ruleset"]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    # The state changes only through the review pages, which log every transition.
    list_display = ["village", "cycle", "state", "round", "state_since"]
    list_filter = ["state", "cycle__year"]
    search_fields = ["village__name", "village__code"]
    readonly_fields = [f.name for f in Application._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Award)
class AwardAdmin(SimpleHistoryAdmin):
    list_display = ["number", "village", "star", "cycle", "status", "awarded_on", "revoked_on"]
    list_filter = ["status", "star", "cycle__year"]
    search_fields = ["village__name", "village__code"]
    raw_id_fields = ["village", "application", "changed_by"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PublicNotice)
class PublicNoticeAdmin(admin.ModelAdmin):
    list_display = ["cycle", "starts_on", "ends_on", "published_by"]


@admin.register(Objection)
class ObjectionAdmin(admin.ModelAdmin):
    list_display = ["application", "star", "status", "name", "contact", "offline", "created_at"]
    list_filter = ["status", "offline"]


@admin.register(ReviewLog)
class ReviewLogAdmin(admin.ModelAdmin):
    list_display = ["at", "application", "award", "action", "from_state", "to_state",
                    "actor_name"]
    readonly_fields = [f.name for f in ReviewLog._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
