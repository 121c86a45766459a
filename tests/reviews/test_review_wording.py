"""The review pages read as people read: 是/否, units and thousands separators, vetoes
spelled out, percent gaps in 个百分点, star and indicator names instead of codes."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from scoring.reviews import services
from scoring.services import spec_of
from scoring.wording import Wording
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(cycle_a, village_a, secretary_a, ruleset):
    month = timezone.localdate().replace(day=1)
    for code, value in (("criminal_cases", 0), ("five_chiefs", True),
                        ("collective_income", Decimal(100000)),
                        ("sewage_coverage", Decimal(55))):
        factories.enter(village_a, ruleset, code, month, value)
    return services.apply(secretary_a, cycle_a, village_a, ["ecology", "safety", "industry"],
                          {"ecology": "说明", "safety": "说明", "industry": "说明"})


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_values_read_as_people_read_them(client, application, leader_a):
    client.force_login(leader_a)
    html = client.get(reverse("reviews:detail", args=[application.pk])).content.decode()
    page = _text(html)
    assert "刑事案件和重大治安案件：0 起（一票否决：≥ 1 起即否决）✔ 未触发" in page
    assert "100,000 元" in page
    assert "55%" in page and "要求：≥ 60%" in page  # sewage coverage and its threshold
    assert "要求：为“是”" in page
    assert not re.search(r"\b(True|False|None)\b", page)
    star = html[html.index('id="star-ecology"'):html.index('id="star-safety"')]
    assert " 是 " in _text(star)  # the yes/no value of “五长制”落实到位


def test_monthly_history_is_collapsed_below_the_decision(client, application, leader_a):
    client.force_login(leader_a)
    html = client.get(reverse("reviews:detail", args=[application.pk])).content.decode()
    assert html.index('id="review-actions"') < html.index('class="card mb-3 star-block"')
    assert '<details class="monthly-history">' in html
    assert "review-bar" in html


def test_a_percent_gap_reads_in_percentage_points(ruleset):
    wording = Wording(spec_of(ruleset))
    change = {"reason": "not_met", "indicator": "sewage_coverage", "comparison": ">=",
              "needed": 60, "actual": 55, "shortfall": 5}
    assert wording.change(change) == "生活污水治理覆盖率还需增加 5 个百分点"
    assert wording.display("sewage_coverage", Decimal(55)) == "55%"
    assert wording.display("five_chiefs", False) == "否"
    assert wording.display("collective_income", Decimal(100000)) == "100,000 元"


def test_a_hit_veto_says_so(ruleset):
    wording = Wording(spec_of(ruleset))
    assert wording.veto_line("criminal_cases", 2, True) == \
        "刑事案件和重大治安案件：2 起（一票否决：≥ 1 起即否决）✘ 已触发"


def test_the_history_names_stars_and_indicators_never_codes(client, application, leader_a,
                                                           secretary_a):
    services.send_back(application.pk, leader_a,
                       {"stars": {"ecology": "缺少整治照片"},
                        "indicators": {"five_chiefs": "五长名单未公示"}})
    services.resubmit(application.pk, secretary_a,
                      {"star:ecology": "已补照片", "indicator:five_chiefs": "已公示"})
    client.force_login(secretary_a)
    html = client.get(reverse("reviews:detail", args=[application.pk])).content.decode()
    history = _text(html[html.index('id="history"'):])
    assert "生态宜居星：缺少整治照片" in history
    assert "“五长制”落实到位：五长名单未公示" in history
    assert "“五长制”落实到位：已公示" in history
    assert "five_chiefs" not in history and "ecology" not in history


def test_award_history_reads_in_words(client, app_notice_over, reviewer_a):
    from scoring.reviews import awarding
    awarding.award(app_notice_over.pk, reviewer_a)
    awarding.revoke(app_notice_over.awards.get(star="industry").pk, reviewer_a, "发生刑事案件")
    client.force_login(reviewer_a)
    html = client.get(reverse("reviews:detail", args=[app_notice_over.pk])).content.decode()
    history = _text(html[html.index('id="history"'):])
    assert "产业兴旺星已被摘除" in history and "已授予产业兴旺星" in history
    assert not re.search(r"\b(active|revoked|awarded|industry)\b", history)
