"""Bulk recomputes as runs: batches of whole towns that any Celery worker takes.

`start()` records a run and its batches in one transaction and queues one task per batch
after commit; `run_batch()` (the task's body) judges and stores a batch and marks it done
in one transaction, so a batch redelivered after a worker died is either done already or
stores the same rows again; the last batch to finish closes the run and sums the units
above the towns once per month. A later run over an overlapping scope and month
supersedes an earlier one: the earlier run's remaining batches are skipped, and a batch
that is still storing finishes before the new run starts (it holds a share lock on its
run's row, which superseding must update), so results of two runs never interleave.

On SQLite (one writer at a time) the batches of a run are executed one after another in a
single task, or in the calling process (`execute_in_process`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from scoring import engine, services
from scoring.models import Assessment, BatchState, RecomputeBatch, RecomputeRun, RunState
from wuxing import queueing

BATCH_SIZE = 250  # villages; whole towns, so a batch may be a little larger


def start(prefix: str, months: Iterable[date], *, user=None, queue: bool = True
          ) -> RecomputeRun:
    """Record a run over the villages under `prefix` for `months` and queue its batches."""
    from villages.models import Village

    months = sorted({engine.month_start(month) for month in months})
    with transaction.atomic():
        _supersede(prefix, months)
        run = RecomputeRun.objects.create(scope=prefix, months=[m.isoformat() for m in months],
                                          started_by=user if _is_user(user) else None)
        villages = Village.objects.filter(code__startswith=prefix)
        batches = [RecomputeBatch(run=run, month=month, position=position, ruleset=ruleset,
                                  village_ids=ids)
                   for position, (month, ruleset, ids)
                   in enumerate(_cut(villages, months))]
        RecomputeBatch.objects.bulk_create(batches)
        run.batches_total = len(batches)
        run.villages_total = sum(len(batch.village_ids) for batch in batches)
        if not batches:
            run.state, run.finished_at = RunState.DONE, timezone.now()
        run.save()
        if queue and batches:
            transaction.on_commit(lambda: queue_run(run.pk))
    return run


def _is_user(user) -> bool:
    return getattr(user, "is_authenticated", False)


def _cut(villages, months: list[date]):
    """(month, rule set, village ids) per batch, months in order, towns never split."""
    by_year: dict[int, list] = {}
    for month in months:
        if month.year not in by_year:
            by_year[month.year] = services.villages_by_ruleset(villages, month.year)
        for ruleset, villages_of_ruleset in by_year[month.year]:
            for ids in services.town_batches(villages_of_ruleset, BATCH_SIZE):
                yield month, ruleset, ids


def _supersede(prefix: str, months: list[date]) -> None:
    """Mark earlier running runs over an overlapping scope and a shared month superseded.

    Locking their rows waits for any of their batches that is storing right now."""
    isos = {month.isoformat() for month in months}
    earlier = list(RecomputeRun.objects.active().overlapping(prefix).select_for_update())
    ids = [run.pk for run in earlier if isos & set(run.months)]
    if ids:
        RecomputeRun.objects.filter(pk__in=ids).update(
            state=RunState.SUPERSEDED, finished_at=timezone.now(),
            error=_("A later recompute of the same villages and months replaced this one."))


def queue_run(run_id: int) -> int:
    """Queue the run's pending batches; the number queued (resume queues them again)."""
    if connection.vendor == "sqlite":
        return int(queueing.send("scoring.tasks.recompute_run_serially", run_id))
    pending = (RecomputeBatch.objects.filter(run_id=run_id, state=BatchState.PENDING)
               .values_list("pk", flat=True))
    return sum(queueing.send("scoring.tasks.recompute_batch", pk) for pk in pending)


def run_batch(batch_id: int) -> bool:
    """Judge and store one batch unless it is done or its run superseded; True if stored."""
    with transaction.atomic():
        batch = (RecomputeBatch.objects.select_for_update().select_related("ruleset")
                 .filter(pk=batch_id).first())
        if batch is None or batch.state != BatchState.PENDING:
            return False  # redelivered after it was done (or the run was deleted)
        if _run_state_locked(batch.run_id) != RunState.RUNNING:
            batch.state = BatchState.SKIPPED
        else:
            with services.no_gc():
                services._judge_and_store(batch.ruleset_id, batch.village_ids, batch.month)
            batch.state = BatchState.DONE
        batch.attempts += 1
        batch.finished_at = timezone.now()
        batch.save(update_fields=["state", "attempts", "finished_at"])
    _finish_if_complete(batch.run_id)
    return batch.state == BatchState.DONE


def _run_state_locked(run_id: int) -> str:
    """The run's state, with a share lock on its row held until this transaction ends."""
    runs = RecomputeRun.objects.filter(pk=run_id)
    if connection.vendor == "postgresql":
        table = RecomputeRun._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT state FROM "{table}" WHERE id = %s FOR SHARE', [run_id])
            found = cursor.fetchone()
        return found[0] if found else RunState.SUPERSEDED
    return runs.values_list("state", flat=True).first() or RunState.SUPERSEDED


