"""The quarterly bulletin (季度通报) of a town or a county."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from scoring.models import AssessmentKind
from villages.models import AdminUnit, Village

from .models import Pairing, UnitMonthSummary
from .periods import Quarter
from .towns import Ranked, indicator_names, ledger_sums, ranking, statuses_by_village, top_gaps


@dataclass
class LevelChange:
    village: Village
    before: int | None
    after: int

    @property
    def delta(self) -> int:
        return self.after - (self.before or 0)


@dataclass
class Bulletin:
    unit: AdminUnit
    quarter: Quarter
    month: date
    ranking: list[Ranked]
    changes: list[LevelChange]
    top_gaps: list[dict]
    pairings: list[Pairing]
    summary: UnitMonthSummary | None
    towns: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"{self.unit.name} {self.quarter.year}年第{self.quarter.number}季度五星支部创建通报"


def bulletin_for(unit: AdminUnit, quarter: Quarter,
                 kind: str = AssessmentKind.OFFICIAL) -> Bulletin:
    month = quarter.status_month()
    before_month = quarter.previous.status_month()
    villages = list(Village.objects.under(unit.prefix).only("id", "code", "name", "town_id"))
    statuses = statuses_by_village(unit.prefix, month, kind)
    before = statuses_by_village(unit.prefix, before_month, kind)
    ranked = ranking(statuses, villages, quarter, ledger_sums(unit.prefix, quarter))
    changes = [LevelChange(v, before[v.pk].level if v.pk in before else None,
                           statuses[v.pk].level)
               for v in villages if v.pk in statuses
               and (v.pk not in before or before[v.pk].level != statuses[v.pk].level)]
    changes.sort(key=lambda c: (-c.delta, c.village.code))
    summary = UnitMonthSummary.objects.filter(prefix=unit.prefix, month=month,
                                              kind=kind).first()
    pairings = list(Pairing.objects.filter(town__code__startswith=unit.prefix,
                                           started__lt=quarter.end_day)
                    .select_related("village", "partner").order_by("village__code"))
    towns = dict(AdminUnit.objects.filter(code__startswith=unit.prefix, level="town")
                 .values_list("id", "name"))
    return Bulletin(unit, quarter, month, ranked, changes,
                    top_gaps(summary, indicator_names(unit.code, month.year)), pairings,
                    summary, towns)
