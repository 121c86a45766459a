"""Keep stored assessments in step with entries and evidence.

Any save or delete of an entry or its evidence queues a recompute (on commit) of the
entry's village for the entry's month and for every later month of the same cycle that
already has assessments: a March change alters April's cycle result too.
"""

from __future__ import annotations

from datetime import date

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from scoring import services
from scoring.models import Assessment
from scoring.progress.models import Entry, Evidence


def months_to_recompute(village_id: int, month: date) -> list[date]:
    """The month itself and the later months of its cycle that have assessments."""
    later = (Assessment.objects.filter(village_id=village_id, month__year=month.year,
                                       month__gt=month)
             .order_by("month").values_list("month", flat=True).distinct())
    return [month, *later]


def _schedule(village_id: int, month: date) -> None:
    for each in months_to_recompute(village_id, month):
        services.schedule_recompute(village_id, each)


@receiver(post_save, sender=Entry, dispatch_uid="scoring.entry_saved")
@receiver(post_delete, sender=Entry, dispatch_uid="scoring.entry_deleted")
def entry_changed(sender, instance: Entry, raw: bool = False, **kwargs) -> None:
    if raw:  # fixtures
        return
    _schedule(instance.village_id, instance.month)


@receiver(post_save, sender=Evidence, dispatch_uid="scoring.evidence_saved")
@receiver(post_delete, sender=Evidence, dispatch_uid="scoring.evidence_deleted")
def evidence_changed(sender, instance: Evidence, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    entry = (Entry.objects.filter(pk=instance.entry_id)
             .values_list("village_id", "month").first())
    if entry is not None:  # None: the entry is being deleted too, which schedules itself
        _schedule(*entry)
