from datetime import date

from celery import shared_task

from scoring import services


@shared_task(bind=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=True,
             max_retries=5, time_limit=120, soft_time_limit=100)
def recompute_village_month(self, village_id: int, month: str) -> int:
    """Idempotent: recomputing twice stores the same rows."""
    return services.recompute_marked(village_id, date.fromisoformat(month))


@shared_task(ignore_result=True, time_limit=120, soft_time_limit=100)
def sweep_stale_recomputes() -> int:
    """Beat, every minute: queue recomputes whose task was never queued or was lost."""
    return services.queue_stale_recomputes()