def fail_batch(batch_id: int, error: BaseException | str) -> None:
    """A batch that failed for good: record why, and close the run if it was the last."""
    reason = str(error) or error.__class__.__name__
    updated = (RecomputeBatch.objects.filter(pk=batch_id, state=BatchState.PENDING)
               .update(state=BatchState.FAILED, error=reason[:2000],
                       finished_at=timezone.now()))
    if updated:
        run_id = RecomputeBatch.objects.values_list("run_id", flat=True).get(pk=batch_id)
        _finish_if_complete(run_id)


def _finish_if_complete(run_id: int) -> None:
    counts = _counts(run_id)
    if counts.pending:
        return
    failed = counts.failed
    state = RunState.FAILED if failed else RunState.DONE
    error = (_("%(count)d batches failed; the first: %(reason)s")
             % {"count": failed, "reason": _first_error(run_id)}) if failed else ""
    # Only one finisher wins: several last batches may get here at once.
    closed = RecomputeRun.objects.filter(pk=run_id, state=RunState.RUNNING).update(
        state=state, finished_at=timezone.now(), error=error, batches_done=counts.done,
        batches_failed=failed)
    if closed:
        _sum_units(run_id)


def _first_error(run_id: int) -> str:
    return (RecomputeBatch.objects.filter(run_id=run_id, state=BatchState.FAILED)
            .order_by("position").values_list("error", flat=True).first() or "")


def _sum_units(run_id: int) -> None:
    """Once per month of the run: recount what sums over many villages (dashboards)."""
    stored: dict[date, list[int]] = {}
    for month, ids in (RecomputeBatch.objects.filter(run_id=run_id, state=BatchState.DONE)
                       .values_list("month", "village_ids")):
        stored.setdefault(month, []).extend(ids)
    for month, village_ids in sorted(stored.items()):
        services.assessments_changed.send(sender=Assessment, village_ids=village_ids,
                                          month=month, scope="units")


def reopen(run: RecomputeRun) -> None:
    """A failed run becomes running again with its failed batches pending."""
    with transaction.atomic():
        RecomputeBatch.objects.filter(run=run, state=BatchState.FAILED).update(
            state=BatchState.PENDING, error="", finished_at=None)
        RecomputeRun.objects.filter(pk=run.pk, state=RunState.FAILED).update(
            state=RunState.RUNNING, finished_at=None, error="")
    run.refresh_from_db()


def resume(run: RecomputeRun) -> int:
    """Queue the batches a failed run is missing again; the number queued."""
    reopen(run)
    if run.state != RunState.RUNNING:
        return 0
    return queue_run(run.pk)


def execute_in_process(run: RecomputeRun,
                       on_batch: Callable[[RecomputeRun], None] | None = None) -> None:
    """Every pending batch of the run, one after another in this process."""
    pending = (RecomputeBatch.objects.filter(run=run, state=BatchState.PENDING)
               .order_by("position").values_list("pk", flat=True))
    for batch_id in list(pending):
        try:
            run_batch(batch_id)
        except Exception as error:
            fail_batch(batch_id, error)
        if on_batch is not None:
            on_batch(run)
    run.refresh_from_db()


@dataclass(frozen=True)
class Counts:
    total: int
    done: int
    failed: int
    skipped: int
    villages_done: int

    @property
    def pending(self) -> int:
        return self.total - self.done - self.failed - self.skipped


def _counts(run_id: int) -> Counts:
    batches = RecomputeBatch.objects.filter(run_id=run_id)
    done = Q(state=BatchState.DONE)
    found = batches.aggregate(
        total=Count("pk"), done=Count("pk", filter=done),
        failed=Count("pk", filter=Q(state=BatchState.FAILED)),
        skipped=Count("pk", filter=Q(state=BatchState.SKIPPED)))
    villages_done = sum(len(ids) for ids in batches.filter(done)
                        .values_list("village_ids", flat=True))
    return Counts(villages_done=villages_done, **found)


@dataclass(frozen=True)
class Progress:
    run: RecomputeRun
    counts: Counts
    elapsed: timedelta
    remaining: timedelta | None  # None: not estimable yet

    @property
    def percent(self) -> int:
        total = self.counts.total
        finished = total - self.counts.pending
        return 100 if not total else int(100 * finished / total)


def progress(run: RecomputeRun) -> Progress:
    """Batches and villages done, time elapsed and the estimated time left."""
    counts = _counts(run.pk)
    end = run.finished_at or timezone.now()
    elapsed = end - run.started_at
    finished = counts.total - counts.pending
    remaining = None
    if run.is_finished:
        remaining = timedelta(0)
    elif finished:
        remaining = elapsed / finished * counts.pending
    return Progress(run, counts, elapsed, remaining)


def months_of(run: RecomputeRun) -> list[date]:
    return [date.fromisoformat(iso) for iso in run.months]
