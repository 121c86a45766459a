"""Format 2 files: the round trip, and every new error kind refused with its line."""

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring import rulefile
from scoring.engine import evaluate
from tests.scoring.v2_files import JUNE, entry, v2_text

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "rulesets").glob("county-*.yaml"))
PROPS = settings(max_examples=40, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow])


def problems(text: str) -> list[tuple[int, str]]:
    with pytest.raises(rulefile.RuleSetFileError) as caught:
        rulefile.parse_ruleset(text)
    return [(p.line, p.code) for p in caught.value.problems]


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


# ------------------------------------------------------------------- examples


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_the_county_examples_are_canonical_format_2_files(path):
    text = path.read_text(encoding="utf-8")
    spec = rulefile.parse_ruleset(text)
    assert spec.format_version == 2 and not spec.reference
    assert rulefile.dump_ruleset(spec) == text


def test_there_are_two_county_examples():
    assert len(EXAMPLES) == 2


# ------------------------------------------------------------------ property


CODES = st.sampled_from(["a_one", "b_two", "c_three", "d_four"])


@st.composite
def v2_files(draw) -> str:
    """Valid format 2 files mixing the new features."""
    income = draw(st.integers(1, 10**6))
    low = draw(st.integers(1, 100))
    at_least = draw(st.integers(1, 3))
    cap = draw(st.integers(1, 30))
    per = draw(st.integers(1, 10))
    choice_points = draw(st.lists(st.integers(1, 50), min_size=3, max_size=3))
    category = draw(st.sampled_from(["城郊村", "传统农业村", "特色产业村"]))
    formula = draw(st.sampled_from([
        "income / population", "income / households * 100", "(income + extra) / 2",
        "max(income, extra) / area_km2", "income * 0.5 - extra"]))
    bands = draw(st.booleans())
    indicators = f"""  - code: income
    star: industry
    name: "收入"
    kind: number
    role: gate
    comparison: ">="
    threshold: {income}
    threshold_for:
      - {{category: "{category}", threshold: {income * 2}}}
      - {{fact: population, at_least: {low}, threshold: {income + low}}}
  - code: extra
    star: industry
    name: "其他收入"
    kind: number
    role: info
  - code: derived
    star: industry
    name: "计算值"
    kind: number
    role: gate
    formula: "{formula}"
    comparison: ">="
    threshold: {low}
  - code: honour
    star: branch
    name: "表彰"
    kind: choice
    choices: ["省级", "市级", "县级"]
    role: points
    choice_points: {{"省级": {choice_points[0]}, "市级": {choice_points[1]},
                     "县级": {choice_points[2]}}}
  - code: brand
    star: branch
    name: "品牌"
    kind: bool
    role: bonus
    comparison: "=="
    threshold: true
    points: {cap + 1}
  - code: cases
    star: safety
    name: "案件"
    kind: count
    role: deduction
    points: {per}
"""
    indicators += "".join(f"""  - code: g_{n}
    star: ecology
    name: "第{n}项"
    kind: bool
    role: gate
    comparison: "=="
    threshold: true
""" for n in range(3))
    tail = f"""groups:
  - {{code: eco_group, star: ecology, name: "三项具备", at_least: {at_least}, of: [g_0, g_1, g_2]}}
history:
  - {{level: 5, min_level: {draw(st.integers(1, 5))}, years: {draw(st.integers(1, 3))}}}
quotas: {{5: {draw(st.integers(1, 20))}, 4: {draw(st.integers(20, 40))}}}
"""
    if bands:
        tail += "level_rule: bands\nbands:\n  - {level: 5, min_score: 90, requires: [g_0]}\n" \
                "  - {level: 3, min_score: 60}\n"
    top = max(choice_points)
    return v2_text(indicators, stars={
        "branch": f"{{pass_mark: 0, max_points: {top}, bonus_cap: {cap}}}",
        "safety": "{pass_mark: 0, max_points: 0, floor: 0}"}, tail=tail)


@PROPS
@given(text=v2_files(), income=st.integers(0, 10**6), population=st.integers(1, 5000),
       value=st.sampled_from(["省级", "市级", "县级"]), cases=st.integers(0, 9))
def test_exporting_and_importing_a_v2_file_gives_the_same_bytes_and_results(
        text, income, population, value, cases):
    spec = rulefile.parse_ruleset(text)
    exported = rulefile.dump_ruleset(spec)
    again = rulefile.parse_ruleset(exported)
    assert rulefile.dump_ruleset(again) == exported
    assert again == spec
    entries = [entry("income", income), entry("extra", 5), entry("honour", value),
               entry("brand", True), entry("cases", cases), entry("g_0", True)]
    facts = {"population": Decimal(population), "households": Decimal(300),
             "area_km2": Decimal("2.5"), "category": "城郊村"}
    first = evaluate(spec, entries, JUNE, facts=facts, history={2025: 4})
    second = evaluate(again, entries, JUNE, facts=facts, history={2025: 4})
    assert first.stars == second.stars and first.indicators == second.indicators
    assert (first.level, first.gaps, first.level_reasons) == \
        (second.level, second.gaps, second.level_reasons)


