"""Format 2 rules, scored by the engine and worded in Chinese: hand-computed cases."""

from decimal import Decimal

import pytest

from scoring.engine import evaluate
from scoring.engine.quota import quota_of
from scoring.wording import Wording
from tests.scoring.v2_files import JUNE, entry, v2_spec

D = Decimal

PER_CAPITA = """  - code: collective_income
    star: industry
    name: "村集体经济收入"
    unit: "元"
    kind: number
    role: info
    cadence: quarterly
    combine: sum
  - code: income_per_capita
    star: industry
    name: "人均集体经济收入"
    unit: "元"
    kind: number
    role: gate
    formula: "collective_income / population"
    comparison: ">="
    threshold: 40
  - code: civilised_households
    star: civility
    name: "星级文明户户数"
    kind: count
    role: info
  - code: civilised_share
    star: civility
    name: "星级文明户占比"
    unit: "%"
    kind: percent
    role: gate
    formula: "civilised_households / households * 100"
    comparison: ">="
    threshold: 80
"""
FACTS = {"population": D(2000), "households": D(400), "category": "其他"}


@pytest.fixture(autouse=True)
def chinese(settings):
    from django.utils import translation
    with translation.override("zh-hans"):
        yield


# ------------------------------------------------------------------ derived values


def test_a_derived_value_is_computed_from_entries_and_village_facts():
    spec = v2_spec(PER_CAPITA)
    result = evaluate(spec, [entry("collective_income", 60000, 3),
                             entry("collective_income", 40000, 6),
                             entry("civilised_households", 300)], JUNE, facts=FACTS)
    # (60,000 + 40,000) / 2,000 = 50 ≥ 40; 300 / 400 × 100 = 75 < 80.
    assert result.indicators["income_per_capita"].value == D(50)
    assert result.indicators["income_per_capita"].met is True
    assert result.stars["industry"].earned is True
    assert result.indicators["civilised_share"].value == D(75)
    gap = next(g for g in result.gaps if g.star == "civility")
    assert [(c.indicator, c.shortfall) for c in gap.changes] == [("civilised_share", D(5))]
    assert Wording(spec).change(gap.changes[0]) == "星级文明户占比还需增加 5 个百分点"


def test_a_derived_value_without_its_inputs_is_not_reported_never_zero():
    spec = v2_spec(PER_CAPITA)
    result = evaluate(spec, [entry("civilised_households", 300)], JUNE,
                      facts={**FACTS, "population": None})
    per_capita = result.indicators["income_per_capita"]
    assert (per_capita.value, per_capita.reported, per_capita.met) == (None, False, False)
    assert "income_per_capita" in result.not_reported
    assert result.stars["industry"].reasons[0].kind == "not_reported"
    assert Wording(spec).reason(result.stars["industry"].reasons[0]) == \
        "人均集体经济收入无法计算：须先填报村集体经济收入、人口"


def test_a_village_fact_not_recorded_leaves_the_derived_value_not_reported():
    spec = v2_spec(PER_CAPITA)
    result = evaluate(spec, [entry("collective_income", 100000),
                             entry("civilised_households", 300)], JUNE, facts={})
    assert result.indicators["income_per_capita"].reported is False
    assert result.indicators["civilised_share"].reported is False


def test_entries_for_a_derived_value_are_ignored():
    spec = v2_spec(PER_CAPITA)
    result = evaluate(spec, [entry("income_per_capita", 999)], JUNE, facts=FACTS)
    assert result.indicators["income_per_capita"].reported is False
    assert result.trace.ignored == ("income_per_capita",)


# ------------------------------------------------------- thresholds by village


BY_CATEGORY = """  - code: collective_income
    star: industry
    name: "村集体经济收入"
    unit: "元"
    kind: number
    role: gate
    comparison: ">="
    threshold: 50000
    threshold_for:
      - {category: "城郊村", threshold: 100000}
      - {fact: population, at_least: 3000, threshold: 80000}
"""


@pytest.mark.parametrize(("facts", "income", "met", "shortfall"), [
    ({"category": "城郊村", "population": D(1000)}, 80000, False, D(20000)),
    ({"category": "传统农业村", "population": D(1000)}, 80000, True, D(0)),
    ({"category": "传统农业村", "population": D(3000)}, 79999, False, D(1)),
    ({"category": "传统农业村", "population": D(3000)}, 80000, True, D(0)),
    ({}, 50000, True, D(0)),  # no facts recorded: the general threshold
])
def test_the_threshold_follows_the_village_category_then_its_size(facts, income, met,
                                                                  shortfall):
    spec = v2_spec(BY_CATEGORY)
    result = evaluate(spec, [entry("collective_income", income)], JUNE, facts=facts)
    assert result.indicators["collective_income"].met is met
    if not met:
        change = next(g for g in result.gaps if g.star == "industry").changes[0]
        assert change.shortfall == shortfall
        assert Wording(spec).change(change) == \
            f"村集体经济收入还需增加 {shortfall:,} 元"


