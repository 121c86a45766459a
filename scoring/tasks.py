from datetime import date

from celery import shared_task

from scoring import services
from villages.models import Village


@shared_task(bind=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=True,
             max_retries=5, time_limit=120, soft_time_limit=100)
def recompute_village_month(self, village_id: int, month: str) -> int:
    """Idempotent: recomputing twice stores the same rows."""
    return services.recompute(Village.objects.filter(pk=village_id), date.fromisoformat(month))
