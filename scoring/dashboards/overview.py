"""Overview of a county, city or the province, read from the unit summaries only."""

from __future__ import annotations

from datetime import date

from villages.models import PREFIX_LENGTH, AdminUnit

from .models import CountyTarget, UnitMonthSummary
from .periods import last_months
from .summaries import CHILD_DEPTH


def share(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def progress(summary: UnitMonthSummary | None, target: CountyTarget | None) -> dict | None:
    """Where the unit stands against 三星全覆盖 and the share at four stars or more."""
    if summary is None:
        return None
    minimum = target.min_level_all if target else 3
    at_min = summary.count_at_least(minimum)
    four = summary.count_at_least(4)
    return {"minimum": minimum, "at_minimum": at_min, "villages": summary.villages,
            "below_minimum": summary.villages - at_min,
            "share_minimum": share(at_min, summary.villages),
            "four_plus": four, "share_four_plus": share(four, summary.villages),
            "target_four_plus": target.share_four_plus if target else None,
            "met_minimum": summary.villages > 0 and at_min == summary.villages,
            "met_four_plus": bool(target) and share(four, summary.villages)
            >= target.share_four_plus}


def unit_overview(unit: AdminUnit, month: date, kind: str) -> dict:
    depth = PREFIX_LENGTH[unit.level]
    child_depth = CHILD_DEPTH[depth]
    children = list(AdminUnit.objects.filter(parent=unit).only("code", "name", "level"))
    summaries = {s.prefix: s for s in UnitMonthSummary.objects.filter(
        month=month, kind=kind, depth=child_depth, prefix__startswith=unit.prefix)}
    rows = [{"unit": child, "summary": summaries.get(child.prefix),
             "levels": [summaries[child.prefix].level_counts.get(str(lv), 0)
                        if child.prefix in summaries else 0 for lv in range(6)],
             "share_three": share(summaries[child.prefix].count_at_least(3),
                                  summaries[child.prefix].villages)
             if child.prefix in summaries else 0.0}
            for child in children]
    months = last_months(month)
    trend = list(UnitMonthSummary.objects.filter(prefix=unit.prefix, kind=kind,
                                                 month__in=months).order_by("month"))
    own = next((s for s in trend if s.month == month), None)
    target = (CountyTarget.objects.filter(county=unit, year=month.year).first()
              if depth == 6 else None)
    return {"rows": rows, "summary": own, "trend": trend, "target": target,
            "progress": progress(own, target), "child_is_town": child_depth == 9,
            "trend_rows": [{"month": s.month.strftime("%Y-%m"),
                            "levels": [s.level_counts.get(str(lv), 0) for lv in range(6)],
                            "share": share(s.count_at_least(3), s.villages)} for s in trend],
            "chart": {"months": [s.month.strftime("%Y-%m") for s in trend],
                      "levels": {str(lv): [s.level_counts.get(str(lv), 0) for s in trend]
                                 for lv in range(6)},
                      "three_plus": [share(s.count_at_least(3), s.villages)
                                     for s in trend]}}
