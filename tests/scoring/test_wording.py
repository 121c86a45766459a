"""Engine results in plain Chinese sentences; each test states the exact sentence."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from scoring import rulefile, services
from scoring.engine import EntryInput, EvidenceInput, IndicatorSpec, evaluate
from scoring.rulesets import REFERENCE_FILE
from scoring.wording import Wording, number, problem_line
from tests.scoring.test_engine import e, rules

REFERENCE = rulefile.parse_ruleset(REFERENCE_FILE.read_text(encoding="utf-8"))
MARCH = date(2026, 3, 1)


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def ref(entries, month=MARCH):
    result = evaluate(REFERENCE, entries, month)
    return result, Wording(REFERENCE)


def x(code, month, value, *, year=2026, **kw):
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    return EntryInput(code, date(year, month, 1), value, **kw)


def test_the_gap_names_the_missing_amount_with_its_unit_and_the_missing_photos():
    income = IndicatorSpec(code="collective_income", star="industry", name="村集体经济收入",
                           kind="number", role="points", comparison=">=",
                           threshold=Decimal(200000), points=100, unit="元", min_photos=2)
    spec = rules(income, pass_marks={"industry": 80})
    entries = [e("collective_income", 3, 100000),
               *(e(f"{s}_ok", 3, True) for s in ("branch", "ecology", "safety", "civility"))]
    result = evaluate(spec, entries, date(2025, 3, 1))
    w = Wording(spec)
    assert w.gap_list(result) == [
        ("产业兴旺星", ["村集体经济收入还需增加 100,000 元；缺少照片 2 张"])]
    assert w.star_line("industry", w.gap_list(result)[0][1]) == \
        "产业兴旺星：村集体经济收入还需增加 100,000 元；缺少照片 2 张"
    assert w.star_reasons(result.stars["industry"]) == ["得分 0 分，距及格分 80 分还差 80 分"]


def test_json_from_an_assessment_words_exactly_like_the_live_result():
    result, w = ref([x("cooperatives_led", 3, 1), x("criminal_cases", 2, 1)])
    stored = services.jsonable(result)
    assert w.gap_list(stored) == w.gap_list(result)
    assert w.at_risk(stored) == w.at_risk(result)
    assert [w.star_reasons(s) for s in stored["stars"].values()] == \
        [w.star_reasons(s) for s in result.stars.values()]


def test_unreported_gates_say_what_they_require():
    result, w = ref([])
    assert w.star_reasons(result.stars["industry"])[0] == "党支部领办合作社未填报（须不低于 1 个）"
    assert w.star_reasons(result.stars["branch"])[0] == "“三会一课”按月召开未填报（须为“是”）"


def test_points_short_and_the_capstone_rule_are_worded():
    result, w = ref([])
    reasons = w.star_reasons(result.stars["branch"])
    assert "得分 0 分，距及格分 80 分还差 80 分" in reasons
    assert reasons[-1] == ("须在其他四星全部获得后评定，"
                           "尚缺产业兴旺星、生态宜居星、平安法治星、文明幸福星")


def test_a_veto_hit_names_the_item_and_the_value():
    result, w = ref([x("criminal_cases", 1, 1), x("criminal_cases", 2, 1)])
    assert w.star_reasons(result.stars["safety"])[0] == "刑事案件和重大治安案件触发一票否决（2 起）"
    gap = dict(w.gap_list(result))["平安法治星"]
    assert gap[0] == "刑事案件和重大治安案件触发一票否决（2 起）"


def test_months_missing_from_a_monthly_gate_are_listed():
    result, w = ref([x("meetings_held", 2, True)])
    assert w.star_reasons(result.stars["branch"])[0] == "“三会一课”按月召开缺少1月、3月的填报"


def test_a_ceiling_gate_says_how_much_must_come_down():
    result, w = ref([x("petitions_beyond", 1, 2), x("petitions_beyond", 3, 1)])
    assert "越级上访还需减少 3 人次" in w.star_reasons(result.stars["safety"])


def test_a_failed_yes_no_gate_says_it_must_be_yes():
    result, w = ref([x("meetings_held", m, False) for m in (1, 2, 3)])
    assert w.star_reasons(result.stars["branch"])[0] == "“三会一课”按月召开须为“是”"


def test_an_indicator_below_its_threshold_states_value_and_requirement():
    result, w = ref([x("member_points_rate", 1, 80), x("member_points_rate", 2, 90)])
    reason = result.indicators["member_points_rate"].reasons[0]
    assert w.reason(reason) == "党员积分制管理覆盖率为 85%，须不低于 90%"


def test_missing_evidence_on_a_met_gate_is_counted_by_kind():
    result, w = ref([x("cooperatives_led", 1, 1)])
    assert "党支部领办合作社缺少文件 1 份" in w.star_reasons(result.stars["industry"])


def test_under_the_foundation_rule_other_stars_need_the_branch_star_first():
    spec = rules(branch_rule="foundation")
    result = evaluate(spec, [e("branch_ok", 1, False), e("industry_ok", 1, True)],
                      date(2025, 1, 1))
    w = Wording(spec)
    assert w.star_reasons(result.stars["industry"]) == ["须先获得支部过硬星"]
    assert dict(w.gap_list(result))["产业兴旺星"] == ["须先获得支部过硬星"]


def test_a_value_just_at_its_threshold_is_flagged_at_risk():
    households = IndicatorSpec(code="civilised_households", star="civility",
                               name="星级文明户覆盖率", kind="percent", role="gate",
                               comparison=">=", threshold=Decimal(80), unit="%")
    spec = rules(households)
    result = evaluate(spec, [e("civilised_households", 1, 80)], date(2025, 1, 1))
    assert Wording(spec).at_risk(result) == [
        ("文明幸福星", "星级文明户覆盖率为 80%，刚达到要求（不低于 80%），稍有下降即失去此星")]


def test_old_evidence_is_flagged_at_risk():
    cleanup = IndicatorSpec(code="garbage_cleanup", star="ecology", name="垃圾清运按月开展",
                            kind="bool", role="gate", comparison="==", threshold=True,
                            min_photos=1, evidence_max_age_months=2)
    spec = rules(cleanup)
    photo = EvidenceInput(1, "photo", date(2025, 1, 1))
    result = evaluate(spec, [e("garbage_cleanup", 1, True, evidence=(photo,)),
                             e("garbage_cleanup", 6, True)], date(2025, 6, 1))
    assert Wording(spec).at_risk(result) == [
        ("生态宜居星", "垃圾清运按月开展的佐证材料已超过有效期，请补充近期材料")]


def test_the_gap_list_puts_the_closest_star_first():
    result, w = ref([x("cooperatives_led", 1, 1)])
    names = [name for name, _ in w.gap_list(result)]
    assert names == [{"industry": "产业兴旺星", "branch": "支部过硬星", "ecology": "生态宜居星",
                      "safety": "平安法治星", "civility": "文明幸福星"}[g.star]
                     for g in result.gaps]
    assert len(names) == 5


def test_numbers_are_grouped_and_rounded():
    assert number(Decimal("100000")) == "100,000"
    assert number("93.33333") == "93.33"
    assert number("5.50") == "5.5"


BAD_FILE = """format_version: 1
name: "坏文件"
issuer: "410902"
year: 2026
stars:
  branch: {pass_mark: 0, max_points: 0}
  industry: {pass_mark: 0, max_points: 0}
  ecology: {pass_mark: 0, max_points: 0}
  safety: {pass_mark: 0, max_points: 0}
  civility: {pass_mark: 0, max_points: 0}
indicators:
  - {code: ok, star: branch, name: "甲", kind: bool, role: gate, comparison: "==",
     threshold: true}
  - {code: ok, star: industry, name: "乙", kind: bool, role: gate, comparison: "==",
     threshold: true}
  - {code: v, star: safety, name: "丙", kind: bool, role: veto, comparison: "==",
     threshold: true, points: 5}
"""


def _problems():
    with pytest.raises(rulefile.RuleSetFileError) as caught:
        rulefile.parse_ruleset(BAD_FILE)
    return caught.value.problems


def test_file_problems_read_in_chinese_exactly_as_the_parser_words_them():
    problems = _problems()
    assert {p.code for p in problems} >= {"duplicate_code", "veto_with_points"}
    assert [problem_line(p) for p in problems] == [str(p) for p in problems]
    assert "第 14 行：指标代码“ok”重复（首次出现在第 12 行）" in [problem_line(p) for p in problems]


def test_file_problems_follow_the_active_language():
    with translation.override("en"):
        lines = [problem_line(p) for p in _problems()]
    assert "Line 14: Indicator code “ok” is used twice (first on line 12)" in lines
