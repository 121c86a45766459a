"""Per role, the start page's to-do lists exactly the waiting items of the scenario
(tests/todo/conftest.py), nothing outside the user's jurisdiction, in a number of
queries that does not grow with the rows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from scoring import todo
from scoring.progress import completeness
from scoring.reviews.models import AppState, Objection
from tests import factories
from tests.reviews.fixtures import make_application
from tests.todo.conftest import MAY
from wuxing.accounts.models import User

pytestmark = pytest.mark.django_db


def _items(result, key):
    return [(item.text, item.count) for item in result.section(key).items]


def _fresh(user) -> User:
    return User.objects.get(pk=user.pk)  # no scopes cached from an earlier call


def _queries(user) -> int:
    user = _fresh(user)
    with CaptureQueriesContext(connection) as queries:
        todo.for_user(user)
    return len(queries)


def test_an_official_sees_the_missing_returned_and_draft_months_of_their_group(
        scenario, official_a):
    result = todo.for_user(_fresh(official_a))
    assert [s.key for s in result.sections] == ["missing", "returned", "drafts"]
    assert _items(result, "missing") == [("甲二村 2026-05", 2), ("甲村 2026-05", 1)]
    returned = result.section("returned").items
    assert [(i.text, i.reason) for i in returned] == [
        ("甲二村 2026-05 · 垃圾清运和人居环境集中整治按月开展", "照片模糊，请重拍")]
    assert _items(result, "drafts") == [("甲村 2026-05", 1)]
    # May locks at the end of 5 June: the deadline and the days left are on each item.
    assert {(i.deadline.isoformat(), i.days_left) for i in
            result.section("missing").items} == {("2026-06-05", 16)}
    assert result.count == 2 + 1 + 1 + 1


def test_the_official_counts_what_completeness_counts(scenario, official_a):
    result = todo.for_user(_fresh(official_a))
    page = completeness.for_group(scenario["group"], MAY)
    assert result.section("missing").count == page.totals()["missing_items"]
    assert len(result.section("returned").items) == page.totals()["returned_items"]


def test_a_town_leader_sees_verification_pre_review_and_months_to_reopen(
        scenario, leader_a):
    result = todo.for_user(_fresh(leader_a))
    assert [s.key for s in result.sections] == ["verify", "pre_review", "reopen"]
    assert _items(result, "verify") == [("甲村 2026-05", 1), ("甲二村 2026-05", 1)]
    assert result.section("verify").url == reverse("progress:verification")
    pre = result.section("pre_review").items
    assert [i.url for i in pre] == [reverse("reviews:detail",
                                            args=[scenario["town_step"].pk])]
    # April is locked; 甲二村's April was reopened, 甲村's has all its items missing.
    assert [i.text for i in result.section("reopen").items] == ["甲村 2026-04"]


def test_a_group_leader_sees_only_their_star_for_verification(scenario, official_a):
    group = scenario["group"]
    group.leader = official_a
    group.save()
    factories.enter(scenario["a2"], group.town.villages.first().entries.first().indicator
                    .ruleset, "road_hardening", MAY, 10, status="submitted")
    result = todo.for_user(_fresh(official_a))
    assert _items(result, "verify") == [("甲二村 2026-05", 1)]


def test_a_village_secretary_sees_their_village_and_applications(scenario, secretary_a,
                                                                 village_a):
    result = todo.for_user(_fresh(secretary_a))
    assert [s.key for s in result.sections] == ["missing", "returned", "applications",
                                                "notices"]
    expected = completeness.compute([village_a], MAY)
    assert result.section("missing").count == expected.totals()["missing_items"]
    ecology = next(i for i in result.section("missing").items if "生态宜居星" in i.text)
    assert (ecology.count, ecology.note) == (1, "道路（街巷）硬化面积")
    assert [(i.text, i.reason) for i in result.section("returned").items] == [
        ("2026-05 · 群众性文化活动", "活动照片缺失")]
    applications = result.section("applications").items
    assert [i.url for i in applications] == [
        reverse("reviews:detail", args=[scenario["returned_app"].pk])]
    assert applications[0].count == 1  # returned: the village must answer
    assert applications[0].reason == "产业兴旺星：缺少合作社分红凭证"
    assert result.section("notices").items == []


def test_a_secretary_sees_the_notice_of_their_village_running(scenario, secretary_a):
    in_notice = scenario["in_notice"]
    secretary = factories.user_with_role("village_secretary", village=in_notice.village)
    result = todo.for_user(secretary)
    notices = result.section("notices").items
    assert [(i.url, i.days_left) for i in notices] == [
        (reverse("reviews:notice", args=[scenario["cycle"].pk]), 4)]


def test_a_county_reviewer_sees_the_county_step_notices_objections_and_awards(
        scenario, reviewer_a):
    result = todo.for_user(_fresh(reviewer_a))
    assert [s.key for s in result.sections] == ["county_review", "notices_ending",
                                                "objections", "awards"]
    review = result.section("county_review").items
    assert [(i.url, i.note) for i in review] == [
        (reverse("reviews:detail", args=[scenario["county_step"].pk]), "已等待 5 天")]
    assert [i.text for i in result.section("notices_ending").items] == ["丙2村 · 产业兴旺星"]
    assert [i.url for i in result.section("objections").items] == [
        reverse("reviews:detail", args=[o.application_id]) for o in scenario["objections"]]
    assert [i.url for i in result.section("awards").items] == [
        reverse("reviews:detail", args=[scenario["to_award"].pk])]


def test_nothing_outside_the_jurisdiction_appears(scenario, official_b, village_b):
    town_b_leader = factories.user_with_role("town_leader", unit=village_b.town)
    texts = [i.text for s in todo.for_user(_fresh(town_b_leader)).sections for i in s.items]
    assert texts and all("乙村" in t for t in texts)
    for user in (official_b,):
        assert all(not s.items for s in todo.for_user(_fresh(user)).sections)
    observer = factories.user_with_role("observer", unit=village_b.town.parent)
    assert todo.for_user(observer).sections == []


def test_the_start_pages_open_with_the_to_do(scenario, client, official_a, leader_a,
                                             secretary_a, reviewer_a):
    for user, key in ((official_a, "missing"), (leader_a, "verify"),
                      (secretary_a, "returned"), (reviewer_a, "county_review")):
        client.force_login(user)
        response = client.get("/", follow=True)
        html = response.content.decode()
        assert 'id="todo"' in html and f'data-section="{key}"' in html, user
        # The to-do comes before the page's own content.
        assert html.index('id="todo"') < html.index("<h1"), user


def test_the_query_count_does_not_grow_with_the_rows(scenario, official_a, leader_a,
                                                    secretary_a, reviewer_a, ruleset):
    users = {"official": official_a, "leader": leader_a, "secretary": secretary_a,
             "county": reviewer_a}
    before = {name: _queries(user) for name, user in users.items()}
    town_a, cycle = official_a.memberships.get().unit, scenario["cycle"]
    for n in range(6):
        village = factories.VillageFactory(town=town_a, name=f"新村{n}")
        factories.enter(village, ruleset, "garbage_cleanup", MAY, True, status="returned",
                        return_reason="重填")
        factories.enter(village, ruleset, "trees_planted", MAY, 5, status="draft")
        factories.enter(village, ruleset, "criminal_cases", MAY, 0, status="submitted")
        make_application(cycle, village, official_a, AppState.TOWN)
        far = factories.VillageFactory(town=scenario["town_c"], name=f"丙新{n}")
        app = make_application(cycle, far, scenario["applicant"], AppState.NOTICE,
                               notice=scenario["in_notice"].notice,
                               approved_stars=["industry"],
                               state_since=timezone.now() - timedelta(days=n))
        Objection.objects.create(application=app, text="异议")
        make_application(cycle, factories.VillageFactory(town=scenario["town_c"]),
                         scenario["applicant"], AppState.COUNTY)
    after = {name: _queries(user) for name, user in users.items()}
    assert after == before
    assert before == {"official": 10, "leader": 9, "secretary": 9, "county": 4}


def test_the_village_list_shows_each_villages_state_by_colour_and_text(scenario, client,
                                                                       official_a):
    factories.VillageFactory(town=scenario["a2"].town, name="甲三村")  # nothing entered
    client.force_login(official_a)
    html = client.get(reverse("villages:list")).content.decode()
    # Over every star's May items: 甲村 and 甲二村 have returned items, 甲三村 none at all.
    assert html.count('data-state="returned"') == 2
    assert '<span class="badge state-returned" data-state="returned">进展被退回</span>' in html
    assert '<span class="badge state-missing" data-state="missing">有缺报</span>' in html
    progress = client.get(reverse("progress:index")).content.decode()
    assert progress.count('data-state="returned"') == 2
    assert progress.count('data-state="missing"') == 1


def test_village_states_count_as_the_reminders_count(scenario, village_a, ruleset):
    from scoring.reminders.sources import village_star_states
    states = todo.village_states([village_a, scenario["a2"]], MAY)
    assert states == {village_a.pk: completeness.RETURNED,
                      scenario["a2"].pk: completeness.RETURNED}
    assert village_star_states(ruleset, [village_a.pk], MAY)[(village_a.pk, "civility")] \
        == completeness.RETURNED


def test_a_long_verification_list_is_counted_whole_and_listed_oldest_first(
        scenario, frozen, leader_a, ruleset):
    town = leader_a.memberships.get().unit
    for n in range(todo.ITEMS_SHOWN + 3):
        frozen.shift(timedelta(minutes=1))
        village = factories.VillageFactory(town=town, name=f"排{n:02d}村")
        factories.enter(village, ruleset, "criminal_cases", MAY, 0, status="submitted")
        factories.enter(village, ruleset, "petitions_beyond", MAY, 0, status="submitted")
    section = todo.for_user(_fresh(leader_a)).section("verify")
    assert section.count == 2 + 2 * (todo.ITEMS_SHOWN + 3)
    assert len(section.shown) == todo.ITEMS_SHOWN
    assert section.hidden == 2 + todo.ITEMS_SHOWN + 3 - todo.ITEMS_SHOWN
    assert [i.text for i in section.shown][:3] == ["甲村 2026-05", "甲二村 2026-05",
                                                   "排00村 2026-05"]
