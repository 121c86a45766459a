"""Star reviews in the demo: 华龙区's 2026 rating cycle with its window open, 瓦岗村's five
stars awarded in the 2025 cycle, and 瓦屋村's 2026 application waiting for 岳村镇's
pre-review. `load_stages` (once the entries exist) adds an application at every later
stage: 东田村 waiting at the county, 高庄村 in its public notice with an objection,
邢庄村 awarded after a notice that has ended, and 瓦岗村's returned by the town for its
secretary to answer. Idempotent: rows are found by their
natural keys and never duplicated."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from scoring.services import ruleset_for
from scoring.stars import STAR_ORDER
from villages.models import AdminUnit, Village
from wuxing.accounts.models import User

from . import awarding, services
from .models import Application, AppState, Award, PublicNotice, RatingCycle

COUNTY_CODE = "410902000000"
YEAR = 2026


def _cycle(county: AdminUnit, year: int, opens: date, closes: date) -> RatingCycle:
    ruleset = ruleset_for(county.code, year)
    cycle, created = RatingCycle.objects.get_or_create(
        county=county, year=year,
        defaults={"ruleset": ruleset, "opens_on": opens, "closes_on": closes,
                  # The next New Year too: a notice published late in December runs into
                  # a year the holiday calendar may not know yet (reviews/workdays.py).
                  "holidays": [f"{year}-10-01", f"{year}-10-02", f"{year}-10-05",
                               f"{year + 1}-01-01"]})
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
                defaults={"awarded_on": min(date(YEAR, 1, 15), today),
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
    application = services.apply(secretary, cycle, wawu, stars, {
        code: "本村合作社分红和人居环境整治已完成，相关凭证已上传，请审核。"
        for code in stars if code not in earned})
    Application.objects.filter(pk=application.pk).update(
        state_since=timezone.now() - timedelta(days=2))


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _applied(cycle: RatingCycle, name: str, username: str, days_ago: int, *,
             passed: bool = True):
    """The village's application for the stars the article gives it, passed by the town
    leader (unless `passed` is False); None when it exists already (or the demo users
    are missing)."""
    from scoring.demo import ARTICLE

    village = Village.objects.filter(name=name, code__startswith=cycle.county.prefix).first()
    secretary, leader = _user(username), _user("yuecun")
    if (village is None or secretary is None or leader is None or cycle.ruleset is None
            or Application.objects.filter(cycle=cycle, village=village).exists()):
        return None
    stars = sorted(ARTICLE[name], key=STAR_ORDER.index)
    application = services.apply(secretary, cycle, village, stars, dict.fromkeys(
        stars, "各项指标已达标，台账和照片已上传，请审核。"))
    if passed:
        services.pass_step(application.pk, leader, reason="经镇党委初审，材料齐全。")
    # As if it had waited a while: the queues show its age.
    Application.objects.filter(pk=application.pk).update(
        state_since=timezone.now() - timedelta(days=days_ago))
    return application


@transaction.atomic
def load_stages() -> None:
    cycle = RatingCycle.objects.filter(county__code=COUNTY_CODE, year=YEAR).first()
    county = _user("county")
    if cycle is None or county is None or not cycle.is_open():
        return
    today = timezone.localdate()
    awarded = _applied(cycle, "邢庄村", "xingzhuang", 30)
    if awarded is not None:
        services.approve(awarded.pk, county, list(awarded.stars), {})
        started = today - timedelta(days=21)
        notice = PublicNotice.objects.create(cycle=cycle, starts_on=started,
                                             ends_on=cycle.notice_end(started),
                                             published_by=county)
        services.run(awarded.pk, county, "publish", notice, expected_state=AppState.APPROVED)
        awarding.award(awarded.pk, county)
    noticed = _applied(cycle, "高庄村", "gaozhuang", 6)
    if noticed is not None:
        services.approve(noticed.pk, county, list(noticed.stars), {})
        awarding.publish_notice(cycle, county, today)
        noticed.refresh_from_db()
        awarding.file_objection(noticed, county, "平安法治星：今年六月村里发生过一起打架事件，"
                                "请核实是否影响评星。", "safety", offline=True,
                                source="村民来电（县委组织部电话登记）")
    _applied(cycle, "东田村", "dongtian", 3)
    returned = _applied(cycle, "瓦岗村", "wagang", 4, passed=False)
    if returned is not None:
        services.send_back(returned.pk, _user("yuecun"), {"stars": {
            "branch": "请补充本年度“三会一课”会议记录的扫描件。"}},
            reason="材料不全，退回补充。")
