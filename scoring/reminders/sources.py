"""What the reminders are about: each star working group's villages whose entries for
its star and month are missing or returned.

The numbers are those of `scoring.progress.completeness` (the completeness page, the
working-group grid and the dashboards use the same): an indicator is due in a month by
its cadence; a due indicator without an entry is missing, one sent back is returned. A
star group covers the villages it lists, or its whole town when it lists none. Towns are
batched by the rule set in force: one counting pass per rule set, not per town.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from scoring.models import Indicator, RuleSet
from scoring.progress import completeness
from scoring.progress.models import EntryStatus
from villages.models import AdminUnit, GroupKind, Village, WorkingGroup


class Status:
    MISSING = completeness.MISSING
    RETURNED = completeness.RETURNED


@dataclass(frozen=True, slots=True)
class MissingItem:
    village_id: int
    village: str  # the village's name
    star: str
    status: str  # Status.MISSING or Status.RETURNED


def rulesets_of(towns: dict[int, str], year: int) -> dict[RuleSet, list[int]]:
    """Rule set → ids of the towns it is in force for (as RuleSet.in_force_for)."""
    rulesets = list(RuleSet.objects.published().for_year(year).select_related("issuer"))
    out: dict[RuleSet, list[int]] = defaultdict(list)
    for town_id, code in towns.items():
        matching = [r for r in rulesets if code.startswith(r.issuer.prefix)]
        if matching:
            best = max(matching, key=lambda r: (len(r.issuer.prefix), r.version))
            out[best].append(town_id)
    return out


def missing_by_group(town_ids: Collection[int] | None,
                     month: date) -> dict[int, list[MissingItem]]:
    """Star working group id → its villages with missing or returned entries for the
    group's star in `month` (all towns when `town_ids` is None). Groups with nothing
    missing are absent."""
    towns = AdminUnit.objects.towns()
    if town_ids is not None:
        towns = towns.filter(pk__in=list(town_ids))
    town_codes = dict(towns.values_list("id", "code"))
    groups = list(WorkingGroup.objects.filter(kind=GroupKind.STAR, town_id__in=town_codes)
                  .values_list("id", "town_id", "star"))
    listed = listed_villages([g[0] for g in groups])
    result: dict[int, list[MissingItem]] = {}
    for ruleset, ruleset_towns in rulesets_of(town_codes, month.year).items():
        villages = list(Village.objects.filter(town_id__in=ruleset_towns).order_by("code")
                        .values_list("id", "name", "town_id"))
        states = village_star_states(ruleset, [v[0] for v in villages], month)
        of_town: dict[int, list[int]] = defaultdict(list)
        for village_id, _name, town_id in villages:
            of_town[town_id].append(village_id)
        names = {v[0]: v[1] for v in villages}
        in_scope = set(ruleset_towns)
        for group_id, town_id, star in groups:
            if town_id not in in_scope:
                continue
            items = []
            for village_id in listed.get(group_id) or of_town[town_id]:
                state = states.get((village_id, star))
                if state is not None:
                    items.append(MissingItem(village_id, names[village_id], star, state))
            if items:
                result[group_id] = items
    return result


def listed_villages(group_ids: list[int]) -> dict[int, list[int]]:
    listed: dict[int, list[int]] = defaultdict(list)
    for group_id, village_id in (WorkingGroup.villages.through.objects
                                 .filter(workinggroup_id__in=group_ids)
                                 .order_by("village__code")
                                 .values_list("workinggroup_id", "village_id")):
        listed[group_id].append(village_id)
    return listed


def village_star_states(ruleset: RuleSet, village_ids: list[int],
                        month: date) -> dict[tuple[int, str], str]:
    """(village, star) → MISSING or RETURNED, the way `completeness.compute` decides it,
    counted without a cell per village and indicator: the province in a few seconds."""
    due = [(pk, star, cadence) for pk, star, cadence in
           Indicator.objects.filter(ruleset=ruleset).values_list("pk", "star_id", "cadence")
           if completeness.is_due(cadence, month)]
    if not due or not village_ids:
        return {}
    due_count: dict[str, int] = defaultdict(int)
    for _pk, star, _cadence in due:
        due_count[star] += 1
    info = {pk: (star, cadence) for pk, star, cadence in due}
    found = completeness.latest_statuses(village_ids, {pk: c for pk, (_s, c) in info.items()},
                                         month)
    counted: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for (village_id, indicator_id), status in found.items():
        cell = counted[(village_id, info[indicator_id][0])]
        cell[status == EntryStatus.RETURNED] += 1
    states = {}
    for village_id in village_ids:
        for star, needed in due_count.items():
            present, returned = counted.get((village_id, star), (0, 0))
            if returned:
                states[(village_id, star)] = Status.RETURNED
            elif present + returned < needed:
                states[(village_id, star)] = Status.MISSING
    return states
