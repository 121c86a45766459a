"""Awards: one row per village, cycle and star. Revocation changes the status, never deletes."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from scoring.stars import STAR_ORDER, StarCode
from wuxing.accounts.access import ScopedQuerySet


class AwardStatus(models.TextChoices):
    ACTIVE = "active", _("Awarded")
    REVOKED = "revoked", _("Revoked")


class AwardQuerySet(ScopedQuerySet):
    scope_field = "village__code"

    def active(self):
        return self.filter(status=AwardStatus.ACTIVE)

    def up_to_year(self, year: int):
        return self.filter(cycle__year__lte=year)


class Award(models.Model):
    cycle = models.ForeignKey("reviews.RatingCycle", on_delete=models.PROTECT,
                              related_name="awards", verbose_name=_("rating cycle"))
    village = models.ForeignKey("villages.Village", on_delete=models.PROTECT,
                                related_name="star_awards", verbose_name=_("village"))
    star = models.CharField(_("star"), max_length=10, choices=StarCode.choices)
    application = models.ForeignKey("reviews.Application", on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="awards",
                                    verbose_name=_("application"))
    awarded_on = models.DateField(_("awarded on"))
    status = models.CharField(_("status"), max_length=10, choices=AwardStatus.choices,
                              default=AwardStatus.ACTIVE)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    reason = models.TextField(_("reason of the last change"), blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("changed by"))

    history = HistoricalRecords()
    objects = AwardQuerySet.as_manager()

    class Meta:
        ordering = ["village__code", "cycle__year", "star"]
        constraints = [models.UniqueConstraint(fields=["cycle", "village", "star"],
                                               name="one_award_per_cycle_village_star")]
        verbose_name = _("star award")
        verbose_name_plural = _("star awards")

    def __str__(self) -> str:
        return f"{self.village} {self.get_star_display()} ({self.cycle.year})"

    @property
    def division_code(self) -> str:
        return self.village.code

    @property
    def is_active(self) -> bool:
        return self.status == AwardStatus.ACTIVE

    @property
    def star_order(self) -> int:
        return STAR_ORDER.index(self.star)
