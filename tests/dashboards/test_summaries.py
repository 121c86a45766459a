"""Summaries stay in step with the assessments: by signal, and by the rebuild command."""

from datetime import date

import pytest
from django.core.management import call_command

from scoring import services
from scoring.dashboards.models import UnitMonthSummary, VillageStatus
from tests import factories
from tests.dashboards.builders import earn
from tests.dashboards.conftest import NOV, assess, refresh
from villages.models import AdminUnit, Village

pytestmark = pytest.mark.django_db


def _snapshot():
    return sorted((s.prefix, s.depth, s.month, s.kind, s.villages, s.assessed,
                   tuple(sorted(s.level_counts.items())), tuple(sorted(s.star_counts.items())),
                   str(sorted(s.gap_counts.items())))
                  for s in UnitMonthSummary.objects.all())


def test_a_recompute_refreshes_the_town_and_county_summaries(ruleset, town_a):
    strong, weak = factories.VillageFactory.create_batch(2, town=town_a)
    factories.VillageFactory(town=town_a)  # never assessed
    earn(strong, ruleset, NOV, ["industry", "ecology", "safety"])
    services.recompute(Village.objects.filter(pk__in=[strong.pk, weak.pk]), NOV)

    town = UnitMonthSummary.objects.get(prefix=town_a.prefix, month=NOV, kind="official")
    assert (town.villages, town.assessed) == (3, 2)
    assert town.level_counts == {"0": 1, "1": 0, "2": 0, "3": 1, "4": 0, "5": 0}
    assert town.star_counts["industry"] == 1 and town.star_counts["civility"] == 0
    assert town.gap_counts["civility"]["civilised_households"] == 2
    county = UnitMonthSummary.objects.get(prefix=town_a.code[:6], month=NOV, kind="official")
    assert (county.depth, county.villages, county.level_counts["3"]) == (6, 3, 1)
    status = VillageStatus.objects.get(village=strong, month=NOV, kind="official")
    assert status.stars == "industry+ecology+safety" and status.total_score == 245
    assert status.distance["civility"] == 4


def test_a_changed_assessment_moves_the_counts_up_to_the_province(ruleset, demo):
    villages = list(Village.objects.under("410902101")[:3])
    for village in villages:
        assess(village, NOV, ["industry"], ruleset)
    refresh(villages)
    assess(villages[0], NOV, ["industry", "ecology", "safety"], ruleset)
    refresh(villages[:1])
    for prefix in ("410902101", "410902", "4109", "41"):
        summary = UnitMonthSummary.objects.get(prefix=prefix, month=NOV, kind="official")
        assert summary.level_counts["1"] == 2 and summary.level_counts["3"] == 1, prefix
    assert UnitMonthSummary.objects.get(prefix="41", month=NOV, kind="official").villages == 34


def test_the_rebuild_command_gives_the_same_summaries_as_the_signals(ruleset, demo):
    yuecun = list(Village.objects.under("410902101")[:6])
    mengke = list(Village.objects.under("410902201")[:2])
    for n, village in enumerate(yuecun + mengke):
        assess(village, NOV, ["industry", "ecology", "safety", "civility"][: n % 5], ruleset,
               gaps={"branch": ["meetings_held", "secretary_trained"]})
        assess(village, date(2026, 10, 1), ["industry"], ruleset, kind="preview")
    refresh(yuecun + mengke)
    refresh(yuecun + mengke, date(2026, 10, 1))
    incremental = _snapshot()
    UnitMonthSummary.objects.all().delete()
    VillageStatus.objects.all().delete()
    call_command("rebuild_summaries")
    assert _snapshot() == incremental
    assert AdminUnit.objects.filter(code="410902101000").exists()
