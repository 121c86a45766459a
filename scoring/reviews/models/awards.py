"""Awards: one row per village, cycle and star. Revocation changes the status, never deletes."""

from django.conf import settings
from django.db import models, transaction
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
    # The certificate number: county code, year and a sequence per county and year.
    number = models.CharField(_("certificate number"), max_length=20, unique=True,
                              null=True, blank=True, editable=False)
    approval_reason = models.TextField(
        _("reason for approving a star the engine marked not met"), blank=True)
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

    def save(self, *args, **kwargs):
        # Every award gets its number when first stored, whatever creates it.
        if not self.number:
            with transaction.atomic():
                self.number = CertificateCounter.allocate(self.village.code[:6],
                                                          self.cycle.year)
                super().save(*args, **kwargs)
            return
        super().save(*args, **kwargs)


class CertificateCounter(models.Model):
    """The last certificate number given per county and year; its row is the lock."""

    county_code = models.CharField(_("county code"), max_length=6)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["county_code", "year"],
                                               name="one_certificate_counter_per_county_year")]
        verbose_name = _("certificate counter")
        verbose_name_plural = _("certificate counters")

    def __str__(self) -> str:
        return f"{self.county_code}-{self.year}: {self.last}"

    @classmethod
    def allocate(cls, county_code: str, year: int) -> str:
        """The next number, e.g. 410902-2026-0001. Call inside a transaction: the counter
        row stays locked until it commits, so concurrent awards never share a number."""
        cls.objects.get_or_create(county_code=county_code, year=year)
        counter = cls.objects.select_for_update().get(county_code=county_code, year=year)
        counter.last += 1
        counter.save(update_fields=["last"])
        return f"{county_code}-{year}-{counter.last:04d}"
