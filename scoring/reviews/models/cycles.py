"""A rating cycle: one per county and year, with its window, chain and notice rules."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from scoring.reviews import steps
from scoring.reviews.workdays import add_working_days
from wuxing.accounts.access import ScopedQuerySet, scopes_of
from wuxing.ranges import YEARS, in_range, range_checks


def default_chain() -> list[str]:
    return list(steps.DEFAULT_CHAIN)


class RatingCycleQuerySet(ScopedQuerySet):
    scope_field = "county__code"

    def visible_to(self, user):
        """Cycles of the counties the user works in or above (a town sees its county's)."""
        scopes = scopes_of(user)
        if not scopes:
            return self.none()
        condition = models.Q()
        for scope in scopes:
            if scope.prefix == "":
                return self
            condition |= models.Q(county__code__startswith=scope.prefix)
            if len(scope.prefix) > 6:
                condition |= models.Q(county__code=scope.prefix[:6] + "000000")
        return self.filter(condition)

    def for_village(self, village, year: int | None = None):
        qs = self.filter(county__code=village.code[:6] + "000000")
        return qs.filter(year=year) if year is not None else qs


# A public notice runs at least one working day (commonly 5) and not beyond six weeks;
# an application waits "too long" after 1 day at the earliest, a year at the latest.
CYCLE_RANGES = {"year": YEARS, "notice_days": (1, 30), "overdue_days": (1, 365)}


class RatingCycle(models.Model):
    county = models.ForeignKey("villages.AdminUnit", on_delete=models.PROTECT,
                               related_name="rating_cycles", limit_choices_to={"level": "county"},
                               verbose_name=_("county"))
    year = models.PositiveSmallIntegerField(_("year"), validators=in_range(YEARS))
    ruleset = models.ForeignKey("scoring.RuleSet", on_delete=models.PROTECT, null=True,
                                blank=True, related_name="+", verbose_name=_("rule set in force"))
    opens_on = models.DateField(_("applications open on"))
    closes_on = models.DateField(_("applications close on"))
    chain = models.JSONField(_("review chain"), default=default_chain,
                             help_text=_("Ordered steps after the village: town, city, county."))
    notice_days = models.PositiveSmallIntegerField(
        _("public notice (working days)"), default=5,
        validators=in_range(CYCLE_RANGES["notice_days"]))
    holidays = models.JSONField(_("holidays"), default=list, blank=True,
                                help_text=_("Dates (YYYY-MM-DD) that are not working days."))
    overdue_days = models.PositiveSmallIntegerField(
        _("waiting too long after (days)"), default=7,
        validators=in_range(CYCLE_RANGES["overdue_days"]))

    objects = RatingCycleQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "county__code"]
        constraints = [models.UniqueConstraint(fields=["county", "year"],
                                               name="one_rating_cycle_per_county_year"),
                       *range_checks("ratingcycle", CYCLE_RANGES)]
        verbose_name = _("rating cycle")
        verbose_name_plural = _("rating cycles")

    def __str__(self) -> str:
        return f"{self.county} {self.year}"

    @property
    def division_code(self) -> str:
        return self.county.code

    def clean(self) -> None:
        errors = {}
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            errors["closes_on"] = _("The window closes before it opens.")
        if chain_problems := steps.chain_errors(self.chain):
            errors["chain"] = chain_problems
        try:
            self.holiday_dates()
        except (TypeError, ValueError):
            errors["holidays"] = _("Holidays must be dates written as YYYY-MM-DD.")
        if errors:
            raise ValidationError(errors)

    def holiday_dates(self) -> list[date]:
        return [date.fromisoformat(str(text)) for text in (self.holidays or [])]

    def is_open(self, day: date | None = None) -> bool:
        day = day or timezone.localdate()
        return self.opens_on <= day <= self.closes_on

    def notice_end(self, start: date) -> date:
        return add_working_days(start, self.notice_days, self.holiday_dates())

    def next_step(self, step: str | None) -> str:
        """The step after `step` (None: the first step)."""
        if step is None:
            return self.chain[0]
        return self.chain[self.chain.index(step) + 1]