# ------------------------------------------------------------------ bad files


DERIVED = """  - code: income
    star: industry
    name: "收入"
    kind: number
    role: info
  - code: per_capita
    star: industry
    name: "人均"
    kind: number
    role: gate
    formula: "income / population"
    comparison: ">="
    threshold: 1
"""


@pytest.mark.parametrize(("old", "new", "code"), [
    ('formula: "income / population"', 'formula: "incomes + income / population"',
     "formula_unknown_name"),
    ('formula: "income / population"', 'formula: "income / income"', "formula_zero_division"),
    ('formula: "income / population"', 'formula: "income / poor_households"',
     "formula_zero_division"),
    ('formula: "income / population"', 'formula: "income / (population - 1)"',
     "formula_zero_division"),
    ('formula: "income / population"', 'formula: "income ** 2"', "formula_syntax"),
    ('formula: "income / population"', 'formula: "__import__(1)"', "formula_syntax"),
    ('formula: "income / population"', 'formula: "income +"', "formula_syntax"),
    ('formula: "income / population"', 'formula: "' + "income + " * 40 + 'income"',
     "formula_syntax"),  # longer than the column that stores it
])
def test_a_bad_formula_is_refused_on_its_line(old, new, code):
    text = v2_text(DERIVED).replace(old, new)
    assert problems(text) == [(line_of(text, "formula:"), code)]


def test_a_cycle_between_derived_values_is_refused_on_a_formula_line():
    text = v2_text(DERIVED.replace('role: info', 'role: info\n    formula: "per_capita * 2"')
                   .replace("    kind: number\n    role: info", "    kind: number\n    role: info",
                            1))
    found = problems(text)
    assert [code for _line, code in found] == ["formula_cycle"]
    assert found[0][0] in (line_of(text, 'formula: "per_capita'),
                           line_of(text, 'formula: "income /'))


def test_a_formula_on_a_choice_input_is_refused():
    choice = '    kind: choice\n    choices: ["有", "无"]\n    role: info'
    text = v2_text(DERIVED.replace("    kind: number\n    role: info", choice, 1))
    assert problems(text) == [(line_of(text, "formula:"), "formula_name_kind")]


def test_a_derived_value_with_a_cadence_is_refused():
    text = v2_text(DERIVED.replace("    threshold: 1\n",
                                   "    threshold: 1\n    cadence: monthly\n"))
    assert problems(text) == [(line_of(text, "cadence: monthly"), "derived_field")]


