"""What the reminders are about: each star working group's villages whose entries for
its star and month are missing or returned.

TODO(progress): when `scoring.progress` lands, answer from its Entry model (missing = no
entry for an indicator of the star in the month; returned = an entry sent back). Until
then no entry can exist, so every village of a group counts as missing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from villages.models import GroupKind, WorkingGroup


class Status:
    MISSING = "missing"
    RETURNED = "returned"


@dataclass(frozen=True, slots=True)
class MissingItem:
    village_id: int
    village: str  # the village's name
    star: str
    status: str  # Status.MISSING or Status.RETURNED


def group_villages(town_ids: Collection[int] | None):
    """(group id, star, village id, village name) of the towns' star working groups."""
    rows = WorkingGroup.villages.through.objects.filter(workinggroup__kind=GroupKind.STAR)
    if town_ids is not None:
        rows = rows.filter(workinggroup__town_id__in=list(town_ids))
    return rows.order_by("workinggroup_id", "village__code").values_list(
        "workinggroup_id", "workinggroup__star", "village_id", "village__name")


def missing_by_group(town_ids: Collection[int] | None,
                     month: date) -> dict[int, list[MissingItem]]:
    """Star working group id → its villages with missing or returned entries for the
    group's star in `month` (all towns when `town_ids` is None). Groups with nothing
    missing are absent."""
    result: dict[int, list[MissingItem]] = defaultdict(list)
    for group_id, star, village_id, name in group_villages(town_ids).iterator(2000):
        result[group_id].append(MissingItem(village_id, name, star, Status.MISSING))
    return dict(result)
