"""The daily dispatcher task, run by Celery beat (django-celery-beat schedule)."""

from datetime import date

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from wuxing.notifications import delivery

from .dispatch import dispatch


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True,
             retry_backoff_max=600, max_retries=5)
def dispatch_reminders(day: str | None = None) -> dict:
    """Send every reminder due on `day` (ISO date; default today) not sent yet, and
    requeue deliveries whose task was lost. Safe to run any number of times."""
    today = date.fromisoformat(day) if day else timezone.localdate()
    result = dispatch(today)
    stale = delivery.stale_ids()
    delivery.enqueue(stale)
    return {"date": today.isoformat(), "queued": len(result.new_ids), "requeued": len(stale)}
