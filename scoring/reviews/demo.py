"""Star reviews in the demo: 华龙区's 2026 rating cycle with its window open, 瓦岗村's five
stars awarded in the 2025 cycle, and 瓦屋村's 2026 application waiting for 岳村镇's
pre-review. Idempotent: rows are found by their natural keys and never duplicated."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from scoring.services import ruleset_for
from scoring.stars import STAR_ORDER
from villages.models import AdminUnit, Village
from wuxing.accounts.models import User

from . import services
from .models import Application, Award, RatingCycle

COUNTY_CODE = "410902000000"
YEAR = 2026


def _cycle(county: AdminUnit, year: int, opens: date, closes: date) -> RatingCycle:
    ruleset = ruleset_for(county.code, year)
    cycle, created = RatingCycle.objects.get_or_create(
        county=county, year=year,
        defaults={"ruleset": ruleset, "opens_on": opens, "closes_on": closes,
                  "holidays": [f"{year}-10-01", f"{year}-10-02", f"{year}-10-05"]})
    if not created and cycle.ruleset_id is None and ruleset is not None:
        cycle.ruleset = ruleset
        cycle.save(update_fields=["ruleset"])
    return cycle


@transaction.atomic
def load() -> None:
    county = AdminUnit.objects.filter(code=COUNTY_CODE).first()
    if county is None:
        return
    today = timezone.localdate()
    current = _cycle(county, YEAR, min(date(YEAR, 11, 1), today),
                     max(date(YEAR, 12, 31), today + timedelta(days=30)))
    past = _cycle(county, YEAR - 1, date(YEAR - 1, 11, 1), date(YEAR - 1, 12, 31))
    wagang = Village.objects.filter(name="瓦岗村", code__startswith=county.prefix).first()
    if wagang is not None:
        for star in STAR_ORDER:
            Award.objects.get_or_create(
                cycle=past, village=wagang, star=star,
                defaults={"awarded_on": date(YEAR, 1, 15),
                          "reason": "2025 年度评定，经公示无异议后授星"})
    _waiting_application(current)


def _waiting_application(cycle: RatingCycle) -> None:
    """瓦屋村 applied for two stars; 岳村镇's leader finds it in the review queue."""
    wawu = Village.objects.filter(name="瓦屋村", code__startswith=cycle.county.prefix).first()
    secretary = User.objects.filter(username="wawu").first()
    if wawu is None or secretary is None or cycle.ruleset is None or not cycle.is_open():
        return
    if Application.objects.filter(cycle=cycle, village=wawu).exists():
        return
    stars = ["industry", "ecology"]
    earned = services.earned_now(cycle, wawu)
    services.apply(secretary, cycle, wawu, stars, {
        code: "本村合作社分红和人居环境整治已完成，相关凭证已上传，请审核。"
        for code in stars if code not in earned})
