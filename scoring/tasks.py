from datetime import date

from celery import shared_task

from scoring import runs, services
from scoring.models import RecomputeRun


@shared_task(bind=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=True,
             max_retries=5, time_limit=120, soft_time_limit=100)
def recompute_village_month(self, village_id: int, month: str) -> int:
    """Idempotent: recomputing twice stores the same rows."""
    return services.recompute_marked(village_id, date.fromisoformat(month))


@shared_task(ignore_result=True, time_limit=120, soft_time_limit=100)
def sweep_stale_recomputes() -> int:
    """Beat, every minute: queue recomputes whose task was never queued or was lost."""
    return services.queue_stale_recomputes()


@shared_task(bind=True, acks_late=True, max_retries=3, time_limit=600, soft_time_limit=540)
def recompute_batch(self, batch_id: int) -> bool:
    """One batch of a recompute run (scoring/runs.py); idempotent, retried, then failed."""
    try:
        return runs.run_batch(batch_id)
    except Exception as error:
        if self.request.retries >= self.max_retries or self.request.is_eager:
            runs.fail_batch(batch_id, error)
            return False
        raise self.retry(exc=error, countdown=5 * 2 ** self.request.retries)


@shared_task(acks_late=True, time_limit=None, soft_time_limit=None)
def recompute_run_serially(run_id: int) -> None:
    """On SQLite (one writer at a time): the run's batches one after another."""
    run = RecomputeRun.objects.filter(pk=run_id).first()
    if run is not None:
        runs.execute_in_process(run)
