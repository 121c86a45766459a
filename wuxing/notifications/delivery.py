"""Delivering claimed `Delivery` rows, for the Celery tasks, the command and the admin.

Each row is locked and re-checked before it is sent, so a redelivered task, two workers
or a second dispatcher never send a row twice. In-app rows are delivered in one
transaction with their status (exactly once); external channels one row per
transaction, so a slow or failing robot never holds back the emails beside it.
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from wuxing import queueing

from .channels import CHANNELS, RateLimited
from .models import OPEN_STATUSES, Channel, Delivery, DeliveryAttempt, DeliveryStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BATCH_SIZE = 100
STALE_AFTER = timedelta(minutes=15)  # an open row untouched this long lost its task


def backoff(attempts: int) -> int:
    """Seconds before the next try after `attempts` failures: 1, 2, 4 … minutes, ≤ 1 h."""
    base = min(60 * 2 ** max(attempts - 1, 0), 3600)
    return base + random.randint(0, base // 10)


@dataclass
class Report:
    sent: list[int] = field(default_factory=list)
    failed: dict[int, int] = field(default_factory=dict)  # id → attempts so far
    deferred: dict[int, int] = field(default_factory=dict)  # id → seconds to wait
    gave_up: list[int] = field(default_factory=list)

    def retries(self, *, deferred: bool = True) -> dict[int, list[int]]:
        """Countdown → ids to try again (failures with backoff, rate-limited rows)."""
        later: dict[int, list[int]] = defaultdict(list)
        for pk, attempts in self.failed.items():
            later[backoff(attempts)].append(pk)
        if deferred:
            for pk, seconds in self.deferred.items():
                later[seconds].append(pk)
        return dict(later)


def _locked(ids: Iterable[int]):
    # skip_locked: a row locked by another worker is being delivered right now.
    return (Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=list(ids), status__in=OPEN_STATUSES)
            .select_related("message", "user", "robot__group"))


def _deliver_in_app(ids: list[int], report: Report) -> None:
    with transaction.atomic():
        rows = list(_locked(ids))
        if not rows:
            return
        CHANNELS[Channel.IN_APP].send_many(rows)
        now = timezone.now()
        Delivery.objects.filter(pk__in=[row.pk for row in rows]).update(
            status=DeliveryStatus.SENT, sent_at=now, last_error="", updated_at=now,
            attempts=F("attempts") + 1)
        DeliveryAttempt.objects.bulk_create(
            [DeliveryAttempt(delivery=row, at=now, ok=True, detail="notification created")
             for row in rows])
        report.sent.extend(row.pk for row in rows)


def _deliver_one(pk: int, report: Report) -> None:
    with transaction.atomic():
        row = _locked([pk]).first()
        if row is None:
            return
        now = timezone.now()
        try:
            detail = CHANNELS[row.channel].send(row)
        except RateLimited as limited:
            report.deferred[pk] = limited.retry_after
            return
        except Exception as error:  # any failure of a channel is logged, never raised
            log.warning("delivery %s over %s failed: %s", pk, row.channel, error)
            row.attempts += 1
            row.last_error = f"{type(error).__name__}: {error}"[:1000]
            if row.attempts >= MAX_ATTEMPTS:
                row.status = DeliveryStatus.GAVE_UP
                report.gave_up.append(pk)
            else:
                row.status = DeliveryStatus.FAILED
                report.failed[pk] = row.attempts
            row.save(update_fields=["attempts", "last_error", "status", "updated_at"])
            DeliveryAttempt.objects.create(delivery=row, at=now, ok=False,
                                           detail=row.last_error)
            return
        row.attempts += 1
        row.status, row.sent_at, row.last_error = DeliveryStatus.SENT, now, ""
        row.save(update_fields=["attempts", "status", "sent_at", "last_error", "updated_at"])
        DeliveryAttempt.objects.create(delivery=row, at=now, ok=True, detail=detail)
        report.sent.append(pk)


def deliver(ids: Iterable[int]) -> Report:
    """Send the open deliveries among `ids`; returns what happened to each."""
    report = Report()
    by_channel: dict[str, list[int]] = defaultdict(list)
    for pk, channel in Delivery.objects.filter(pk__in=list(ids)).values_list("pk", "channel"):
        by_channel[channel].append(pk)
    if by_channel.get(Channel.IN_APP):
        _deliver_in_app(by_channel.pop(Channel.IN_APP), report)
    for channel_ids in by_channel.values():
        for pk in channel_ids:
            _deliver_one(pk, report)
    return report


DELIVER_TASK = "wuxing.notifications.tasks.deliver_deliveries"


def chunks(ids: list[int], size: int = BATCH_SIZE) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def enqueue(ids: Iterable[int]) -> None:
    """Queue delivery tasks for `ids` once the current transaction commits."""
    for chunk in chunks(sorted(ids)):
        # Open rows whose task is not queued are found again by `stale_ids`.
        transaction.on_commit(lambda chunk=chunk: queueing.send(DELIVER_TASK, chunk))


def stale_ids(now=None) -> list[int]:
    """Open rows whose task was lost (broker restart, eager run, rate-limit wait)."""
    now = now or timezone.now()
    return list(Delivery.objects.open().filter(updated_at__lt=now - STALE_AFTER)
                .values_list("pk", flat=True))


def resend(deliveries) -> int:
    """An administrator's resend: reopen the rows (sent or not) and queue them."""
    ids = list(deliveries.values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=ids).update(status=DeliveryStatus.PENDING, attempts=0,
                                               updated_at=timezone.now())
    enqueue(ids)
    return len(ids)
