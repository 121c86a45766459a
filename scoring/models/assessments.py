"""Assessments: the engine's result per village and month, stored for pages and dashboards.

`official` uses verified entries only; `preview` includes drafts, so that an official
sees at once what this month's entries would do. Level and earned stars are columns so
that dashboards aggregate rows without opening the JSON result.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wuxing.accounts.access import ScopedQuerySet


class TextJSONField(models.JSONField):
    """A JSONField stored as PostgreSQL `json` (checked text) rather than `jsonb`.

    Results are written in bulk (~90,000 per province recompute) and read one at a time;
    building jsonb was most of the database's work in a recompute (json took 40 % of
    that), and nothing queries inside a result but a key path (`result__gaps`), which
    `json` supports. Other databases keep Django's storage.
    """

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return "json"
        return super().db_type(connection)

    def from_db_value(self, value, expression, connection):
        # psycopg2 decodes `json` itself (Django only registers a text loader for jsonb).
        if value is not None and not isinstance(value, str):
            return value
        return super().from_db_value(value, expression, connection)


class AssessmentKind(models.TextChoices):
    OFFICIAL = "official", _("Official (verified entries)")
    PREVIEW = "preview", _("Preview (including drafts)")


class AssessmentQuerySet(ScopedQuerySet):
    scope_field = "village__code"

    def official(self):
        return self.filter(kind=AssessmentKind.OFFICIAL)

    def preview(self):
        return self.filter(kind=AssessmentKind.PREVIEW)

    def for_month(self, month):
        return self.filter(month=month)

    def under(self, prefix: str):
        return self.filter(village__code__startswith=prefix)


class Assessment(models.Model):
    village = models.ForeignKey("villages.Village", on_delete=models.CASCADE,
                                related_name="assessments", verbose_name=_("village"))
    month = models.DateField(_("month"))
    kind = models.CharField(_("kind"), max_length=10, choices=AssessmentKind.choices,
                            default=AssessmentKind.OFFICIAL)
    ruleset = models.ForeignKey("scoring.RuleSet", on_delete=models.PROTECT,
                                related_name="assessments", verbose_name=_("rule set"))
    level = models.PositiveSmallIntegerField(_("level"), default=0)
    # Earned stars as codes joined by "+" in the five-star order, e.g. "industry+ecology".
    stars = models.CharField(_("earned stars"), max_length=60, blank=True)
    scores = models.JSONField(_("scores per star"), default=dict)
    result = TextJSONField(_("full result with reasons, gaps and trace"), default=dict)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["village__code", "-month"]
        constraints = [models.UniqueConstraint(fields=["village", "month", "kind"],
                                               name="one_assessment_per_village_month_kind")]
        indexes = [models.Index(fields=["month", "kind", "level"])]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self) -> str:
        return f"{self.village} {self.month:%Y-%m} L{self.level}"

    @property
    def earned(self) -> list[str]:
        return self.stars.split("+") if self.stars else []

    @property
    def division_code(self) -> str:
        return self.village.code


class PendingRecomputeQuerySet(models.QuerySet):
    def mark(self, village_id: int, month) -> None:
        """Record in the caller's transaction that the village-month's results are stale.

        One statement (an upsert). Each mark gets a new `marked_at`, and a recompute
        clears only the mark it read before it started (`clear`), so a change made while
        it ran keeps its mark."""
        self.bulk_create(
            [PendingRecompute(village_id=village_id, month=month, marked_at=timezone.now())],
            update_conflicts=True, unique_fields=["village", "month"],
            update_fields=["marked_at", "swept_at"])

    def read(self, village_id: int, month):
        return (self.filter(village_id=village_id, month=month)
                .values_list("marked_at", flat=True).first())

    def clear(self, village_id: int, month, marked_at) -> None:
        if marked_at is not None:
            self.filter(village_id=village_id, month=month, marked_at=marked_at).delete()

    def due_for_sweep(self, now, quiet, requeue_after):
        """Marks left alone for `quiet` (their own queueing failed or is lost) and not
        queued by a sweep within `requeue_after` (a stopped worker is not flooded)."""
        return (self.filter(marked_at__lte=now - quiet)
                .filter(models.Q(swept_at__isnull=True)
                        | models.Q(swept_at__lte=now - requeue_after)))


class PendingRecompute(models.Model):
    """A village-month whose stored assessments may be stale: the durable intent behind a
    queued recompute. Written in the transaction of the change, removed by the recompute
    that covered it, swept by beat when its task never ran (broker down, worker lost)."""

    village = models.ForeignKey("villages.Village", on_delete=models.CASCADE,
                                related_name="+", verbose_name=_("village"))
    month = models.DateField(_("month"))
    marked_at = models.DateTimeField(_("marked at"), default=timezone.now)
    swept_at = models.DateTimeField(_("queued by the sweep at"), null=True, blank=True)

    objects = PendingRecomputeQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["village", "month"],
                                               name="one_pending_recompute_per_village_month")]
        indexes = [models.Index(fields=["marked_at"])]
        verbose_name = _("pending recompute")
        verbose_name_plural = _("pending recomputes")

    def __str__(self) -> str:
        return f"{self.village_id} {self.month:%Y-%m}"
