from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scoring.progress.models import Entry, EntryStatus
from tests import factories
from tests.progress.conftest import MAY

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def _url(name, village, code=None):
    args = [village.code, "2026-05"] + ([code] if code else [])
    return reverse(f"progress:{name}", args=args)


def test_the_month_page_groups_indicators_by_star_with_hints(client, official_a, village_a,
                                                             ruleset, in_may):
    client.force_login(official_a)
    page = client.get(_url("month", village_a)).content.decode()
    assert "支部过硬星" in page and "产业兴旺星" in page
    assert "党员积分制管理覆盖率" in page
    assert "≥ 90%" in page  # the threshold as a hint
    assert 'id="star-preview"' in page


def test_saving_a_value_returns_the_row_and_the_updated_preview(client, official_a,
                                                                village_a, ruleset, in_may):
    client.force_login(official_a)
    response = client.post(_url("save", village_a, "member_points_rate"),
                           {"value": "95", "version": "0"}, **HX)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="ind-member_points_rate"' in body
    assert 'id="star-preview" class="card mb-3" hx-swap-oob="true"' in body
    assert 'data-star="branch" data-score="25"' in body
    entry = Entry.objects.get(village=village_a, indicator__code="member_points_rate")
    assert entry.value_number == Decimal("95.00") and entry.status == EntryStatus.DRAFT
    assert entry.entered_by == official_a and entry.version == 1


@pytest.mark.parametrize("code,value,message", [
    ("member_points_rate", "abc", "不是数字"),
    ("member_points_rate", "-3", "不能为负数"),
    ("member_points_rate", "101", "不能超过100"),
    ("members_recruited", "1.5", "整数"),
    ("meetings_held", "maybe", "请回答“是”或“否”"),
    ("featured_industry", "国家级", "请从以下选项中选择"),
    ("member_points_rate", "", "请填写"),
])
def test_bad_values_are_refused_with_a_message_and_nothing_stored(
        client, official_a, village_a, ruleset, in_may, code, value, message):
    client.force_login(official_a)
    body = client.post(_url("save", village_a, code), {"value": value, "version": "0"},
                       **HX).content.decode()
    assert message in body
    assert f'value="{value}"' in body or value in ("maybe", "国家级", "")  # input kept
    assert not Entry.objects.exists()


def test_no_change_this_month_carries_last_months_value_explicitly(
        client, official_a, village_a, ruleset, in_may):
    factories.enter(village_a, ruleset, "member_points_rate", MAY.replace(month=4), 88)
    client.force_login(official_a)
    client.post(_url("carry", village_a, "member_points_rate"), {"version": "0"}, **HX)
    entry = Entry.objects.get(village=village_a, month=MAY)
    assert entry.carried and entry.value_number == 88


def test_a_summed_indicator_cannot_be_carried(client, official_a, village_a, ruleset,
                                              in_may):
    factories.enter(village_a, ruleset, "trees_planted", MAY.replace(month=4), 30)
    client.force_login(official_a)
    body = client.post(_url("carry", village_a, "trees_planted"), {"version": "0"},
                       **HX).content.decode()
    assert "累计" in body
    assert not Entry.objects.filter(month=MAY).exists()


def test_the_observer_sees_the_page_without_inputs(client, observer_a, village_a, ruleset,
                                                   in_may):
    client.force_login(observer_a)
    page = client.get(_url("month", village_a)).content.decode()
    assert "党员积分制管理覆盖率" in page
    assert 'name="value"' not in page


def test_the_history_of_an_entry_is_shown(client, official_a, village_a, ruleset, in_may):
    client.force_login(official_a)
    client.post(_url("save", village_a, "member_points_rate"), {"value": "80", "version": "0"})
    client.post(_url("save", village_a, "member_points_rate"), {"value": "85", "version": "1"})
    page = client.get(_url("month", village_a)).content.decode()
    assert "历史 (2)" in page
    assert str(official_a) in page


def _page_queries(client, user, village) -> int:
    client.force_login(user)
    client.get(_url("month", village))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_url("month", village)).status_code == 200
    return len(queries)


def test_the_month_page_query_count_does_not_grow_with_entries(client, official_a,
                                                               village_a, ruleset, in_may):
    factories.enter(village_a, ruleset, "meetings_held", MAY, True, status="draft")
    few = _page_queries(client, official_a, village_a)
    for code, value in (("member_points_rate", 90), ("members_recruited", 1),
                        ("garbage_cleanup", True), ("trees_planted", 4),
                        ("road_hardening", 200), ("legal_publicity", 1)):
        factories.enter(village_a, ruleset, code, MAY, value, status="draft")
        factories.enter(village_a, ruleset, code, MAY.replace(month=4), value)
    assert _page_queries(client, official_a, village_a) == few
    assert few <= 20


# Session, user, roles, village, rule set, indicators, the month's entries, earlier
# values, reported periods, period setting, reopen, evidence counts and entries of the
# preview, working groups; with entries, their evidence, history and evidence history.
MONTH_PAGE_QUERIES = 17
# Session, user, roles, village, rule set, indicator, period setting, reopen (read once
# for the check and the answer), the locked entry, its update and history row, later
# stored months and the durable recompute mark, then for the answer: earlier value,
# reported period, evidence, the entry's and its evidence's history, the preview's
# evidence counts and entries, working groups; two savepoints. The entry is not read again.
SAVE_QUERIES = 23


def _save_queries(client, village, code, value, version) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(_url("save", village, code),
                               {"value": value, "version": str(version)}, **HX)
    assert response.status_code == 200 and "已保存" in response.content.decode()
    return len(queries), len(response.templates)


def test_the_month_page_costs_a_fixed_number_of_queries(client, official_a, village_a,
                                                        ruleset, in_may):
    factories.enter(village_a, ruleset, "trees_planted", MAY, 3, status="draft")
    assert _page_queries(client, official_a, village_a) == MONTH_PAGE_QUERIES
    for code, value in (("member_points_rate", 90), ("garbage_cleanup", True),
                        ("legal_publicity", 1), ("meetings_held", True)):
        factories.enter(village_a, ruleset, code, MAY, value, status="draft")
    assert _page_queries(client, official_a, village_a) == MONTH_PAGE_QUERIES


def test_an_entry_save_costs_a_fixed_number_of_queries_and_templates(
        client, official_a, village_a, ruleset, in_may):
    client.force_login(official_a)
    client.post(_url("save", village_a, "member_points_rate"), {"value": "90", "version": "0"},
                **HX)
    few = _save_queries(client, village_a, "member_points_rate", "91", 1)
    for code, value in (("garbage_cleanup", True), ("legal_publicity", 1),
                        ("meetings_held", True), ("trees_planted", 4)):
        factories.enter(village_a, ruleset, code, MAY, value, status="draft")
        factories.enter(village_a, ruleset, code, MAY.replace(month=4), value)
    many = _save_queries(client, village_a, "member_points_rate", "92", 2)
    assert few == many
    assert few[0] == SAVE_QUERIES
