"""What the health endpoint checks (django-health-check): database, cache, Redis, the
Celery heartbeat, evidence storage and free disk space.

Celery is checked by the heartbeat row that beat queues every minute and a worker
writes (wuxing/ops/tasks.py), not by a worker ping: a ping needs a broadcast-capable
broker (the embedded filesystem broker has none), costs a second of waiting on every
probe of every load balancer, and says nothing about beat. A fresh row proves beat,
broker and a worker together, for the price of one indexed query.
"""

from __future__ import annotations

import dataclasses
import datetime
import shutil
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from health_check.base import HealthCheck
from health_check.checks import Cache, Database, Storage
from health_check.contrib.redis import Redis
from health_check.exceptions import ServiceUnavailable
from redis.asyncio import Redis as AsyncRedis


@dataclasses.dataclass
class CeleryHeartbeat(HealthCheck):
    max_age: datetime.timedelta = dataclasses.field(
        default=datetime.timedelta(minutes=5), repr=False)

    async def run(self) -> None:
        from wuxing.ops.models import Heartbeat
        # The ORM's async API runs the query on the request's thread and connection.
        beat_at = await (Heartbeat.objects.filter(name=Heartbeat.WORKER)
                         .values_list("beat_at", flat=True).afirst())
        if beat_at is None:
            raise ServiceUnavailable("No worker heartbeat yet")
        age = timezone.now() - beat_at
        if age > self.max_age:
            raise ServiceUnavailable(f"Last worker heartbeat {int(age.total_seconds())} s ago")


@dataclasses.dataclass
class EvidenceStorage(Storage):
    """Saves, reads and deletes a probe file where evidence lives (folder or bucket)."""

    alias: str = "evidence"

    @property
    def storage(self):
        from wuxing.uploads.storage import evidence_storage
        return evidence_storage()


@dataclasses.dataclass
class DiskSpace(HealthCheck):
    """Down when the disk holding the evidence files is fuller than the threshold."""

    path: str = ""
    max_used_percent: float = dataclasses.field(default=90.0, repr=False)

    def run(self) -> None:
        try:
            usage = shutil.disk_usage(self.path)
        except OSError as error:
            raise ServiceUnavailable("Disk not readable") from error
        used = 100 * usage.used / usage.total
        if used >= self.max_used_percent:
            raise ServiceUnavailable(f"Disk {used:.0f} % full")


def _disk_to_watch() -> Path:
    """The evidence folder's disk; with evidence in a bucket, the disk the portal runs on
    (logs, uploads spooled before they are stored)."""
    from wuxing.uploads.storage import evidence_storage
    try:
        folder = Path(evidence_storage().path(""))
    except NotImplementedError:  # a bucket has no local path
        folder = Path(settings.BASE_DIR)
    return folder if folder.exists() else Path(settings.BASE_DIR)


def _redis_client() -> AsyncRedis:
    return AsyncRedis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5,
                               socket_timeout=1)


def checks() -> list[HealthCheck]:
    found: list[HealthCheck] = [Database(), Cache(), EvidenceStorage()]
    if settings.REDIS_URL:
        # The cache degrades to misses when Redis is down (wuxing/cache.py); Redis is
        # also the broker, so it is checked on its own.
        found.append(Redis(client_factory=_redis_client))
    found.append(CeleryHeartbeat(max_age=datetime.timedelta(
        seconds=settings.WUXING_HEALTH_HEARTBEAT_MAX_AGE)))
    found.append(DiskSpace(path=str(_disk_to_watch()),
                           max_used_percent=settings.WUXING_HEALTH_DISK_MAX_PERCENT))
    return found
