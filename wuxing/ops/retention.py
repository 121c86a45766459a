"""How long audit events are kept: WUXING_AUDIT_RETENTION_DAYS, never under 180 days
(等保 2.0 asks for at least six months of audit records)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from wuxing.accounts.models import AuditEvent

MINIMUM_DAYS = 180
logger = logging.getLogger(__name__)


def retention_days() -> int:
    return max(MINIMUM_DAYS, int(getattr(settings, "WUXING_AUDIT_RETENTION_DAYS",
                                         MINIMUM_DAYS)))


def purge_audit_events(now=None) -> int:
    """Delete the audit events older than the retention; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=retention_days())
    # A bulk delete: AuditEvent.delete() refuses single rows on purpose.
    deleted, _by_model = AuditEvent.objects.older_than(cutoff).delete()
    logger.info("audit events older than %s deleted: %d", cutoff.isoformat(), deleted)
    return deleted
