"""Recompute runs: a bulk recompute as rows that any Celery worker can advance.

A run covers a scope (division-code prefix), one or more months and, per month, the
villages of each rule set in force, cut into batches of whole towns. Each batch is one Celery
task, acknowledged late and idempotent: its results are upserted and the batch marked done
in one transaction, so a redelivered batch finds itself done or writes the same rows again.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wuxing.accounts.access import ScopedQuerySet


class RunState(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    SUPERSEDED = "superseded", _("Superseded by a later run")


class BatchState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped (run superseded)")


class RecomputeRunQuerySet(ScopedQuerySet):
    scope_field = "scope"

    def active(self):
        return self.filter(state=RunState.RUNNING)

    def overlapping(self, prefix: str):
        """Runs whose scope contains the prefix or lies inside it."""
        inside = models.Q(scope__startswith=prefix)
        around = models.Q(scope__in=[prefix[:n] for n in range(len(prefix))])
        return self.filter(inside | around)


class RecomputeRun(models.Model):
    scope = models.CharField(_("scope (division code prefix)"), max_length=12, blank=True)
    months = models.JSONField(_("months"), default=list)  # ISO dates, ascending
    state = models.CharField(_("state"), max_length=12, choices=RunState.choices,
                             default=RunState.RUNNING)
    batches_total = models.PositiveIntegerField(_("batches"), default=0)
    # Counted from the batches while the run goes on (scoring/runs.py `progress`), so that
    # batches never contend for this row; stored here when it ends.
    batches_done = models.PositiveIntegerField(_("batches done"), default=0)
    batches_failed = models.PositiveIntegerField(_("batches failed"), default=0)
    villages_total = models.PositiveIntegerField(_("village-months"), default=0)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("started by"))
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("reason of the failure"), blank=True)

    objects = RecomputeRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["state", "scope"])]
        verbose_name = _("recompute run")
        verbose_name_plural = _("recompute runs")

    def __str__(self) -> str:
        return f"run {self.pk} {self.scope or '*'} {self.state}"

    @property
    def division_code(self) -> str:
        return self.scope.ljust(12, "0")

    @property
    def is_finished(self) -> bool:
        return self.state != RunState.RUNNING


class RecomputeBatch(models.Model):
    run = models.ForeignKey(RecomputeRun, on_delete=models.CASCADE, related_name="batches")
    month = models.DateField(_("month"))
    position = models.PositiveIntegerField(_("position in the run"))
    ruleset = models.ForeignKey("scoring.RuleSet", on_delete=models.CASCADE, related_name="+")
    village_ids = models.JSONField(_("villages"), default=list)
    state = models.CharField(_("state"), max_length=10, choices=BatchState.choices,
                             default=BatchState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("reason of the failure"), blank=True)

    class Meta:
        ordering = ["run", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "position"],
                                               name="one_batch_per_run_position")]
        indexes = [models.Index(fields=["run", "state"])]
        verbose_name = _("recompute batch")
        verbose_name_plural = _("recompute batches")

    def __str__(self) -> str:
        return f"{self.run_id}/{self.position} {self.month:%Y-%m}"
