"""Pre-aggregated status for dashboards, and the town's own records around it.

`VillageStatus` is a slim copy of an assessment (level, stars, per-star distance to the
star and the indicators holding it back) without the engine's trace, so that a town or
county page reads a few small rows. `UnitMonthSummary` counts them per unit prefix
(town, county, city, province) and month: a province page reads one row per child unit,
never a GROUP BY over 46,000 villages. Both are rebuilt from assessments by
`services/summaries.py`, on the `assessments_changed` signal and by `rebuild_summaries`.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from scoring.models import AssessmentKind
from wuxing.accounts.access import ScopedQuerySet
from wuxing.ranges import PERCENT, YEARS, in_range, range_checks


class VillageStatusQuerySet(ScopedQuerySet):
    scope_field = "code"

    def under(self, prefix: str):
        return self.filter(code__startswith=prefix)

    def official(self):
        return self.filter(kind=AssessmentKind.OFFICIAL)


class VillageStatus(models.Model):
    village = models.ForeignKey("villages.Village", on_delete=models.CASCADE,
                                related_name="statuses", verbose_name=_("village"))
    code = models.CharField(_("division code"), max_length=12)  # denormalised for prefixes
    month = models.DateField(_("month"))
    kind = models.CharField(_("kind"), max_length=10, choices=AssessmentKind.choices)
    level = models.PositiveSmallIntegerField(_("level"), default=0)
    stars = models.CharField(_("earned stars"), max_length=60, blank=True)
    total_score = models.PositiveIntegerField(_("total score"), default=0)
    scores = models.JSONField(_("scores per star"), default=dict)
    # star -> number of changes still needed (earned stars absent)
    distance = models.JSONField(_("changes needed per star"), default=dict)
    # star -> indicator codes that hold the star back
    gaps = models.JSONField(_("indicators holding each star back"), default=dict)

    objects = VillageStatusQuerySet.as_manager()

    class Meta:
        ordering = ["code", "-month"]
        constraints = [models.UniqueConstraint(fields=["village", "month", "kind"],
                                               name="one_status_per_village_month_kind")]
        indexes = [models.Index(fields=["month", "kind", "code"])]
        verbose_name = _("village status")
        verbose_name_plural = _("village statuses")

    def __str__(self) -> str:
        return f"{self.code} {self.month:%Y-%m} L{self.level}"

    @property
    def earned(self) -> list[str]:
        return self.stars.split("+") if self.stars else []

    @property
    def division_code(self) -> str:
        return self.code


class UnitMonthSummaryQuerySet(ScopedQuerySet):
    scope_field = "prefix"


class UnitMonthSummary(models.Model):
    prefix = models.CharField(_("unit prefix"), max_length=12)
    depth = models.PositiveSmallIntegerField(_("prefix length"))  # 2, 4, 6 or 9
    month = models.DateField(_("month"))
    kind = models.CharField(_("kind"), max_length=10, choices=AssessmentKind.choices)
    villages = models.PositiveIntegerField(_("villages"), default=0)
    assessed = models.PositiveIntegerField(_("villages assessed"), default=0)
    level_counts = models.JSONField(_("villages per level"), default=dict)  # "0".."5" -> n
    star_counts = models.JSONField(_("villages per earned star"), default=dict)
    # star -> {indicator: villages held back by it}
    gap_counts = models.JSONField(_("villages held back per indicator"), default=dict)

    objects = UnitMonthSummaryQuerySet.as_manager()

    class Meta:
        ordering = ["prefix", "-month"]
        constraints = [models.UniqueConstraint(fields=["prefix", "month", "kind"],
                                               name="one_summary_per_unit_month_kind")]
        indexes = [models.Index(fields=["month", "kind", "depth", "prefix"])]
        verbose_name = _("unit summary")
        verbose_name_plural = _("unit summaries")

    def __str__(self) -> str:
        return f"{self.prefix} {self.month:%Y-%m}"

    def count_at_least(self, level: int) -> int:
        return sum(n for lv, n in self.level_counts.items() if int(lv) >= level)


class TownScopedQuerySet(ScopedQuerySet):
    scope_field = "town__code"


# A town's bonus or deduction is at most 100 points either way.
LEDGER_RANGES = {"points": (-100, 100)}


class PointsLedger(models.Model):
    """A town's own bonus or deduction for a village, with its reason."""

    town = models.ForeignKey("villages.AdminUnit", on_delete=models.CASCADE,
                             related_name="points_ledger", verbose_name=_("town"))
    village = models.ForeignKey("villages.Village", on_delete=models.CASCADE,
                                related_name="points_ledger", verbose_name=_("village"))
    date = models.DateField(_("date"))
    points = models.IntegerField(_("points"), validators=in_range(LEDGER_RANGES["points"]))
    reason = models.CharField(_("reason"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-pk"]
        constraints = range_checks("pointsledger", LEDGER_RANGES)
        verbose_name = _("points ledger entry")
        verbose_name_plural = _("points ledger")

    def __str__(self) -> str:
        return f"{self.village} {self.points:+d} {self.reason}"

    @property
    def division_code(self) -> str:
        return self.town.code


class Pairing(models.Model):
    """结对共建: a village paired with a partner that holds stars it lacks."""

    town = models.ForeignKey("villages.AdminUnit", on_delete=models.CASCADE,
                             related_name="pairings", verbose_name=_("town"))
    village = models.ForeignKey("villages.Village", on_delete=models.CASCADE,
                                related_name="pairings", verbose_name=_("village"))
    partner = models.ForeignKey("villages.Village", on_delete=models.CASCADE,
                                related_name="partnered", verbose_name=_("partner village"))
    stars = models.CharField(_("stars to learn"), max_length=60, blank=True)
    started = models.DateField(_("started on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("recorded by"))

    objects = TownScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-started", "pk"]
        constraints = [models.UniqueConstraint(fields=["village", "partner"],
                                               name="one_pairing_per_couple")]
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")

    def __str__(self) -> str:
        return f"{self.village} ↔ {self.partner}"

    @property
    def division_code(self) -> str:
        return self.town.code

    @property
    def star_list(self) -> list[str]:
        return self.stars.split("+") if self.stars else []


class PairingActivityQuerySet(ScopedQuerySet):
    scope_field = "pairing__town__code"


class PairingActivity(models.Model):
    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="activities",
                                verbose_name=_("pairing"))
    date = models.DateField(_("date"))
    title = models.CharField(_("activity"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("recorded by"))

    objects = PairingActivityQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("pairing activity")
        verbose_name_plural = _("pairing activities")

    def __str__(self) -> str:
        return self.title


class CountyTargetQuerySet(ScopedQuerySet):
    scope_field = "county__code"


# Levels are 0-5 stars; shares are percentages.
TARGET_RANGES = {"year": YEARS, "min_level_all": (0, 5), "share_four_plus": PERCENT,
                 "share_five": PERCENT}


class CountyTarget(models.Model):
    """A county's targets for a cycle: 三星全覆盖 and the share at four stars or more."""

    county = models.ForeignKey("villages.AdminUnit", on_delete=models.CASCADE,
                               related_name="targets", verbose_name=_("county"))
    year = models.PositiveSmallIntegerField(_("cycle year"), validators=in_range(YEARS))
    min_level_all = models.PositiveSmallIntegerField(
        _("every village at least at level"), default=3,
        validators=in_range(TARGET_RANGES["min_level_all"]))
    share_four_plus = models.PositiveSmallIntegerField(
        _("target share at four stars or more (%)"), default=30, validators=in_range(PERCENT))
    share_five = models.PositiveSmallIntegerField(
        _("target share at five stars (%)"), default=0, validators=in_range(PERCENT))

    objects = CountyTargetQuerySet.as_manager()

    class Meta:
        ordering = ["county__code", "-year"]
        constraints = [models.UniqueConstraint(fields=["county", "year"],
                                               name="one_target_per_county_and_year"),
                       *range_checks("countytarget", TARGET_RANGES)]
        verbose_name = _("county target")
        verbose_name_plural = _("county targets")

    def __str__(self) -> str:
        return f"{self.county} {self.year}"


