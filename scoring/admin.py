"""Rule sets in the admin: stars and indicators inline, the file format's validation, and
read-only once published (changes go through "new version" / "copy to next year")."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from scoring import rulefile, rulesets, wording
from scoring.models import ImmutableRuleSet, Indicator, RuleSet, RuleSetStar


class _LockedWhenPublished:
    """Inline permissions: rows of a published or archived rule set are read-only."""

    def _editable(self, obj) -> bool:
        return obj is None or obj.is_draft

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


class RuleSetStarInline(_LockedWhenPublished, admin.TabularInline):
    model = RuleSetStar
    extra = 0
    max_num = 5
    # Format 2 star fields come from the imported file (shown, kept on save).
    readonly_fields = ["bonus_cap", "floor"]


class IndicatorFormSet(BaseInlineFormSet):
    """Validates the whole rule set as the file format does (scoring/rulesets.py
    validate_rows) and puts each problem on the row and field it came from."""

    siblings: list = []

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        star_forms = next((fs for fs in self.siblings if fs.model is RuleSetStar), None)
        if star_forms is None or not star_forms.is_valid():
            return
        top = {f: getattr(self.instance, f) for f in (
            "name", "year", "version", "reference", "branch_rule", "risk_margin",
            "level_labels", "format_version", "rules")}
        top["issuer"] = getattr(self.instance, "issuer", None) \
            if self.instance.issuer_id else None
        stars = [_star_row(f) for f in _kept(star_forms)]
        forms = _kept(self)
        indicators = [_indicator_row(f) for f in forms]
        problems = rulesets.validate_rows(top, stars, indicators)
        general = []
        for (kind, index), field, problem in problems:
            message = wording.problem_message(problem)
            if kind == "indicator" and index is not None:
                form = forms[index]
                form.add_error(field if field in form.fields else None, message)
            elif kind == "star" and index is not None:
                _kept(star_forms)[index].add_error(None, message)
            else:
                general.append(message)
        if general:
            raise ValidationError(general)


def _kept(formset) -> list:
    return [f for f in formset.forms if f.has_changed() or f.instance.pk
            if not (formset.can_delete and formset._should_delete_form(f))]


def _star_row(form) -> dict:
    data = form.cleaned_data
    star = data.get("star")
    return {"star": getattr(star, "pk", star), "pass_mark": data.get("pass_mark"),
            "max_points": data.get("max_points"), "bonus_cap": form.instance.bonus_cap,
            "floor": form.instance.floor}


def _indicator_row(form) -> dict:
    data = form.cleaned_data
    row = {f: data.get(f, getattr(form.instance, f, None)) for f in rulesets.INDICATOR_FIELDS}
    star = data.get("star")
    row["star"] = getattr(star, "pk", star)
    return row


class IndicatorInline(_LockedWhenPublished, admin.StackedInline):
    model = Indicator
    formset = IndicatorFormSet
    extra = 0
    fieldsets = [
        (None, {"fields": [("star", "code", "order"), ("name", "unit"), "help_text"]}),
        (_("Judging"), {"fields": [("kind", "role"), ("comparison", "threshold"),
                                   "choices", ("points", "steps"), ("cadence", "combine")]}),
        (_("Evidence"), {"fields": [("min_photos", "min_documents",
                                     "evidence_max_age_months")]}),
    ]


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    list_display = ["name", "issuer", "year", "version", "status", "reference", "branch_rule",
                    "published_at"]
    list_filter = ["status", "year", "reference", "branch_rule"]
    search_fields = ["name", "issuer__name", "issuer__code"]
    list_select_related = ["issuer"]
    autocomplete_fields = ["issuer"]
    # Format 2 rules come from the imported file; the portal editor will edit them.
    readonly_fields = ["status", "published_at", "previous", "created_at", "format_version",
                       "rules"]
    inlines = [RuleSetStarInline, IndicatorInline]
    actions = ["publish", "archive", "make_new_version", "copy_to_next_year"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.is_draft:
            return [f.name for f in RuleSet._meta.fields if f.name != "id"]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return (obj is None or obj.is_draft) and super().has_delete_permission(request, obj)

    def _create_formsets(self, request, obj, change):
        # The indicator formset validates the whole rule set, stars included.
        formsets, inline_instances = super()._create_formsets(request, obj, change)
        for formset in formsets:
            formset.siblings = formsets
        return formsets, inline_instances

    def _each(self, request, queryset, action, done_message):
        for ruleset in queryset:
            try:
                result = action(ruleset)
            except ImmutableRuleSet as error:
                self.message_user(request, f"{ruleset}: {error.messages[0]}", messages.ERROR)
            except rulefile.RuleSetFileError as error:
                lines = "; ".join(wording.problem_line(p) for p in error.problems)
                self.message_user(request, f"{ruleset}: {lines}", messages.ERROR)
            else:
                self.message_user(request, done_message % {"ruleset": result},
                                  messages.SUCCESS)

    @admin.action(description=_("Publish the selected draft rule sets"))
    def publish(self, request, queryset):
        self._each(request, queryset, rulesets.publish_ruleset, _("Published %(ruleset)s."))

    @admin.action(description=_("Archive the selected published rule sets"))
    def archive(self, request, queryset):
        self._each(request, queryset, rulesets.archive_ruleset, _("Archived %(ruleset)s."))

    @admin.action(description=_("Make a new version (a draft copy)"))
    def make_new_version(self, request, queryset):
        self._each(request, queryset, rulesets.new_version, _("Created the draft %(ruleset)s."))

    @admin.action(description=_("Copy to the next year (a draft copy)"))
    def copy_to_next_year(self, request, queryset):
        self._each(request, queryset, rulesets.copy_to_next_year,
                   _("Created the draft %(ruleset)s."))