# ---------------------------------------------------------------- N of M


FOUR_OF_SIX = "".join(f"""  - code: item_{n}
    star: ecology
    name: "生态第{n}项"
    unit: "%"
    kind: percent
    role: gate
    comparison: ">="
    threshold: 60
""" for n in range(1, 7))
MEMBERS = ", ".join(f"item_{n}" for n in range(1, 7))
GROUP = ("groups:\n  - {code: four_of_six, star: ecology, name: \"生态六项具备四项\", "
         f"at_least: 4, of: [{MEMBERS}]}}\n")


def test_n_of_m_holds_with_exactly_n_and_fails_with_one_less():
    spec = v2_spec(FOUR_OF_SIX, tail=GROUP)
    four = [entry(f"item_{n}", 70) for n in range(1, 5)]
    assert evaluate(spec, four, JUNE).stars["ecology"].earned is True
    three = evaluate(spec, four[:3] + [entry("item_4", 30), entry("item_5", 57)], JUNE)
    star = three.stars["ecology"]
    assert star.earned is False
    assert [(r.kind, r.needed, r.actual) for r in star.reasons] == [("group_short", 4, 3)]
    assert Wording(spec).reason(star.reasons[0]) == \
        "生态六项具备四项：6 项中须具备 4 项，目前具备 3 项"


def test_the_n_of_m_gap_names_the_cheapest_missing_ones():
    spec = v2_spec(FOUR_OF_SIX, tail=GROUP)
    # 3 hold; item_4 at 30 (half way), item_5 at 57 (3 short), item_6 not reported.
    result = evaluate(spec, [entry(f"item_{n}", 70) for n in range(1, 4)]
                      + [entry("item_4", 30), entry("item_5", 57)], JUNE)
    gap = next(g for g in result.gaps if g.star == "ecology")
    assert [(c.indicator, c.group) for c in gap.changes] == [("item_5", "four_of_six")]
    assert Wording(spec).change(gap.changes[0]) == \
        "生态第5项还需增加 3 个百分点（计入“生态六项具备四项”）"


# -------------------------------------------------------- bonus and deductions


BONUS = """  - code: base_points
    star: industry
    name: "基本分"
    kind: number
    role: points
    comparison: ">="
    threshold: 1
    points: 90
  - code: brand
    star: industry
    name: "省级品牌"
    kind: bool
    role: bonus
    comparison: "=="
    threshold: true
    points: 8
  - code: demo_base
    star: industry
    name: "示范基地"
    kind: bool
    role: bonus
    comparison: "=="
    threshold: true
    points: 6
"""


def test_bonus_points_stop_at_the_star_cap():
    spec = v2_spec(BONUS, stars={"industry": "{pass_mark: 90, max_points: 90, bonus_cap: 10}"})
    both = evaluate(spec, [entry("base_points", 1), entry("brand", True),
                           entry("demo_base", True)], JUNE)
    assert both.stars["industry"].score == 100  # 90 + min(8 + 6, 10)
    one = evaluate(spec, [entry("base_points", 1), entry("demo_base", True)], JUNE)
    assert one.stars["industry"].score == 96 and one.stars["industry"].earned


DEDUCTION = """  - code: base_points
    star: safety
    name: "基本分"
    kind: number
    role: points
    comparison: ">="
    threshold: 1
    points: 20
  - code: petitions
    star: safety
    name: "越级上访"
    unit: "起"
    kind: count
    role: deduction
    points: 5
    cadence: monthly
    combine: sum
"""


@pytest.mark.parametrize(("cases", "score"), [(0, 20), (1, 15), (4, 0), (5, 0)])
def test_deductions_per_occurrence_stop_at_the_floor(cases, score):
    spec = v2_spec(DEDUCTION, stars={"safety": "{pass_mark: 10, max_points: 20}"})
    entries = [entry("base_points", 1)] + [entry("petitions", 1, m) for m in range(1, cases + 1)]
    result = evaluate(spec, entries, JUNE)
    assert result.indicators["petitions"].points == -min(cases * 5, 20 + 5 * cases)
    assert result.stars["safety"].score == score


def test_a_deduction_item_takes_at_most_its_maximum():
    spec = v2_spec(DEDUCTION.replace("    points: 5\n", "    points: 5\n    max_deduction: 10\n"),
                   stars={"safety": "{pass_mark: 10, max_points: 20, floor: 5}"})
    result = evaluate(spec, [entry("base_points", 1), entry("petitions", 3)], JUNE)
    assert result.indicators["petitions"].points == -10
    assert result.stars["safety"].score == 10 and result.stars["safety"].earned


# ----------------------------------------------------------- points per choice


