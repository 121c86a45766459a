"""What the reminders are about: each star working group's villages whose entries for
its star and month are missing or returned.

The numbers are those of `scoring.progress.completeness` (the completeness page, the
working-group grid and the dashboards use the same): an indicator is due in a month by
its cadence; a due indicator without an entry is missing, one sent back is returned. A
star group covers the villages it lists, or its whole town when it lists none. Towns are
batched by the rule set in force, so the province takes one completeness computation per
rule set, not per town.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from scoring.models import RuleSet
from scoring.progress import completeness
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


def _rulesets_of(towns: dict[int, str], year: int) -> dict[int, list[int]]:
    """Rule set id → ids of the towns it is in force for (as RuleSet.in_force_for)."""
    rulesets = list(RuleSet.objects.published().for_year(year).select_related("issuer"))
    out: dict[int, list[int]] = defaultdict(list)
    for town_id, code in towns.items():
        matching = [r for r in rulesets if code.startswith(r.issuer.prefix)]
        if matching:
            best = max(matching, key=lambda r: (len(r.issuer.prefix), r.version))
            out[best.pk].append(town_id)
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
    listed: dict[int, list[int]] = defaultdict(list)
    for group_id, village_id in (WorkingGroup.villages.through.objects
                                 .filter(workinggroup_id__in=[g[0] for g in groups])
                                 .values_list("workinggroup_id", "village_id")):
        listed[group_id].append(village_id)
    result: dict[int, list[MissingItem]] = {}
    by_ruleset = _rulesets_of(town_codes, month.year)
    rulesets = RuleSet.objects.in_bulk(list(by_ruleset))
    for ruleset_id, ruleset_towns in by_ruleset.items():
        villages = list(Village.objects.filter(town_id__in=ruleset_towns).order_by("code")
                        .only("id", "code", "name", "town_id"))
        state = completeness.compute(villages, month, ruleset=rulesets[ruleset_id])
        of_town: dict[int, list[Village]] = defaultdict(list)
        for village in villages:
            of_town[village.town_id].append(village)
        names = {v.pk: v.name for v in villages}
        in_scope = set(ruleset_towns)
        for group_id, town_id, star in groups:
            if town_id not in in_scope or star not in state.stars:
                continue
            ids = listed.get(group_id) or [v.pk for v in of_town[town_id]]
            items = []
            for village_id in ids:
                cell = state.cells.get((village_id, star))
                if cell is not None and cell.state in (Status.MISSING, Status.RETURNED):
                    items.append(MissingItem(village_id, names[village_id], star, cell.state))
            if items:
                result[group_id] = items
    return result
