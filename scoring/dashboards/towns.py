"""The town dashboard: the star matrix, top gaps, points and ranking, pairings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Sum

from scoring import services
from scoring.engine import STAR_CODES
from scoring.models import Indicator
from scoring.stars import StarCode
from villages.models import Village

from .models import Pairing, PointsLedger, UnitMonthSummary, VillageStatus
from .pairings import Candidate, suggest
from .periods import Quarter

# A star is "close" when at most this many indicators must change to earn it.
CLOSE_CHANGES = 2
TOP_GAPS = 3


def star_names() -> list[tuple[str, str]]:
    return [(code, StarCode(code).label) for code in STAR_CODES]


def cell_state(status: VillageStatus | None, star: str) -> str:
    if status is None:
        return "none"
    if star in status.earned:
        return "earned"
    return "close" if status.distance.get(star, 99) <= CLOSE_CHANGES else "far"


def indicator_names(division_code: str, year: int) -> dict[str, str]:
    ruleset = services.ruleset_for(division_code, year)
    if ruleset is None:
        return {}
    return dict(Indicator.objects.filter(ruleset=ruleset).values_list("code", "name"))


def top_gaps(summary: UnitMonthSummary | None, names: dict[str, str],
             limit: int = TOP_GAPS) -> list[dict]:
    """Per star, the indicators that hold the most villages back (the meeting agenda)."""
    if summary is None:
        return []
    rows = []
    for star in STAR_CODES:
        counts = summary.gap_counts.get(star, {})
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
        if ranked:
            rows.append({"star": star, "name": StarCode(star).label,
                         "indicators": [{"code": code, "name": names.get(code, code),
                                         "villages": n} for code, n in ranked]})
    return rows


@dataclass
class Ranked:
    rank: int
    village: Village | dict
    level: int
    star_points: int
    ledger_points: int

    @property
    def total(self) -> int:
        return self.star_points + self.ledger_points


def ranking(statuses: dict[int, VillageStatus], villages: list, quarter: Quarter,
            ledger: dict[int, int]) -> list[Ranked]:
    """Villages by star level first, then by points of the quarter (star scores at its
    status month plus the town's ledger): points never lift a village above one holding
    more stars. Equal level and points share a rank."""
    rows = [Ranked(0, v, statuses[v.pk].level if v.pk in statuses else 0,
                   statuses[v.pk].total_score if v.pk in statuses else 0,
                   ledger.get(v.pk, 0)) for v in villages]
    rows.sort(key=lambda r: (-r.level, -r.total, r.village.code))
    for index, row in enumerate(rows):
        previous = rows[index - 1] if index else None
        same = previous and (previous.level, previous.total) == (row.level, row.total)
        row.rank = previous.rank if same else index + 1
    return rows


def ledger_sums(prefix: str, quarter: Quarter) -> dict[int, int]:
    return dict(PointsLedger.objects.filter(
        village__code__startswith=prefix, date__gte=quarter.first_month,
        date__lt=quarter.end_day).values("village_id").order_by()
        .annotate(total=Sum("points")).values_list("village_id", "total"))


def statuses_by_village(prefix: str, month: date, kind: str) -> dict[int, VillageStatus]:
    return {s.village_id: s for s in VillageStatus.objects.filter(
        code__startswith=prefix, month=month, kind=kind).defer("scores", "gaps")}


def _candidate(status: VillageStatus, name: str) -> Candidate:
    return Candidate(status.village_id, status.code, name, status.level,
                     frozenset(status.earned))


def pairing_suggestions(town, villages: list[Village], statuses: dict[int, VillageStatus],
                        month: date, kind: str) -> list[dict]:
    names = {v.pk: v.name for v in villages}
    in_town = [_candidate(s, names[v]) for v, s in statuses.items() if v in names]
    county = [Candidate(v, code, name, level, frozenset(stars.split("+") if stars else ()))
              for v, code, name, level, stars in VillageStatus.objects.filter(
                  code__startswith=town.code[:6], month=month, kind=kind, level__gte=1)
              .exclude(code__startswith=town.prefix)
              .values_list("village_id", "code", "village__name", "level", "stars")]
    rows = []
    for candidate in sorted(in_town, key=lambda c: (c.level, c.code)):
        found = suggest(candidate, in_town, county)
        if found:
            rows.append({"village": candidate, "suggestions": found})
    return rows


def town_board(town, month: date, kind: str) -> dict:
    villages = list(Village.objects.filter(town=town).only("id", "code", "name"))
    statuses = statuses_by_village(town.prefix, month, kind)
    summary = UnitMonthSummary.objects.filter(prefix=town.prefix, month=month,
                                              kind=kind).first()
    quarter = Quarter.of(month)
    matrix = [{"village": v, "status": statuses.get(v.pk),
               "cells": [cell_state(statuses.get(v.pk), s) for s in STAR_CODES]}
              for v in villages]
    return {
        "not_assessed": len(villages) - sum(1 for v in villages if v.pk in statuses),
        "matrix": matrix, "summary": summary, "quarter": quarter,
        "top_gaps": top_gaps(summary, indicator_names(town.code, month.year)),
        "ranking": ranking(statuses, villages, quarter, ledger_sums(town.prefix, quarter)),
        "suggestions": pairing_suggestions(town, villages, statuses, month, kind),
        "pairings": list(Pairing.objects.filter(town=town)
                         .select_related("village", "partner")[:50]),
        "ledger": list(PointsLedger.objects.filter(town=town).select_related("village")[:20]),
    }
