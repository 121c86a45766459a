"""Completeness of a month's entries: villages × stars → complete / missing / returned.

Shared by the completeness page, the working-group grid, reminders and dashboards, so
the numbers agree everywhere. An indicator is *due* in a month by its cadence:

* monthly: every month;
* quarterly: the last month of each quarter (March, June, September, December);
* annual: December.

A due indicator is satisfied by a (not returned) entry anywhere in its period up to the
month: a quarterly figure entered in February already counts for March. Not yet due
indicators are left out. Everything is three queries for any number of villages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from scoring import engine, services
from scoring.models import Cadence, Indicator, RuleSet
from scoring.progress.models import Entry, EntryStatus
from scoring.stars import STAR_ORDER
from villages.models import GroupKind, Village, WorkingGroup

COMPLETE, MISSING, RETURNED, NOT_DUE = "complete", "missing", "returned", "not_due"


def period_start(cadence: str, month: date) -> date:
    """The first month of the cadence period holding `month`."""
    if cadence == Cadence.QUARTERLY:
        return month.replace(month=(month.month - 1) // 3 * 3 + 1)
    if cadence == Cadence.ANNUAL:
        return month.replace(month=1)
    return month


def is_due(cadence: str, month: date) -> bool:
    if cadence == Cadence.QUARTERLY:
        return month.month % 3 == 0
    if cadence == Cadence.ANNUAL:
        return month.month == 12
    return True


def reported(village_ids: list[int], indicators: Iterable[Indicator] | dict[int, str],
             month: date) -> dict[tuple[int, int], tuple[str, date]]:
    """(village id, indicator id) -> (status, month) of the latest entry in the
    indicator's cadence period up to `month`; absent: nothing reported for the period.

    The one definition of "reported" behind the completeness page, the month page, the
    grid, the reminders and the to-do lists (one query). A due indicator absent here is
    missing; one whose status is RETURNED is returned. `indicators`: Indicator rows, or
    indicator id -> cadence."""
    cadences = (indicators if isinstance(indicators, dict)
                else {i.pk: i.cadence for i in indicators})
    if not village_ids or not cadences:
        return {}
    starts = {pk: period_start(cadence, month) for pk, cadence in cadences.items()}
    entries = (Entry.objects.filter(indicator_id__in=list(starts),
                                    month__gte=min(starts.values()), month__lte=month)
               .order_by("month").values_list("village_id", "indicator_id", "month",
                                              "status"))
    # Past a few thousand ids an IN list costs more than reading the rule set's entries.
    if len(village_ids) < 5000:
        entries = entries.filter(village_id__in=village_ids)
    wanted = set(village_ids)
    found: dict[tuple[int, int], tuple[str, date]] = {}
    for village_id, indicator_id, entry_month, status in entries.iterator(5000):
        if village_id in wanted and entry_month >= starts[indicator_id]:
            found[(village_id, indicator_id)] = (status, entry_month)  # the latest wins
    return found


def latest_statuses(village_ids: list[int], cadences: dict[int, str],
                    month: date) -> dict[tuple[int, int], str]:
    """`reported` without the months: (village, indicator) -> status."""
    return {key: status for key, (status, _month) in
            reported(village_ids, cadences, month).items()}


@dataclass
class Cell:
    """One village and one star in a month."""

    village_id: int
    star: str
    due: int = 0
    complete: int = 0
    missing: int = 0
    returned: int = 0
    missing_codes: list[str] = field(default_factory=list)

    @property
    def state(self) -> str:
        if not self.due:
            return NOT_DUE
        if self.returned:
            return RETURNED
        if self.missing:
            return MISSING
        return COMPLETE


@dataclass
class Completeness:
    month: date
    ruleset: RuleSet | None
    villages: list[Village]
    stars: tuple[str, ...]
    cells: dict[tuple[int, str], Cell]

    def cell(self, village_id: int, star: str) -> Cell:
        return self.cells[(village_id, star)]

    def rows(self) -> list[tuple[Village, list[Cell]]]:
        return [(v, [self.cells[(v.pk, s)] for s in self.stars]) for v in self.villages]

    def totals(self) -> dict[str, int]:
        """Cells per state, plus indicator counts: due, complete, missing, returned."""
        out = {COMPLETE: 0, MISSING: 0, RETURNED: 0, NOT_DUE: 0,
               "due_items": 0, "complete_items": 0, "missing_items": 0, "returned_items": 0}
        for cell in self.cells.values():
            out[cell.state] += 1
            out["due_items"] += cell.due
            out["complete_items"] += cell.complete
            out["missing_items"] += cell.missing
            out["returned_items"] += cell.returned
        return out

    def star_totals(self) -> dict[str, dict[str, int]]:
        out = {s: {COMPLETE: 0, MISSING: 0, RETURNED: 0, NOT_DUE: 0} for s in self.stars}
        for (_v, star), cell in self.cells.items():
            out[star][cell.state] += 1
        return out

    def village_missing(self, village_id: int) -> int:
        return sum(self.cells[(village_id, s)].missing for s in self.stars)


def compute(villages: Iterable[Village], month: date, *, stars: Iterable[str] = STAR_ORDER,
            ruleset: RuleSet | None = None) -> Completeness:
    """Completeness of the villages (all under one county's rule set) for the month."""
    month = engine.month_start(month)
    villages = list(villages)
    stars = tuple(s for s in STAR_ORDER if s in set(stars))
    if ruleset is None and villages:
        ruleset = services.ruleset_for(villages[0].code, month.year)
    cells = {(v.pk, s): Cell(v.pk, s) for v in villages for s in stars}
    if ruleset is None or not villages:
        return Completeness(month, ruleset, villages, stars, cells)
    due = [i for i in Indicator.objects.filter(ruleset=ruleset, star_id__in=stars)
           .only("id", "code", "star_id", "cadence") if is_due(i.cadence, month)]
    if not due:
        return Completeness(month, ruleset, villages, stars, cells)
    found = reported([v.pk for v in villages], due, month)
    for village in villages:
        for ind in due:
            cell = cells[(village.pk, ind.star_id)]
            cell.due += 1
            status = found[(village.pk, ind.pk)][0] if (village.pk, ind.pk) in found else None
            if status is None:
                cell.missing += 1
                cell.missing_codes.append(ind.code)
            elif status == EntryStatus.RETURNED:
                cell.returned += 1
            else:
                cell.complete += 1
    return Completeness(month, ruleset, villages, stars, cells)


def for_town(town, month: date, *, villages=None) -> Completeness:
    """A town's villages × the five stars (`villages`: an optional page of them)."""
    if villages is None:
        villages = Village.objects.filter(town=town).order_by("code")
    return compute(villages, month, ruleset=services.ruleset_for(town.code, month.year))


def group_stars(group: WorkingGroup) -> tuple[str, ...]:
    """A star group works on its star; promotion groups and contact cadres on all five."""
    if group.kind == GroupKind.STAR and group.star:
        return (group.star,)
    return STAR_ORDER


def group_villages(group: WorkingGroup) -> list[Village]:
    """A star group covers the whole town unless villages are listed; others their list."""
    listed = list(Village.objects.filter(groups=group).order_by("code"))
    if group.kind == GroupKind.STAR and not listed:
        return list(Village.objects.filter(town_id=group.town_id).order_by("code"))
    return listed


def for_group(group: WorkingGroup, month: date) -> Completeness:
    return compute(group_villages(group), month, stars=group_stars(group),
                   ruleset=services.ruleset_for(group.town.code, month.year))


def missing_by_village(result: Completeness) -> dict[int, int]:
    """Missing indicator count per village (for reminders)."""
    out: dict[int, int] = defaultdict(int)
    for (village_id, _star), cell in result.cells.items():
        out[village_id] += cell.missing
    return dict(out)
