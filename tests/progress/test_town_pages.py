"""The working-group grid, the completeness page and the Excel round trip."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from scoring.progress.models import Entry, PendingSheet
from tests import factories
from tests.progress.conftest import MAY
from villages.models import GroupKind, WorkingGroup

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def branch_group(town_a, village_a, official_a):
    group = WorkingGroup.objects.create(town=town_a, kind=GroupKind.STAR, star="branch",
                                        name="支部过硬星专班")
    group.members.add(official_a)
    group.villages.add(village_a)
    return group


def _grid(client, group):
    return client.get(reverse("progress:grid", args=[group.pk, "2026-05"]))


def test_a_star_group_member_gets_villages_by_that_stars_indicators(
        client, official_a, branch_group, town_a, village_a, ruleset, in_may):
    other = factories.VillageFactory(town=town_a, name="乙庄")
    branch_group.villages.add(other)
    factories.enter(village_a, ruleset, "member_points_rate", MAY, 88, status="draft")
    client.force_login(official_a)
    page = _grid(client, branch_group).content.decode()
    assert "甲村" in page and "乙庄" in page
    assert "党员积分制管理覆盖率" in page and "村集体经济收入" not in page
    assert page.count("cell-missing") >= 2  # due cells without an entry
    assert 'value="88"' in page, page[page.find("progress-grid"):][:3000]
    index = client.get(reverse("progress:index")).content.decode()
    assert "支部过硬星专班" in index


def test_a_promotion_group_gets_its_villages_across_all_stars(client, official_a, town_a,
                                                               village_a, ruleset, in_may):
    group = WorkingGroup.objects.create(town=town_a, kind=GroupKind.PROMOTION, name="东管区")
    group.villages.add(village_a)
    factories.VillageFactory(town=town_a, name="不在组里的村")
    client.force_login(official_a)
    page = _grid(client, group).content.decode()
    assert "党员积分制管理覆盖率" in page and "村集体经济收入" in page
    assert "不在组里的村" not in page


def test_a_grid_cell_saves_on_change_and_returns_the_cell(client, official_a, branch_group,
                                                          village_a, ruleset, in_may):
    client.force_login(official_a)
    url = reverse("progress:save", args=[village_a.code, "2026-05", "member_points_rate"])
    body = client.post(url, {"value": "93", "version": "0", "grid": "1"}, **HX).content.decode()
    assert body.lstrip().startswith("<td") and 'value="93"' in body
    assert 'name="version" value="1"' in body
    body = client.post(url, {"value": "200", "version": "1", "grid": "1"},
                       **HX).content.decode()
    assert "百分比不能超过100" in body and "table-danger" in body
    assert Entry.objects.get().value_number == 93


def _grid_queries(client, user, group) -> int:
    client.force_login(user)
    _grid(client, group)
    with CaptureQueriesContext(connection) as queries:
        assert _grid(client, group).status_code == 200
    return len(queries)


def test_the_grid_query_count_does_not_grow_with_villages(client, official_a, branch_group,
                                                          town_a, ruleset, in_may):
    few = _grid_queries(client, official_a, branch_group)
    for village in factories.VillageFactory.create_batch(8, town=town_a):
        branch_group.villages.add(village)
        factories.enter(village, ruleset, "member_points_rate", MAY, 70, status="draft")
    assert _grid_queries(client, official_a, branch_group) == few
    assert few <= 18


def test_the_grid_query_count_does_not_grow_with_indicators(client, official_a, town_a,
                                                            village_a, ruleset, in_may):
    star = WorkingGroup.objects.create(town=town_a, kind=GroupKind.STAR, star="industry",
                                       name="产业专班")
    star.villages.add(village_a)
    promotion = WorkingGroup.objects.create(town=town_a, kind=GroupKind.PROMOTION, name="推进")
    promotion.villages.add(village_a)
    assert _grid_queries(client, official_a, star) == _grid_queries(client, official_a,
                                                                    promotion)


# --- completeness page ------------------------------------------------------------------------


def test_the_completeness_page_counts_per_village_and_star(client, official_a, town_a,
                                                           village_a, ruleset, in_may):
    factories.enter(village_a, ruleset, "meetings_held", MAY, True, status="returned",
                    return_reason="无记录")
    client.force_login(official_a)
    page = client.get(reverse("progress:completeness", args=[town_a.code, "2026-05"]))
    body = page.content.decode()
    assert 'data-state="returned"' in body and 'data-state="missing"' in body
    assert "退回 1" in body
    assert page.context["totals"]["returned"] == 1


def test_only_those_who_enter_progress_are_offered_the_sheet_upload(
        client, official_a, observer_a, town_a, village_a, ruleset, in_may):
    url = reverse("progress:completeness", args=[town_a.code, "2026-05"])
    upload = reverse("progress:sheet_upload", args=[town_a.code, "2026-05"])
    client.force_login(official_a)
    assert upload in client.get(url).content.decode()
    client.force_login(observer_a)
    page = client.get(url).content.decode()
    assert upload not in page and "下载填报表" in page


def _completeness_queries(client, user, town) -> int:
    client.force_login(user)
    url = reverse("progress:completeness", args=[town.code, "2026-05"])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_completeness_page_is_paginated_with_a_fixed_query_count(
        client, official_a, town_a, village_a, ruleset, in_may):
    few = _completeness_queries(client, official_a, town_a)
    factories.VillageFactory.create_batch(60, town=town_a)
    assert _completeness_queries(client, official_a, town_a) == few <= 12
    client.force_login(official_a)
    page = client.get(reverse("progress:completeness", args=[town_a.code, "2026-05"]))
    assert len(page.context["page"].object_list) == 50


# --- Excel round trip -----------------------------------------------------------------------


def _download(client, town):
    response = client.get(reverse("progress:sheet_download", args=[town.code, "2026-05"]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def _upload(client, town, book):
    out = io.BytesIO()
    book.save(out)
    return client.post(reverse("progress:sheet_upload", args=[town.code, "2026-05"]),
                       {"sheet": SimpleUploadedFile("sheet.xlsx", out.getvalue())})


def _column(sheet, code):
    return next(c.column for c in sheet[1] if c.value == code)


def test_the_sheet_round_trip_previews_then_writes_on_confirmation(
        client, official_a, town_a, village_a, ruleset, in_may):
    factories.enter(village_a, ruleset, "member_points_rate", MAY, 80, status="draft")
    client.force_login(official_a)
    book = _download(client, town_a)
    sheet = book.active
    assert sheet.cell(3, 1).value == village_a.code
    assert sheet.cell(3, _column(sheet, "member_points_rate")).value == 80
    sheet.cell(3, _column(sheet, "member_points_rate")).value = 95
    sheet.cell(3, _column(sheet, "meetings_held")).value = "是"
    response = _upload(client, town_a, book)
    body = response.content.decode()
    assert "2 处修改" in body and 'id="sheet-confirm"' in body
    assert Entry.objects.get().value_number == 80  # nothing written yet
    pending = PendingSheet.objects.get()
    response = client.post(reverse("progress:sheet_confirm",
                                   args=[town_a.code, "2026-05", pending.token]))
    assert response.status_code == 302
    assert Entry.objects.get(indicator__code="member_points_rate").value_number == 95
    assert Entry.objects.get(indicator__code="meetings_held").value_bool is True
    assert not PendingSheet.objects.exists()


def test_a_sheet_with_any_bad_row_writes_nothing_and_lists_every_error(
        client, official_a, town_a, village_a, ruleset, in_may):
    factories.VillageFactory(town=town_a, name="二村")
    client.force_login(official_a)
    book = _download(client, town_a)
    sheet = book.active
    sheet.cell(3, _column(sheet, "member_points_rate")).value = 95
    sheet.cell(4, _column(sheet, "member_points_rate")).value = 120
    sheet.cell(4, _column(sheet, "members_recruited")).value = "两个"
    sheet.cell(5, 1).value = "999999999999"
    sheet.cell(5, _column(sheet, "member_points_rate")).value = 50
    body = _upload(client, town_a, book).content.decode()
    assert "第 4 行" in body and "百分比不能超过100" in body
    assert "“两个”不是数字" in body
    assert "第 5 行：“999999999999”不是本乡镇的村" in body
    assert 'id="sheet-confirm"' not in body
    assert not PendingSheet.objects.exists() and not Entry.objects.exists()


def test_a_sheet_changed_meanwhile_is_refused_whole(client, official_a, town_a, village_a,
                                                     ruleset, in_may):
    client.force_login(official_a)
    book = _download(client, town_a)
    sheet = book.active
    sheet.cell(3, _column(sheet, "member_points_rate")).value = 95
    sheet.cell(3, _column(sheet, "trees_planted")).value = 3
    _upload(client, town_a, book)
    factories.enter(village_a, ruleset, "member_points_rate", MAY, 70, status="draft")
    pending = PendingSheet.objects.get()
    response = client.post(reverse("progress:sheet_confirm",
                                   args=[town_a.code, "2026-05", pending.token]), follow=True)
    assert "已被他人修改" in response.content.decode()
    assert list(Entry.objects.values_list("value_number", flat=True)) == [70]


def test_another_users_pending_sheet_cannot_be_confirmed(client, official_a, town_a,
                                                         pending_sheet_a):
    other = factories.user_with_role("town_official", unit=town_a)
    client.force_login(other)
    response = client.post(reverse("progress:sheet_confirm",
                                   args=[town_a.code, "2026-05", pending_sheet_a.token]))
    assert response.status_code == 404 and not Entry.objects.exists()
