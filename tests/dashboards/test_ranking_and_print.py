"""The points ranking puts stars first, the bulletin prints on A4, and the bulletin
command reads division codes as star_report does."""

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.core.management import CommandError, call_command
from django.urls import reverse

from scoring.dashboards.bulletin import bulletin_for
from scoring.dashboards.models import PointsLedger
from scoring.dashboards.periods import Quarter
from tests import factories
from tests.dashboards.conftest import assess, refresh

pytestmark = pytest.mark.django_db
SEP = date(2026, 9, 1)
Q3 = Quarter(2026, 3)
ALL = ["industry", "ecology", "safety", "civility", "branch"]


@pytest.fixture
def points_race(town_a, ruleset, leader_a):
    """瓦岗村 holds five stars (425 star points); 零星村 none, but 500 points in all."""
    five = factories.VillageFactory(town=town_a, name="瓦岗村", code=f"{town_a.prefix}501")
    none = factories.VillageFactory(town=town_a, name="零星村", code=f"{town_a.prefix}502")
    assess(five, SEP, ALL, ruleset)
    assess(none, SEP, [], ruleset)  # 5 × 40 star points
    refresh([five, none], SEP)
    for day in (1, 2, 3):  # one entry is at most 100 points (dashboards/models.py)
        PointsLedger.objects.create(town=town_a, village=none, date=date(2026, 8, day),
                                    points=100, reason="观摩会先进", created_by=leader_a)
    return five, none


@time_machine.travel("2026-11-20 10:00 +0800", tick=False)
def test_the_ranking_orders_by_star_level_before_points(points_race, town_a):
    ranking = bulletin_for(town_a, Q3).ranking
    assert [(r.rank, r.village.name, r.level, r.total) for r in ranking] == [
        (1, "瓦岗村", 5, 425), (2, "零星村", 0, 500)]


@time_machine.travel("2026-11-20 10:00 +0800", tick=False)
def test_the_bulletin_page_has_a_print_button_and_an_a4_print_stylesheet(
        client, points_race, town_a, leader_a):
    client.force_login(leader_a)
    page = client.get(reverse("dashboards:bulletin", args=[town_a.code, "2026Q3"])
                      ).content.decode()
    assert 'data-print id="print-bulletin"' in page
    assert "wuxing/dashboards.js" in page  # where the print button's handler lives
    css = Path(finders.find("wuxing/dashboards.css")).read_text(encoding="utf-8")
    assert "@page { size: A4" in css
    js = Path(finders.find("wuxing/dashboards.js")).read_text(encoding="utf-8")
    assert "[data-print]" in js and "window.print()" in js


@time_machine.travel("2026-11-20 10:00 +0800", tick=False)
@pytest.mark.parametrize("digits", [12, 9])
def test_the_bulletin_command_takes_the_division_codes_star_report_takes(
        points_race, town_a, tmp_path, digits):
    code = town_a.code[:digits]
    report = StringIO()
    call_command("star_report", "--division", code, "--month", "2026-09", stdout=report)
    target = tmp_path / "q3.xlsx"
    out = StringIO()
    call_command("bulletin", "--division", code, "--quarter", "2026Q3", "-o", str(target),
                 stdout=out)
    assert target.exists() and "2 " in out.getvalue()


def test_the_bulletin_command_takes_a_countys_significant_digits(town_a, tmp_path):
    target = tmp_path / "county.xlsx"
    call_command("bulletin", "--division", town_a.code[:6], "--quarter", "2026Q3", "-o",
                 str(target), stdout=StringIO())
    assert target.exists()


@pytest.mark.parametrize("code", ["abc", "4109021019999", "41"])
def test_the_bulletin_command_refuses_what_is_no_town_or_county_code(town_a, code):
    with pytest.raises(CommandError, match="的乡镇或县"):
        call_command("bulletin", "--division", code, "--quarter", "2026Q3")
