"""Town dashboard: matrix, top gaps, ranking with the ledger, pairing suggestions."""

import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from scoring.dashboards.models import Pairing, PairingActivity, PointsLedger
from scoring.dashboards.pairings import Candidate, suggest
from tests import factories
from tests.dashboards.conftest import NOV, assess, refresh

pytestmark = pytest.mark.django_db


def _board(client, user, town, **headers):
    client.force_login(user)
    response = client.get(reverse("dashboards:town", args=[town.code]),
                          {"month": "2026-11"}, **headers)
    assert response.status_code == 200
    return response


@pytest.fixture
def hand_made_town(town_a, town_b, ruleset):
    """Town A: 东村 5★, 南村 4★ (no civility), 西村 3★ (industry, ecology, safety),
    北村 2★ (industry, ecology), 中村 1★ (ecology). Town B (same county): 乙强村 4★."""
    names = {"东村": ["branch", "industry", "ecology", "safety", "civility"],
             "南村": ["industry", "ecology", "safety", "branch"],
             "西村": ["industry", "ecology", "safety"],
             "北村": ["industry", "ecology"], "中村": ["ecology"]}
    villages = {}
    for n, (name, stars) in enumerate(names.items()):
        villages[name] = factories.VillageFactory(town=town_a, name=name,
                                                  code=f"{town_a.prefix}{301 + n}")
        assess(villages[name], NOV, stars, ruleset,
               distance={"civility": 1, "safety": 2, "branch": 5},
               gaps={"civility": ["village_rules"], "branch": ["meetings_held"],
                     "safety": ["legal_publicity", "fire_station"]})
    villages["乙强村"] = factories.VillageFactory(town=town_b, name="乙强村")
    assess(villages["乙强村"], NOV, ["industry", "ecology", "safety", "civility"], ruleset)
    refresh(villages.values())
    return villages


def test_the_matrix_colours_earned_close_and_far(client, official_a, town_a, hand_made_town):
    board = _board(client, official_a, town_a).context["board"]
    rows = {r["village"].name: r["cells"] for r in board["matrix"]}
    # star order: branch, industry, ecology, safety, civility; civility 1 change = close,
    # safety 2 changes = close, branch 5 changes = far
    assert rows["西村"] == ["far", "earned", "earned", "earned", "close"]
    assert rows["中村"] == ["far", "far", "earned", "close", "close"]
    assert rows["东村"] == ["earned"] * 5


def test_top_gaps_count_the_villages_each_indicator_holds_back(client, official_a, town_a,
                                                              hand_made_town):
    gaps = {g["star"]: g["indicators"] for g in
            _board(client, official_a, town_a).context["board"]["top_gaps"]}
    assert gaps["civility"] == [{"code": "village_rules",
                                 "name": "“一约五会”（村规民约和红白理事会等）健全",
                                 "villages": 4}]
    assert [(i["code"], i["villages"]) for i in gaps["safety"]] == [
        ("fire_station", 2), ("legal_publicity", 2)]


def test_pairing_suggestions_on_the_hand_made_town(client, leader_a, town_a, hand_made_town):
    suggestions = {item["village"].name: [(s.partner.name, s.stars) for s in item["suggestions"]]
                   for item in _board(client, leader_a, town_a).context["board"]["suggestions"]}
    # 西村 (3★) lacks branch and civility: 南村 (4★) has branch, nearest level; then 东村;
    # only then the county: 乙强村 (4★, civility) of town B.
    assert suggestions["西村"] == [("南村", ("branch",)), ("东村", ("branch", "civility")),
                                  ("乙强村", ("civility",))]
    # 北村 (2★): 西村 is one level up and holds safety; 南村 and 东村 follow.
    assert suggestions["北村"] == [("西村", ("safety",)), ("南村", ("branch", "safety")),
                                  ("东村", ("branch", "safety", "civility"))]
    assert suggestions["中村"][0] == ("北村", ("industry",))
    assert "南村" not in suggestions and "东村" not in suggestions  # above three stars


