"""A save invalidates what it changed: its town's page, and the county's pages only when
the rows they read (town summaries, the county's pairing pool) changed."""

import pytest
from django.urls import reverse

from tests import factories
from tests.dashboards.conftest import NOV, assess, refresh

pytestmark = pytest.mark.django_db
FOUR = ["branch", "industry", "ecology", "safety"]
MONTH = {"month": "2026-11"}


@pytest.fixture
def county_of_two_towns(town_a, town_b, ruleset):
    assert town_a.parent_id == town_b.parent_id
    villages = {"甲一村": (town_a, ["industry"]), "甲二村": (town_a, FOUR),
                "乙一村": (town_b, ["ecology"])}
    made = {}
    for n, (name, (town, stars)) in enumerate(villages.items()):
        made[name] = factories.VillageFactory(town=town, name=name,
                                              code=f"{town.prefix}{401 + n}")
        assess(made[name], NOV, stars, ruleset)
    refresh(made.values())
    return made


def _computed(client, user, url) -> bool:
    """Whether the page was computed afresh (its sections were not served from cache)."""
    client.force_login(user)
    response = client.get(url, MONTH)
    assert response.status_code == 200
    return "board" in response.context or "overview" in response.context


@pytest.fixture
def pages(town_a, town_b, reviewer):
    leader_b = factories.user_with_role("town_leader", unit=town_b)
    leader_a = factories.user_with_role("town_leader", unit=town_a)
    return {"town A": (leader_a, reverse("dashboards:town", args=[town_a.code])),
            "town B": (leader_b, reverse("dashboards:town", args=[town_b.code])),
            "county": (reviewer, reverse("dashboards:unit", args=[town_a.parent.code]))}


def _warm(client, pages) -> None:
    for user, url in pages.values():
        _computed(client, user, url)
        assert not _computed(client, user, url)  # cached from now on


def test_a_save_that_leaves_the_county_totals_invalidates_only_its_town(
        client, pages, county_of_two_towns, ruleset):
    _warm(client, pages)
    # A different score, same stars and gaps: the village's row changes, no summary does.
    assess(county_of_two_towns["甲一村"], NOV, ["industry"], ruleset, score=99)
    refresh([county_of_two_towns["甲一村"]])
    assert _computed(client, *pages["town A"])
    assert not _computed(client, *pages["town B"])
    assert not _computed(client, *pages["county"])


def test_a_save_that_changes_the_county_totals_invalidates_the_county_pages(
        client, pages, county_of_two_towns, ruleset):
    _warm(client, pages)
    # 甲一村 earns a second star: its town's level counts change, and so does the pool
    # of partners that town B's pairing suggestions draw on.
    assess(county_of_two_towns["甲一村"], NOV, ["industry", "safety"], ruleset)
    refresh([county_of_two_towns["甲一村"]])
    assert all(_computed(client, *pages[name]) for name in ("town A", "town B", "county"))
    leader_b, url_b = pages["town B"]
    client.force_login(leader_b)
    board_b = client.get(url_b, MONTH).content.decode()
    assert "甲一村" in board_b  # now a partner for 乙一村 (it holds the industry star)


def test_a_nothing_changing_recompute_invalidates_nothing(client, pages,
                                                         county_of_two_towns):
    _warm(client, pages)
    refresh([county_of_two_towns["甲一村"]])  # the same assessment stored again
    assert not any(_computed(client, *page) for page in pages.values())


def test_a_ledger_entry_invalidates_its_town_page_only(client, pages, town_a,
                                                        county_of_two_towns):
    from datetime import date

    from scoring.dashboards.models import PointsLedger
    _warm(client, pages)
    PointsLedger.objects.create(town=town_a, village=county_of_two_towns["甲一村"],
                                date=date(2026, 11, 2), points=3, reason="加分")
    assert _computed(client, *pages["town A"])
    assert not _computed(client, *pages["town B"])
    assert not _computed(client, *pages["county"])


def test_a_bulk_recompute_invalidates_every_page_of_its_towns_once(client, pages,
                                                                  county_of_two_towns):
    from scoring.dashboards import summaries
    _warm(client, pages)
    # A rule set published: results may be equal and still the indicator names differ.
    summaries.refresh_units([v.pk for v in county_of_two_towns.values()], NOV)
    assert all(_computed(client, *page) for page in pages.values())