@pytest.mark.parametrize(("indicators", "tail", "fragment", "code"), [
    ("""  - code: income
    star: industry
    name: "收入"
    kind: number
    role: gate
    comparison: ">="
    threshold: 5
    threshold_for:
      - {category: "山区村", threshold: 1}
""", "", "山区村", "unknown_category"),
    ("""  - code: income
    star: industry
    name: "收入"
    kind: number
    role: gate
    comparison: ">="
    threshold: 5
    threshold_for:
      - {fact: altitude, at_least: 3, threshold: 1}
""", "", "altitude", "unknown_fact"),
    ("""  - code: honour
    star: industry
    name: "表彰"
    kind: choice
    choices: ["省级"]
    role: points
    choice_points: {"国家级": 20}
""", "", "国家级", "threshold_not_choice"),
    ("""  - code: honour
    star: industry
    name: "表彰"
    kind: bool
    role: points
    choice_points: {"省级": 20}
""", "", "choice_points", "choice_points_kind"),
    ("""  - code: cases
    star: safety
    name: "案件"
    kind: count
    role: deduction
    comparison: ">="
    points: 5
""", "", "comparison", "deduction_fields"),
    ("""  - code: gate_a
    star: ecology
    name: "甲"
    kind: bool
    role: gate
    comparison: "=="
    threshold: true
""", "groups:\n  - {code: grp, star: ecology, name: \"组\", at_least: 1, of: [gate_a, nope]}\n",
     "of: [", "unknown_indicator"),
    ("""  - code: gate_a
    star: ecology
    name: "甲"
    kind: bool
    role: gate
    comparison: "=="
    threshold: true
""", "groups:\n  - {code: grp, star: ecology, name: \"组\", at_least: 2, of: [gate_a]}\n",
     "of: [", "group_size"),
    ("""  - code: gate_a
    star: ecology
    name: "甲"
    kind: bool
    role: gate
    comparison: "=="
    threshold: true
""", "groups:\n  - {code: grp, star: branch, name: \"组\", at_least: 1, of: [gate_a]}\n",
     "of: [", "group_member"),
    ("""  - code: gate_a
    star: ecology
    name: "甲"
    kind: bool
    role: gate
    comparison: "=="
    threshold: true
""", "level_rule: bands\n", "level_rule", "bands_needed"),
    ("""  - code: gate_a
    star: ecology
    name: "甲"
    kind: bool
    role: gate
    comparison: "=="
    threshold: true
""", "level_rule: bands\nbands:\n  - {level: 4, min_score: 80}\n  - {level: 5, min_score: 90}\n",
     "level: 5", "bands_order"),
    ("""  - code: gate_a
    star: ecology
    name: "甲"
    kind: bool
    role: gate
    comparison: "=="
    threshold: true
""", "level_rule: bands\nbands:\n  - {level: 5, min_score: 90, requires: [gone]}\n",
     "requires", "unknown_indicator"),
    ("""  - code: gate_a
    star: ecology
    name: "甲"
    kind: bool
    role: gate
    comparison: "=="
    threshold: true
""", "history:\n  - {level: 6, min_level: 4}\n", "level: 6", "out_of_range"),
    ("""  - code: gate_a
    star: ecology
    name: "甲"
    kind: bool
    role: gate
    comparison: "=="
    threshold: true
""", "quotas: {5: 120}\n", "quotas", "out_of_range"),
    ("""  - code: population
    star: ecology
    name: "人口"
    kind: count
    role: info
""", "", "code: population", "code_is_fact"),
])
def test_each_new_error_kind_is_refused_with_its_line(indicators, tail, fragment, code):
    text = v2_text(indicators, tail=tail)
    assert (line_of(text, fragment), code) in problems(text)


def test_format_2_features_in_a_format_1_file_are_refused_on_their_line():
    text = v2_text(DERIVED, tail="quotas: {5: 10}\n").replace("format_version: 2",
                                                             "format_version: 1")
    found = problems(text)
    assert (line_of(text, "formula:"), "v2_only") in found
    assert (line_of(text, "quotas:"), "v2_only") in found


def test_new_errors_read_in_chinese():
    text = v2_text(DERIVED).replace("income / population", "income / income")
    with pytest.raises(rulefile.RuleSetFileError) as caught:
        rulefile.parse_ruleset(text)
    assert str(caught.value.problems[0]) == (
        f"第 {line_of(text, 'formula:')} 行：计算公式除以“income”，该值可能为零；"
        "只能除以非零数字或 population、households、area_km2")


# ------------------------------------------------------------ consolidation


def test_a_falling_ladder_in_the_wrong_order_is_worded_for_falling_thresholds():
    text = v2_text("""  - code: cases
    star: safety
    name: "案件"
    kind: count
    role: points
    comparison: "<="
    steps:
      - {threshold: 1, points: 10}
      - {threshold: 3, points: 20}
""", stars={"safety": "{pass_mark: 0, max_points: 20}"})
    with pytest.raises(rulefile.RuleSetFileError) as caught:
        rulefile.parse_ruleset(text)
    problem = caught.value.problems[0]
    assert (problem.line, problem.code) == (line_of(text, "threshold: 3"), "steps_order_falling")
    assert "阈值逐档降低" in problem.message


def test_a_yaml_syntax_error_names_its_own_line_and_explains_in_chinese():
    text = v2_text(DERIVED).replace('    name: "人均"', '    name: 人均: 收入')
    with pytest.raises(rulefile.RuleSetFileError) as caught:
        rulefile.parse_ruleset(text)
    problem = caught.value.problems[0]
    assert problem.line == line_of(text, "人均: 收入")
    assert "冒号" in problem.message and "mapping values" not in problem.message


def test_a_tab_in_the_indentation_is_explained_in_chinese():
    text = v2_text(DERIVED).replace('    name: "人均"', '\tname: "人均"')
    with pytest.raises(rulefile.RuleSetFileError) as caught:
        rulefile.parse_ruleset(text)
    assert "制表符" in caught.value.problems[0].message


def test_an_unclosed_quote_is_reported_on_the_line_it_opens():
    # No quote follows, so PyYAML only notices at the end of the file.
    text = v2_text(DERIVED).replace('    name: "占位说明 civility"', '    name: "占位说明 civility')
    with pytest.raises(rulefile.RuleSetFileError) as caught:
        rulefile.parse_ruleset(text)
    problem = caught.value.problems[0]
    assert problem.line == line_of(text, 'name: "占位说明 civility')
    assert "引号" in problem.message
