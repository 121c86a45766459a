"""What the reminders are about: each star working group's villages whose entries for
its star and month are missing or returned.

From `scoring.progress`: for the town's rule set in force that year, a village's star is
*returned* when one of its entries of the month was sent back, and *missing* when fewer
of its monthly indicators of that star have a submitted or verified entry than the rule
set has (a draft is not reported yet). A town without a rule set in force has nothing it
could have entered: every village of its groups counts as missing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q

from villages.models import AdminUnit, GroupKind, WorkingGroup


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
    expected, state = _entry_state(town_ids, month)
    result: dict[int, list[MissingItem]] = defaultdict(list)
    rows = group_villages(town_ids).values_list(
        "workinggroup_id", "workinggroup__star", "village_id", "village__name",
        "workinggroup__town_id")
    for group_id, star, village_id, name, town_id in rows.iterator(2000):
        town_expected = expected.get(town_id)
        if town_expected is None:  # no rule set in force for the town
            status = Status.MISSING
        else:
            needed = town_expected.get(star, 0)
            reported, returned = state.get((village_id, star), (0, 0))
            if returned:
                status = Status.RETURNED
            elif reported < needed:
                status = Status.MISSING
            else:
                continue
        result[group_id].append(MissingItem(village_id, name, star, status))
    return dict(result)


def _entry_state(town_ids, month: date):
    """(town id → star → monthly indicators expected, (village, star) → (reported,
    returned)), in three grouped queries."""
    from scoring.models import Cadence, Indicator, RuleSet
    from scoring.progress.models import Entry, EntryStatus

    towns = AdminUnit.objects.towns()
    if town_ids is not None:
        towns = towns.filter(pk__in=list(town_ids))
    rulesets = list(RuleSet.objects.published().for_year(month.year).select_related("issuer"))
    if not rulesets:
        return {}, {}
    per_ruleset: dict[int, dict[str, int]] = defaultdict(dict)
    for ruleset_id, star, count in (
            Indicator.objects.filter(ruleset__in=rulesets, cadence=Cadence.MONTHLY)
            .judged().order_by().values("ruleset_id", "star_id").annotate(n=Count("id"))
            .values_list("ruleset_id", "star_id", "n")):
        per_ruleset[ruleset_id][star] = count
    expected, indicator_rulesets = {}, set()
    for town_id, code in towns.values_list("id", "code"):
        matching = [r for r in rulesets if code.startswith(r.issuer.prefix)]
        if matching:
            ruleset = max(matching, key=lambda r: (len(r.issuer.prefix), r.version))
            expected[town_id] = per_ruleset.get(ruleset.pk, {})
            indicator_rulesets.add(ruleset.pk)
    entries = Entry.objects.filter(month=month, indicator__ruleset_id__in=indicator_rulesets,
                                   indicator__cadence=Cadence.MONTHLY)
    if town_ids is not None:
        entries = entries.filter(village__town_id__in=list(town_ids))
    state = {}
    for village_id, star, reported, returned in (
            entries.order_by().values("village_id", "indicator__star_id")
            .annotate(reported=Count("id", filter=Q(status__in=[EntryStatus.SUBMITTED,
                                                                EntryStatus.VERIFIED])),
                      returned=Count("id", filter=Q(status=EntryStatus.RETURNED)))
            .values_list("village_id", "indicator__star_id", "reported", "returned")):
        state[(village_id, star)] = (reported, returned)
    return expected, state
