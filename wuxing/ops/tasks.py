"""Periodic tasks of operations, scheduled by beat (migration 0002_schedules)."""

from celery import shared_task
from django.utils import timezone

from wuxing.ops import retention
from wuxing.ops.models import Heartbeat


@shared_task(ignore_result=True)
def heartbeat() -> None:
    Heartbeat.objects.update_or_create(name=Heartbeat.WORKER,
                                       defaults={"beat_at": timezone.now()})


@shared_task(ignore_result=True)
def purge_audit_events() -> int:
    return retention.purge_audit_events()
