"""County (and city, province) overview from the unit summaries; county targets."""

import pytest
from django.urls import reverse

from scoring.dashboards.models import CountyTarget
from tests import factories
from tests.dashboards.conftest import NOV, assess, refresh

pytestmark = pytest.mark.django_db


def test_the_county_overview_shows_towns_by_level_and_progress_to_targets(
        client, reviewer, town_a, town_b, ruleset):
    levels = {town_a: [3, 3, 4, 5], town_b: [2, 3]}
    villages = []
    for town, town_levels in levels.items():
        for level in town_levels:
            village = factories.VillageFactory(town=town)
            assess(village, NOV, ["branch", "industry", "ecology", "safety",
                                  "civility"][5 - level:], ruleset)
            villages.append(village)
    refresh(villages)
    county = town_a.parent
    CountyTarget.objects.create(county=county, year=2026, min_level_all=3, share_four_plus=30)
    client.force_login(reviewer)
    response = client.get(reverse("dashboards:unit", args=[county.code]), {"month": "2026-11"})
    overview = response.context["overview"]
    rows = {r["unit"].name: r["levels"] for r in overview["rows"]}
    assert rows[town_a.name] == [0, 0, 0, 2, 1, 1]
    assert rows[town_b.name] == [0, 0, 1, 1, 0, 0]
    progress = overview["progress"]
    assert (progress["at_minimum"], progress["villages"], progress["below_minimum"]) == (5, 6, 1)
    assert progress["share_four_plus"] == 33.3 and progress["met_four_plus"]
    assert not progress["met_minimum"]
    page = response.content.decode()
    assert reverse("dashboards:town", args=[town_a.code]) in page
    assert 'id="unit-trend-data"' in page


def test_city_and_province_overviews_read_the_summaries(client, demo, ruleset):
    from villages.models import Village
    villages = list(Village.objects.under("410902")[:4])
    for village in villages:
        assess(village, NOV, ["industry", "ecology", "safety"], ruleset)
    refresh(villages)
    admin = demo["admin"]
    client.force_login(admin)
    province = client.get(reverse("dashboards:unit", args=["410000000000"]),
                          {"month": "2026-11"}).context["overview"]
    assert [r["levels"][3] for r in province["rows"]] == [4]
    assert province["summary"].villages == 34


def test_a_town_user_cannot_open_the_county_overview(client, official_a, town_a):
    client.force_login(official_a)
    county = town_a.parent
    assert client.get(reverse("dashboards:unit", args=[county.code])).status_code == 404
    response = client.get(reverse("dashboards:unit", args=[town_a.code]))
    assert response["Location"] == reverse("dashboards:town", args=[town_a.code])


def test_the_cached_overview_follows_a_new_county_target(client, reviewer, town_a, ruleset):
    village = factories.VillageFactory(town=town_a)
    assess(village, NOV, ["branch", "industry", "ecology", "safety"], ruleset)
    refresh([village])
    county = town_a.parent
    client.force_login(reviewer)
    url = reverse("dashboards:unit", args=[county.code])
    english = {"month": "2026-11"}
    first = client.get(url, english, HTTP_ACCEPT_LANGUAGE="en")
    assert "overview" in first.context and "Target 30%" not in first.content.decode()
    again = client.get(url, english, HTTP_ACCEPT_LANGUAGE="en")
    assert "overview" not in again.context  # the cached sections served as they are
    CountyTarget.objects.create(county=county, year=2026, min_level_all=3, share_four_plus=30)
    assert "Target 30%" in client.get(url, english, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get(url, english, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "Target 30%" not in chinese and "30%" in chinese


def test_the_cached_overview_follows_a_renamed_town(client, reviewer, town_a, ruleset):
    village = factories.VillageFactory(town=town_a)
    assess(village, NOV, ["industry"], ruleset)
    refresh([village])
    client.force_login(reviewer)
    url = reverse("dashboards:unit", args=[town_a.parent.code])
    assert town_a.name in client.get(url, {"month": "2026-11"}).content.decode()
    assert "overview" not in client.get(url, {"month": "2026-11"}).context  # cached
    town_a.name = "新甲镇"
    town_a.save()
    assert "新甲镇" in client.get(url, {"month": "2026-11"}).content.decode()


def test_an_administrator_lands_on_the_top_of_the_tree(client, admin_user, town_a):
    from villages.models import AdminUnit
    top = AdminUnit.objects.top_code()
    assert top == town_a.parent.code  # the county made by the factories has no parent
    client.force_login(admin_user)
    for mine, page in (("dashboards:mine", "dashboards:unit"),
                       ("rulesets:mine", "rulesets:in_force")):
        response = client.get(reverse(mine))
        assert response["Location"] == reverse(page, args=[top])
        assert client.get(response["Location"]).status_code == 200
