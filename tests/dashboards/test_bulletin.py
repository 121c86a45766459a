"""The quarterly bulletin: ranking with points, level changes, top gaps, pairings."""

from datetime import date
from io import BytesIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from scoring.dashboards.bulletin import bulletin_for
from scoring.dashboards.models import Pairing, PointsLedger
from scoring.dashboards.periods import Quarter
from tests import factories
from tests.dashboards.conftest import assess, refresh
from wuxing.accounts.models import AuditEvent

pytestmark = pytest.mark.django_db
JUN, SEP = date(2026, 6, 1), date(2026, 9, 1)
Q3 = Quarter(2026, 3)


@pytest.fixture
def quarter(town_a, ruleset, leader_a):
    """Q3 2026 of town A: 甲一 rose 3→4, 甲二 stayed at 2 but earned a 30-point bonus,
    甲三 fell 2→1, 甲四 was first assessed in Q3 (3★); one pairing 甲三 ← 甲一."""
    v = {name: factories.VillageFactory(town=town_a, name=name, code=f"{town_a.prefix}{n}")
         for n, name in enumerate(["甲一", "甲二", "甲三", "甲四"], start=401)}
    four = ["industry", "ecology", "safety", "civility"]
    assess(v["甲一"], JUN, four[:3], ruleset)
    assess(v["甲一"], SEP, four, ruleset, gaps={"branch": ["meetings_held"]})
    assess(v["甲二"], JUN, four[:2], ruleset)
    assess(v["甲二"], SEP, four[:2], ruleset, gaps={"safety": ["legal_publicity"],
                                                    "civility": ["village_rules"]})
    assess(v["甲三"], JUN, four[:2], ruleset)
    assess(v["甲三"], SEP, four[:1], ruleset, gaps={"safety": ["legal_publicity"]})
    assess(v["甲四"], SEP, four[:3], ruleset)
    refresh(v.values(), JUN)
    refresh(v.values(), SEP)
    PointsLedger.objects.create(town=town_a, village=v["甲二"], date=date(2026, 8, 1),
                                points=30, reason="产业观摩会先进", created_by=leader_a)
    Pairing.objects.create(town=town_a, village=v["甲三"], partner=v["甲一"],
                           stars="ecology", started=date(2026, 7, 5))
    return v


@time_machine.travel("2026-11-20 10:00 +0800", tick=False)
def test_the_bulletin_of_a_hand_made_quarter(quarter, town_a):
    bulletin = bulletin_for(town_a, Q3)
    assert bulletin.month == SEP
    assert [(r.rank, r.village.name, r.level, r.star_points, r.ledger_points)
            for r in bulletin.ranking] == [
        (1, "甲一", 4, 380, 0), (2, "甲四", 3, 335, 0), (3, "甲二", 2, 290, 30),
        (4, "甲三", 1, 245, 0)]
    assert [(c.village.name, c.before, c.after) for c in bulletin.changes] == [
        ("甲四", None, 3), ("甲一", 3, 4), ("甲三", 2, 1)]
    safety = next(g for g in bulletin.top_gaps if g["star"] == "safety")
    assert safety["indicators"][0] == {"code": "legal_publicity", "name": "法治宣传活动",
                                       "villages": 2}
    assert [(p.village.name, p.partner.name) for p in bulletin.pairings] == [("甲三", "甲一")]
    assert bulletin.title == f"{town_a.name} 2026年第3季度五星支部创建通报"


@time_machine.travel("2026-11-20 10:00 +0800", tick=False)
def test_the_excel_export_opens_and_holds_the_rows_and_is_audited(client, quarter, town_a,
                                                                  official_a):
    client.force_login(official_a)
    response = client.get(reverse("dashboards:bulletin_xlsx", args=[town_a.code, "2026Q3"]))
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["排名", "等级变化", "短板", "结对共建"]
    rows = list(book["排名"].iter_rows(values_only=True))
    assert rows[0][:2] == ("名次", "村庄")
    assert [r[:2] for r in rows[1:]] == [(1, "甲一"), (2, "甲四"), (3, "甲二"), (4, "甲三")]
    assert rows[3][4:] == (290, 30, 320)
    assert list(book["结对共建"].iter_rows(values_only=True))[1][:2] == ("甲三", "甲一")
    event = AuditEvent.objects.get(kind="export")
    assert event.user == official_a and "2026Q3" in event.target


@time_machine.travel("2026-11-20 10:00 +0800", tick=False)
def test_the_print_page_is_in_chinese_with_print_css(client, quarter, town_a, official_a):
    client.force_login(official_a)
    page = client.get(reverse("dashboards:bulletin", args=[town_a.code, "2026Q3"]))
    text = page.content.decode()
    assert "2026年第3季度五星支部创建通报" in text and "dashboards.css" in text
    # No such quarter: the URL converter refuses it, so no page (and no reverse()).
    assert client.get(f"/dashboards/bulletin/{town_a.code}/2026Q9/").status_code == 404


@time_machine.travel("2026-11-20 10:00 +0800", tick=False)
def test_the_bulletin_command_writes_the_workbook(quarter, town_a, tmp_path):
    target = tmp_path / "q3.xlsx"
    call_command("bulletin", "--division", town_a.code, "--quarter", "2026Q3", "-o",
                 str(target))
    rows = list(load_workbook(target)["排名"].iter_rows(values_only=True))
    assert len(rows) == 5
    assert AuditEvent.objects.filter(kind="export", username="manage.py bulletin").exists()
