"""Dashboards follow the assessments: each stored batch refreshes its summaries."""

from django.dispatch import receiver

from scoring.services import assessments_changed

from . import summaries


@receiver(assessments_changed, dispatch_uid="dashboards.refresh_summaries")
def refresh_summaries(sender, village_ids, month, **kwargs):
    summaries.refresh(list(village_ids), month)
