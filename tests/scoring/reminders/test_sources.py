"""The missing and returned entries, from the real Entry model and rule set."""

from datetime import date

import pytest

from scoring.models import Cadence
from scoring.progress.models import Entry, EntryStatus
from scoring.reminders import sources
from scoring.stars import StarCode

pytestmark = pytest.mark.django_db
NOVEMBER = date(2026, 11, 1)


def monthly(ruleset, star):
    return list(ruleset.indicators.filter(star_id=star, cadence=Cadence.MONTHLY))


def report(village, indicators, status=EntryStatus.SUBMITTED, month=NOVEMBER):
    for indicator in indicators:
        Entry.objects.create(village=village, indicator=indicator, month=month, status=status)


def statuses(result, groups):
    return {star: [(i.village, i.status) for i in result.get(group.pk, [])]
            for star, group in groups.items()}


def test_a_star_is_complete_missing_or_returned_from_the_entries(ruleset, star_groups,
                                                                 village_a):
    report(village_a, monthly(ruleset, StarCode.INDUSTRY))
    report(village_a, monthly(ruleset, StarCode.ECOLOGY)[:-1])  # one indicator short
    safety = monthly(ruleset, StarCode.SAFETY)
    report(village_a, safety[1:])
    report(village_a, safety[:1], status=EntryStatus.RETURNED)
    report(village_a, monthly(ruleset, StarCode.CIVILITY), status=EntryStatus.DRAFT)
    report(village_a, monthly(ruleset, StarCode.BRANCH), month=date(2026, 10, 1))
    result = sources.missing_by_group([village_a.town_id], NOVEMBER)
    found = statuses(result, star_groups)
    assert found[StarCode.INDUSTRY] == []
    assert found[StarCode.ECOLOGY] == [("甲村", "missing")]
    assert found[StarCode.SAFETY] == [("甲村", "returned")]
    assert found[StarCode.CIVILITY] == []  # a draft is an entry (as on the completeness page)
    assert found[StarCode.BRANCH] == [("甲村", "missing")]  # October's do not count
    assert len(monthly(ruleset, StarCode.ECOLOGY)) > 1


def test_a_verified_month_leaves_nothing_missing(ruleset, star_groups, village_a):
    for star in StarCode.values:
        report(village_a, monthly(ruleset, star), status=EntryStatus.VERIFIED)
    assert sources.missing_by_group(None, NOVEMBER) == {}


def test_a_star_group_listing_no_villages_covers_its_whole_town(ruleset, star_groups,
                                                                village_a, town_a):
    from tests import factories
    other = factories.VillageFactory(town=town_a, name="乙庄村")
    industry = star_groups[StarCode.ECOLOGY]
    industry.villages.clear()
    result = sources.missing_by_group(None, NOVEMBER)
    assert [i.village for i in result[industry.pk]] == ["甲村", "乙庄村"]
    assert [i.village for i in result[star_groups[StarCode.SAFETY].pk]] == ["甲村"]
    assert other.pk


def test_the_counts_agree_with_the_completeness_page(ruleset, star_groups, village_a, town_a):
    from scoring.progress import completeness
    from tests import factories
    other = factories.VillageFactory(town=town_a, name="乙庄村")
    report(village_a, monthly(ruleset, StarCode.ECOLOGY)[:-1])
    report(other, monthly(ruleset, StarCode.SAFETY)[:1], status=EntryStatus.RETURNED)
    december = date(2026, 12, 1)  # quarterly and annual indicators are due too
    report(village_a, list(ruleset.indicators.all()), month=december)
    for month in (NOVEMBER, december):
        page = completeness.for_town(town_a, month)
        expected = {(v, s): cell.state for (v, s), cell in page.cells.items()
                    if cell.state in ("missing", "returned")}
        assert sources.village_star_states(ruleset, [village_a.pk, other.pk],
                                           month) == expected