def test_suggestions_prefer_the_nearest_level_then_more_stars_covered():
    weak = Candidate(1, "a", "甲", 1, frozenset({"ecology"}))
    two = Candidate(2, "b", "乙", 2, frozenset({"ecology", "safety"}))
    three = Candidate(3, "c", "丙", 3, frozenset({"ecology", "safety", "industry"}))
    same_level = Candidate(4, "d", "丁", 1, frozenset({"safety"}))
    assert [s.partner.name for s in suggest(weak, [three, two, same_level], [])] == ["乙", "丙"]


def test_the_ranking_adds_the_town_ledger_to_the_star_points(client, leader_a, town_a,
                                                            hand_made_town):
    PointsLedger.objects.create(town=town_a, village=hand_made_town["中村"],
                                date=date(2026, 10, 15), points=100, reason="省级表彰")
    PointsLedger.objects.create(town=town_a, village=hand_made_town["中村"],
                                date=date(2026, 6, 15), points=50, reason="上季度，不计")
    ranking = _board(client, leader_a, town_a).context["board"]["ranking"]
    top = ranking[0]
    assert (top.village.name, top.star_points, top.ledger_points) == ("东村", 425, 0)
    middle = next(r for r in ranking if r.village.name == "中村")
    assert (middle.star_points, middle.ledger_points, middle.total) == (245, 100, 345)
    assert [r.rank for r in ranking] == [1, 2, 3, 4, 5]


def test_a_leader_records_and_deletes_points_with_a_reason(client, leader_a, town_a,
                                                          hand_made_town):
    village = hand_made_town["西村"]
    client.force_login(leader_a)
    url = reverse("dashboards:points_add", args=[town_a.code])
    bad = client.post(url, {"village": village.pk, "date": "2026-11-02", "points": 0,
                            "reason": "无"})
    assert bad.status_code == 200 and "零分" in bad.content.decode()
    assert not PointsLedger.objects.exists()
    client.post(url, {"village": village.pk, "date": "2026-11-02", "points": -5,
                      "reason": "信访问题扣分"})
    entry = PointsLedger.objects.get()
    assert (entry.points, entry.town, entry.created_by) == (-5, town_a, leader_a)
    page = _board(client, leader_a, town_a).content.decode()
    assert "信访问题扣分" in page and "data-confirm" in page
    client.post(reverse("dashboards:points_delete", args=[entry.pk]))
    assert not PointsLedger.objects.exists()


def test_an_official_may_see_but_not_change_the_ledger(client, official_a, town_a):
    client.force_login(official_a)
    assert client.get(reverse("dashboards:points_add", args=[town_a.code])).status_code == 403


def test_a_leader_records_a_pairing_and_its_activities(client, leader_a, town_a,
                                                      hand_made_town):
    client.force_login(leader_a)
    weak, strong = hand_made_town["西村"], hand_made_town["乙强村"]
    response = client.post(reverse("dashboards:pairing_add", args=[town_a.code]),
                           {"village": weak.pk, "partner": strong.pk,
                            "star_choices": ["civility"], "started": "2026-11-03",
                            "note": "文明实践互学"})
    pairing = Pairing.objects.get()
    assert response["Location"] == reverse("dashboards:pairing", args=[pairing.pk])
    assert pairing.stars == "civility" and pairing.town == town_a
    client.post(reverse("dashboards:pairing", args=[pairing.pk]),
                {"date": "2026-11-10", "title": "观摩新时代文明实践站", "description": ""})
    assert PairingActivity.objects.get().title == "观摩新时代文明实践站"
    self_pair = client.post(reverse("dashboards:pairing_add", args=[town_a.code]),
                            {"village": weak.pk, "partner": weak.pk, "started": "2026-11-03"})
    assert self_pair.status_code == 200 and Pairing.objects.count() == 1


def test_a_town_leader_sees_only_their_town(client, leader_a, town_b, hand_made_town):
    client.force_login(leader_a)
    assert client.get(reverse("dashboards:town", args=[town_b.code])).status_code == 404
    other = hand_made_town["乙强村"]
    assert client.get(reverse("dashboards:village", args=[other.code])).status_code == 404


