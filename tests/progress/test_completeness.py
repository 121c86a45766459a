from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scoring.progress import completeness
from scoring.progress.completeness import COMPLETE, MISSING, NOT_DUE, RETURNED
from tests import factories
from villages.models import GroupKind, WorkingGroup

pytestmark = pytest.mark.django_db
MAY, JUNE = date(2026, 5, 1), date(2026, 6, 1)


def _monthly(ruleset, star):
    return list(ruleset.indicators.filter(star_id=star, cadence="monthly")
                .values_list("code", flat=True))


def test_a_village_without_entries_misses_every_monthly_indicator(ruleset, village_a):
    result = completeness.for_town(village_a.town, MAY)
    cell = result.cell(village_a.pk, "branch")
    assert cell.state == MISSING
    assert cell.due == len(_monthly(ruleset, "branch"))
    assert cell.missing == cell.due and cell.complete == 0
    assert set(cell.missing_codes) == set(_monthly(ruleset, "branch"))


def test_entering_every_due_indicator_completes_the_star(ruleset, village_a):
    for code in _monthly(ruleset, "branch"):
        kind = ruleset.indicators.get(code=code).kind
        factories.enter(village_a, ruleset, code, MAY, True if kind == "bool" else 1,
                        status="draft")
    result = completeness.for_town(village_a.town, MAY)
    assert result.cell(village_a.pk, "branch").state == COMPLETE
    assert result.cell(village_a.pk, "ecology").state == MISSING
    assert result.cell(village_a.pk, "industry").state == NOT_DUE  # annual and quarterly only


def test_a_returned_entry_is_counted_as_returned_not_complete(ruleset, village_a):
    code = _monthly(ruleset, "branch")[0]
    factories.enter(village_a, ruleset, code, MAY, True, status="returned",
                    return_reason="照片不清楚")
    cell = completeness.for_town(village_a.town, MAY).cell(village_a.pk, "branch")
    assert cell.returned == 1 and cell.state == RETURNED
    assert cell.missing == cell.due - 1


def test_quarterly_indicators_are_due_at_quarter_end_and_count_earlier_months(ruleset,
                                                                             village_a):
    quarterly = ruleset.indicators.filter(cadence="quarterly").first()
    assert quarterly is not None
    may = completeness.for_town(village_a.town, MAY).cell(village_a.pk, quarterly.star_id)
    assert quarterly.code not in may.missing_codes
    june = completeness.for_town(village_a.town, JUNE).cell(village_a.pk, quarterly.star_id)
    assert quarterly.code in june.missing_codes
    factories.enter(village_a, ruleset, quarterly.code, date(2026, 4, 1),
                    True if quarterly.kind == "bool" else 3, status="submitted")
    june = completeness.for_town(village_a.town, JUNE).cell(village_a.pk, quarterly.star_id)
    assert quarterly.code not in june.missing_codes


def test_no_rule_set_means_nothing_is_due(village_a):
    result = completeness.for_town(village_a.town, MAY)
    assert result.cell(village_a.pk, "branch").state == NOT_DUE
    assert result.totals()["due_items"] == 0


def test_a_star_group_sees_its_star_and_a_promotion_group_all_stars(ruleset, town_a,
                                                                    village_a):
    other = factories.VillageFactory(town=town_a)
    star_group = WorkingGroup.objects.create(town=town_a, kind=GroupKind.STAR,
                                             star="ecology", name="生态专班")
    star_result = completeness.for_group(star_group, MAY)
    assert star_result.stars == ("ecology",)
    assert {v.pk for v in star_result.villages} == {village_a.pk, other.pk}
    promo = WorkingGroup.objects.create(town=town_a, kind=GroupKind.PROMOTION, name="推进组")
    promo.villages.add(other)
    promo_result = completeness.for_group(promo, MAY)
    assert len(promo_result.stars) == 5
    assert [v.pk for v in promo_result.villages] == [other.pk]


def test_totals_count_cells_and_items(ruleset, town_a, village_a):
    factories.VillageFactory(town=town_a)
    totals = completeness.for_town(town_a, MAY).totals()
    assert totals[MISSING] == 8  # two villages × four stars with monthly items
    assert totals[NOT_DUE] == 2  # industry has nothing due in May
    assert totals["missing_items"] == totals["due_items"] > 0
    assert completeness.missing_by_village(completeness.for_town(town_a, MAY))[village_a.pk] \
        == totals["due_items"] // 2


def _queries(town) -> int:
    with CaptureQueriesContext(connection) as queries:
        completeness.for_town(town, MAY).totals()
    return len(queries)


def test_the_query_count_does_not_grow_with_villages_or_entries(ruleset, town_a, village_a):
    few = _queries(town_a)
    for village in factories.VillageFactory.create_batch(6, town=town_a):
        factories.enter(village, ruleset, "meetings_held", MAY, True, status="draft")
    assert _queries(town_a) == few <= 4
