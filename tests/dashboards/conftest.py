"""Hand-made assessments for dashboard tests: rows as the engine would store them."""

from datetime import date

import pytest

from scoring.dashboards import summaries
from scoring.engine import STAR_CODES
from scoring.models import Assessment
from tests import factories

NOV = date(2026, 11, 1)


def assess(village, month, stars, ruleset, *, distance=None, gaps=None, kind="official",
           score=None):
    """Store an assessment with `stars` earned; each other star `distance` changes away
    (default 3), held back by `gaps[star]` (default one indicator "gap_<star>")."""
    distance, gaps = distance or {}, gaps or {}
    missing = [s for s in STAR_CODES if s not in stars]
    result = {"level": len(stars), "gaps": [
        {"star": s, "changes": [{"indicator": code} for code in gaps.get(s, [f"gap_{s}"])],
         "total_changes": distance.get(s, 3), "requires_stars": [], "points_shortfall": 0}
        for s in missing]}
    scores = {s: (score if score is not None else 85) if s in stars else 40
              for s in STAR_CODES}
    row, _ = Assessment.objects.update_or_create(
        village=village, month=month, kind=kind,
        defaults={"ruleset": ruleset, "level": len(stars),
                  "stars": "+".join(s for s in STAR_CODES if s in stars),
                  "scores": scores, "result": result})
    return row


def refresh(villages, month=NOV):
    summaries.refresh([v.pk for v in villages], month)


@pytest.fixture
def reviewer(town_a):
    """A county reviewer of town A's county."""
    return factories.user_with_role("county_reviewer", unit=town_a.parent)
