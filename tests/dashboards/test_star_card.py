"""The village star card: live result beside the award, per-star tables, gaps, risks."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from scoring import services
from tests import factories
from tests.dashboards.builders import earn
from villages.models import Village

pytestmark = pytest.mark.django_db
NOV = date(2026, 11, 1)


def _card(client, user, village, **params):
    client.force_login(user)
    with time_machine.travel("2026-11-20 10:00 +0800", tick=False):
        response = client.get(reverse("dashboards:village", args=[village.code]), params)
    assert response.status_code == 200
    return response


def test_the_card_shows_three_stars_and_the_gap_to_the_fourth_closest_first(
        client, ruleset, village_a, secretary_a):
    earn(village_a, ruleset, NOV, ["industry", "ecology", "safety"])
    services.recompute(Village.objects.filter(pk=village_a.pk), NOV)
    response = _card(client, secretary_a, village_a)
    card = response.context["card"]
    assert card.level == 3
    assert [s["code"] for s in card.stars() if s["earned"]] == ["industry", "ecology",
                                                                "safety"]
    gaps = card.gaps()
    assert [g["star"] for g in gaps] == ["civility", "branch"]  # closest star first
    first = gaps[0]["changes"][0]
    assert first == {"indicator": "星级文明户覆盖率", "reason": "未填报",
                     "target": "≥ 80%", "actual": "—", "shortfall": "", "points_gain": 0,
                     "evidence": "1 份文件", "months": []}
    page = response.content.decode()
    assert page.index("文明幸福星") < page.index("支部过硬星", page.index('id="next-title"'))
    assert "尚未评定" in page  # awarded stars not yet from the review workflow
    assert "2 张照片" in page  # the service centre needs two photos


def test_a_value_below_the_threshold_is_worded_with_what_is_missing(client, ruleset,
                                                                   village_a, official_a):
    earn(village_a, ruleset, NOV, ["industry"], skip={"collective_income"})
    factories.enter(village_a, ruleset, "collective_income", NOV, 60000)
    response = _card(client, official_a, village_a)
    industry = next(g for g in response.context["card"].gaps() if g["star"] == "industry")
    change = next(c for c in industry["changes"] if c["indicator"] == "村集体经济收入")
    # 60,000 yuan scores 20 points; only the top step (40) lifts the star to its pass mark
    assert change["target"] == "≥ 200000 元"
    assert change["actual"] == "60000" and change["shortfall"] == "140000"
    assert change["evidence"] == "1 份文件"
    rows = {r["name"]: r for s in response.context["card"].stars() for r in s["indicators"]}
    assert (rows["村集体经济收入"]["points"], rows["村集体经济收入"]["max_points"]) == (20, 40)
    assert rows["村集体经济收入"]["threshold"] == "≥ 50000 / 100000 / 200000 元"
    assert rows["带动群众分红项目"]["met"] is True


def test_the_preview_counts_drafts_and_is_told_apart(client, ruleset, village_a, official_a):
    earn(village_a, ruleset, NOV, ["safety"], skip={"criminal_cases"})
    factories.enter(village_a, ruleset, "criminal_cases", NOV, 1, status="draft")
    official = _card(client, official_a, village_a).context["card"]
    preview = _card(client, official_a, village_a, kind="preview")
    assert "safety" not in [g["star"] for g in official.gaps()]
    assert "safety" in [g["star"] for g in preview.context["card"].gaps()]
    assert "预览" in preview.content.decode()


def test_the_trend_has_a_table_and_chart_data_for_each_stored_month(client, ruleset,
                                                                   village_a, official_a):
    earn(village_a, ruleset, NOV, ["ecology"])
    for month in (date(2026, 9, 1), date(2026, 10, 1), NOV):
        services.recompute(Village.objects.filter(pk=village_a.pk), month)
    response = _card(client, official_a, village_a)
    chart = response.context["card"].chart()
    assert chart["months"] == ["2026-09", "2026-10", "2026-11"]
    assert chart["level"] == [0, 0, 1]
    page = response.content.decode()
    assert 'id="trend-data"' in page and 'id="trend-table"' in page
    assert "<script>" not in page.replace('<script id="trend-data"', "")  # no inline JS


def test_a_secretary_sees_only_their_own_card(client, secretary_a, village_a, town_a):
    neighbour = factories.VillageFactory(town=town_a)
    client.force_login(secretary_a)
    assert client.get(reverse("dashboards:village", args=[neighbour.code])).status_code == 404
    assert client.get(reverse("dashboards:town", args=[town_a.code])).status_code == 404
    assert client.get(reverse("home"))["Location"] == reverse("dashboards:village",
                                                              args=[village_a.code])