def _matrix_cells(page: str, name: str) -> list[str]:
    row = re.search(rf'<tr><th scope="row"[^>]*><a [^>]*>{name}</a></th>.*?</tr>', page)
    return re.findall(r'class="cell-(\w+)"', row.group(0))


def test_the_cached_board_follows_new_assessments_and_ledger_entries(
        client, leader_a, town_a, ruleset, hand_made_town):
    first = _board(client, leader_a, town_a)
    assert _matrix_cells(first.content.decode(), "中村")[1] == "far"
    assert "board" in first.context  # computed and cached
    again = _board(client, leader_a, town_a)
    assert "board" not in again.context  # the cached sections served as they are
    assert _matrix_cells(again.content.decode(), "中村")[1] == "far"
    assess(hand_made_town["中村"], NOV, ["ecology", "industry"], ruleset)
    refresh([hand_made_town["中村"]])
    assert _matrix_cells(_board(client, leader_a, town_a).content.decode(), "中村")[1] \
        == "earned"
    PointsLedger.objects.create(town=town_a, village=hand_made_town["中村"],
                                date=date(2026, 11, 1), points=7, reason="新加分")
    assert "新加分" in _board(client, leader_a, town_a).content.decode()


def test_the_cached_board_follows_a_renamed_village(client, leader_a, town_a,
                                                  hand_made_town):
    assert "中村" in _board(client, leader_a, town_a).content.decode()
    assert "board" not in _board(client, leader_a, town_a).context  # cached
    village = hand_made_town["中村"]
    village.name = "中心村"
    village.save()
    page = _board(client, leader_a, town_a).content.decode()
    assert "中心村" in page and ">中村<" not in page


def test_the_cached_page_carries_each_session_its_own_csrf_token(town_a, leader_a,
                                                                 hand_made_town):
    entry = PointsLedger.objects.create(town=town_a, village=hand_made_town["北村"],
                                        date=date(2026, 11, 2), points=-2, reason="迟报")
    delete_url = reverse("dashboards:points_delete", args=[entry.pk])
    form = re.compile(rf'action="{delete_url}" class="d-inline"><input type="hidden" '
                      r'name="csrfmiddlewaretoken" value="([^"]+)"')
    first = Client(enforce_csrf_checks=True)
    assert form.search(_board(first, leader_a, town_a).content.decode())
    second_leader = factories.user_with_role("town_leader", unit=town_a)
    second = Client(enforce_csrf_checks=True)
    page = _board(second, second_leader, town_a)
    assert "board" not in page.context  # served from the first leader's cached sections
    token = form.search(page.content.decode()).group(1)
    response = second.post(delete_url, {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert not PointsLedger.objects.exists()


def test_a_cached_page_for_a_leader_gives_an_official_no_controls(
        client, leader_a, official_a, town_a, hand_made_town):
    entry = PointsLedger.objects.create(town=town_a, village=hand_made_town["北村"],
                                        date=date(2026, 11, 2), points=-2, reason="迟报")
    pairing_add = reverse("dashboards:pairing_add", args=[town_a.code])
    leader_page = _board(client, leader_a, town_a).content.decode()
    assert f'href="{pairing_add}?village=' in leader_page
    assert reverse("dashboards:points_delete", args=[entry.pk]) in leader_page
    official_page = _board(client, official_a, town_a).content.decode()
    assert "迟报" in official_page and "北村" in official_page
    assert pairing_add not in official_page
    assert reverse("dashboards:points_delete", args=[entry.pk]) not in official_page


def test_the_cached_sections_follow_the_language(client, official_a, town_a, hand_made_town):
    chinese = _board(client, official_a, town_a, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "各村星级" in chinese.content.decode()
    english = _board(client, official_a, town_a, HTTP_ACCEPT_LANGUAGE="en")
    assert "Villages and their stars" in english.content.decode()
    assert "各村星级" not in english.content.decode()