CHOICE = """  - code: honour
    star: branch
    name: "表彰层级"
    kind: choice
    choices: ["省级", "市级", "县级"]
    role: points
    choice_points: {"省级": 20, "市级": 15, "县级": 10}
"""


@pytest.mark.parametrize(("value", "points"), [("省级", 20), ("市级", 15), ("县级", 10)])
def test_each_choice_scores_its_points(value, points):
    spec = v2_spec(CHOICE, stars={"branch": "{pass_mark: 15, max_points: 20}"})
    result = evaluate(spec, [entry("honour", value)], JUNE)
    assert result.indicators["honour"].points == points
    assert result.stars["branch"].earned is (points >= 15)


def test_the_choice_gap_asks_for_the_nearest_choice_that_is_enough():
    spec = v2_spec(CHOICE, stars={"branch": "{pass_mark: 15, max_points: 20}"})
    result = evaluate(spec, [entry("honour", "县级")], JUNE)
    change = result.gaps[0].changes[0]
    assert (change.indicator, change.needed, change.points_gain) == ("honour", "市级", 5)
    assert Wording(spec).change(change) == "表彰层级须为市级"


# -------------------------------------------------------------- score bands


BANDS = """  - code: total_points
    star: industry
    name: "综合得分"
    kind: number
    role: points
    comparison: ">="
    steps:
      - {threshold: 80, points: 80}
      - {threshold: 89, points: 89}
      - {threshold: 90, points: 90}
  - code: innovation
    star: branch
    name: "党建创新项目"
    kind: bool
    role: gate
    comparison: "=="
    threshold: true
"""
BAND_TAIL = """level_rule: bands
bands:
  - {level: 5, min_score: 90, requires: [innovation]}
  - {level: 4, min_score: 80}
"""


@pytest.mark.parametrize(("score", "innovation", "level"), [
    (90, True, 5), (89, True, 4), (90, False, 4), (80, True, 4), (79, True, 0)])
def test_a_band_holds_from_its_boundary_with_its_extra_conditions(score, innovation, level):
    spec = v2_spec(BANDS, stars={"industry": "{pass_mark: 0, max_points: 90}"},
                   tail=BAND_TAIL)
    result = evaluate(spec, [entry("total_points", score), entry("innovation", innovation)],
                      JUNE)
    assert (result.total_score, result.level) == (
        {90: 90, 89: 89, 80: 80, 79: 0}[score], level)


def test_the_band_above_says_what_it_still_needs():
    spec = v2_spec(BANDS, stars={"industry": "{pass_mark: 0, max_points: 90}"},
                   tail=BAND_TAIL)
    words = Wording(spec)
    short = evaluate(spec, [entry("total_points", 89), entry("innovation", True)], JUNE)
    assert words.level_reasons(short) == [
        "评定五星（创精品）须总分达到 90 分，目前 89 分，还差 1 分"]
    condition = evaluate(spec, [entry("total_points", 90), entry("innovation", False)], JUNE)
    assert words.level_reasons(condition) == ["评定五星（创精品）还须满足：党建创新项目"]


# ------------------------------------------------------------ earlier cycles


HISTORY_TAIL = BAND_TAIL + """history:
  - {level: 5, min_level: 4}
  - {level: 4, min_level: 4, years: 2}
"""


@pytest.mark.parametrize(("history", "level"), [
    ({2025: 4, 2024: 4}, 5), ({2025: 3, 2024: 4}, 0), ({2025: 4}, 0), ({}, 0)])
def test_a_level_needs_the_earlier_cycles_the_rules_ask_for(history, level):
    spec = v2_spec(BANDS, stars={"industry": "{pass_mark: 0, max_points: 90}"},
                   tail=HISTORY_TAIL)
    result = evaluate(spec, [entry("total_points", 90), entry("innovation", True)], JUNE,
                      history=history)
    assert result.level == level


def test_a_level_held_back_by_an_earlier_cycle_says_so():
    spec = v2_spec(BANDS, stars={"industry": "{pass_mark: 0, max_points: 90}"},
                   tail=HISTORY_TAIL)
    result = evaluate(spec, [entry("total_points", 90), entry("innovation", True)], JUNE,
                      history={2025: 3, 2024: 5})
    assert Wording(spec).level_reasons(result) == [
        "评定五星（创精品）须上年度为四星（出特色）及以上",
        "评定四星（出特色）须此前连续 2 年均为四星（出特色）及以上"]


# ------------------------------------------------------------------- quotas


@pytest.mark.parametrize(("used", "exceeded"), [(0, False), (1, False), (2, True)])
def test_a_quota_exactly_full_is_allowed_and_one_more_is_not(used, exceeded):
    use = quota_of(5, D(10), villages=25, used=used)  # 10 % of 25 = 2.5 → 2 villages
    assert (use.limit, use.after, use.exceeded) == (2, used + 1, exceeded)
