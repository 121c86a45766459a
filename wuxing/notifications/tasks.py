"""Thin Celery tasks: ids in, the work in `delivery.py`."""

from celery import shared_task
from django.db import DatabaseError

from . import delivery


@shared_task(bind=True, acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True,
             retry_backoff_max=600, max_retries=5)
def deliver_deliveries(self, delivery_ids: list[int]) -> dict:
    report = delivery.deliver(delivery_ids)
    # Failures are retried with backoff (at most MAX_ATTEMPTS tries). An eager run (tests)
    # retries them at once and leaves rate-limited rows to the dispatcher's sweep rather
    # than loop until the minute is over.
    for countdown, ids in report.retries(deferred=not self.request.is_eager).items():
        deliver_deliveries.apply_async((ids,), countdown=countdown)
    return {"sent": len(report.sent), "failed": len(report.failed),
            "deferred": len(report.deferred), "gave_up": len(report.gave_up)}
