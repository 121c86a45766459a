"""Rule-set files: the reference file, the canonical round trip and every kind of problem."""

from decimal import Decimal
from pathlib import Path

import pytest

from scoring.engine import STAR_CODES
from scoring.rulefile import Problem, RuleSetFileError, dump_ruleset, parse_ruleset

REFERENCE = Path(__file__).resolve().parents[2] / "rulesets" / "henan-reference.yaml"

VALID = """\
format_version: 1
name: "测试标准"
issuer: "410902"
year: 2025
branch_rule: capstone
stars:
  branch: {pass_mark: 0, max_points: 0}
  industry: {pass_mark: 80, max_points: 100}
  ecology: {pass_mark: 0, max_points: 0}
  safety: {pass_mark: 0, max_points: 0}
  civility: {pass_mark: 0, max_points: 0}
indicators:
  - code: meetings
    star: branch
    name: "三会一课"
    kind: bool
    role: gate
    comparison: "=="
    threshold: true
  - code: income
    star: industry
    name: "集体经济收入"
    kind: number
    role: points
    comparison: ">="
    threshold: 100000
    points: 100
  - code: cleanup
    star: ecology
    name: "垃圾清运"
    kind: bool
    role: gate
    comparison: "=="
    threshold: true
  - code: crimes
    star: safety
    name: "刑事案件"
    kind: count
    role: veto
    comparison: ">="
    threshold: 1
  - code: petitions
    star: safety
    name: "越级上访"
    kind: count
    role: gate
    comparison: "<="
    threshold: 0
  - code: households
    star: civility
    name: "星级文明户覆盖率"
    kind: percent
    role: gate
    comparison: ">="
    threshold: 80
"""


def line_of(text: str, fragment: str, nth: int = 1) -> int:
    """1-based number of the nth line containing `fragment`."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if fragment in line]
    return hits[nth - 1]


def change(old: str, new: str, nth: int = 1, text: str = VALID) -> str:
    parts = text.split(old)
    assert len(parts) > nth, old
    return old.join(parts[:nth]) + new + old.join(parts[nth:])


def problems(text: str) -> list[tuple[int, str]]:
    with pytest.raises(RuleSetFileError) as caught:
        parse_ruleset(text)
    return [(p.line, p.code) for p in caught.value.problems]


# ---------------------------------------------------------------- valid files


def test_the_valid_sample_parses_with_defaults_filled_in():
    spec = parse_ruleset(VALID, ruleset_id=4)
    assert (spec.id, spec.version, spec.issuer_code, spec.year) == (4, 1, "410902", 2025)
    assert spec.level_labels[3] == "三星（强标准）"
    assert spec.risk_margin == 5
    assert spec.reference is False
    income = spec.indicators[1]
    assert (income.threshold, income.points, income.cadence, income.combine) == (
        Decimal(100000), 100, "monthly", "latest")


def test_the_reference_file_round_trips_byte_for_byte():
    text = REFERENCE.read_text(encoding="utf-8")
    spec = parse_ruleset(text)
    assert dump_ruleset(spec) == text
    assert parse_ruleset(dump_ruleset(spec)) == spec


def test_a_parsed_file_dumps_to_a_canonical_form_that_parses_back_equal():
    spec = parse_ruleset(VALID)
    assert parse_ruleset(dump_ruleset(spec)) == spec


def test_the_reference_rule_set_is_labelled_as_a_reference_to_replace():
    text = REFERENCE.read_text(encoding="utf-8")
    spec = parse_ruleset(text)
    assert spec.reference is True
    assert "参考" in spec.name
    assert text.startswith("# 参考评星标准")


def test_the_reference_rule_set_has_five_stars_of_five_to_eight_indicators():
    spec = parse_ruleset(REFERENCE.read_text(encoding="utf-8"))
    assert spec.branch_rule == "capstone"
    assert any(ind.role == "veto" for ind in spec.indicators)
    for star in STAR_CODES:
        mine = [ind for ind in spec.indicators if ind.star == star]
        assert 5 <= len(mine) <= 8, star
        assert any(ind.role == "gate" for ind in mine), star
        assert sum(ind.max_points for ind in mine) == 100, star
        assert (spec.stars[star].pass_mark, spec.stars[star].max_points) == (80, 100)


def test_a_bare_integer_issuer_code_is_accepted():
    assert parse_ruleset(change('issuer: "410902"', "issuer: 410902")).issuer_code == "410902"


# ---------------------------------------------------------------- bad shapes


def test_text_that_is_not_yaml_names_the_line_of_the_syntax_error():
    text = change('name: "测试标准"', "name: [unclosed")
    ((line, code),) = problems(text)
    assert code == "not_yaml"
    assert line >= 2


def test_a_top_level_list_is_rejected():
    assert problems("- 1\n- 2\n") == [(1, "not_mapping")]


def test_an_empty_file_is_rejected():
    assert problems("") == [(1, "empty")]


def test_an_unknown_top_level_key_is_named_with_its_line():
    text = change("year: 2025\n", "year: 2025\ncolour: red\n")
    assert problems(text) == [(line_of(text, "colour"), "unknown_key")]


def test_an_unknown_indicator_key_is_named_with_its_line():
    text = change("    points: 100\n", "    points: 100\n    weight: 3\n")
    assert problems(text) == [(line_of(text, "weight"), "unknown_key")]


def test_a_duplicate_top_level_key_is_reported():
    text = change("year: 2025\n", "year: 2025\nyear: 2026\n")
    assert problems(text) == [(line_of(text, "year: 2026"), "duplicate_key")]


def test_a_missing_required_field_points_at_its_indicator():
    text = change('    name: "集体经济收入"\n', "")
    assert problems(text) == [(line_of(text, "code: income"), "missing_key")]


def test_a_missing_top_level_field_is_reported_on_the_first_line():
    text = change("year: 2025\n", "")
    assert problems(text) == [(1, "missing_key")]


# ------------------------------------------------------------------ stars


def test_an_unknown_star_in_the_stars_table_is_reported():
    text = change("stars:\n", "stars:\n  moon: {pass_mark: 1, max_points: 1}\n")
    assert problems(text) == [(line_of(text, "moon"), "unknown_star")]


def test_an_indicator_of_an_unknown_star_is_reported():
    text = change("    star: branch\n", "    star: moon\n")
    found = problems(text)
    assert (line_of(text, "star: moon"), "unknown_star") in found


def test_a_missing_star_is_reported():
    text = change("  ecology: {pass_mark: 0, max_points: 0}\n", "")
    assert problems(text) == [(line_of(text, "branch: {"), "missing_star")]


def test_a_pass_mark_above_the_maximum_is_reported():
    text = change("industry: {pass_mark: 80", "industry: {pass_mark: 120")
    assert problems(text) == [(line_of(text, "industry: {"), "pass_mark_too_high")]


def test_a_star_without_indicators_is_reported_on_its_line():
    text = VALID.split("  - code: cleanup")[0] + "  - code: crimes" + \
        VALID.split("  - code: crimes")[1]
    assert problems(text) == [(line_of(text, "ecology: {"), "star_without_indicators")]


def test_points_that_do_not_add_up_to_the_maximum_are_reported():
    text = change("    points: 100\n", "    points: 90\n")
    assert problems(text) == [(line_of(text, "industry: {"), "points_total_mismatch")]


def test_an_unknown_branch_rule_is_reported():
    text = change("branch_rule: capstone", "branch_rule: keystone")
    assert problems(text) == [(5, "unknown_branch_rule")]


# ---------------------------------------------------------------- indicators


def test_a_duplicate_indicator_code_names_both_lines():
    text = change("  - code: petitions", "  - code: crimes")
    with pytest.raises(RuleSetFileError) as caught:
        parse_ruleset(text)
    (problem,) = caught.value.problems
    assert (problem.line, problem.code) == (line_of(text, "code: crimes", 2), "duplicate_code")
    assert str(line_of(text, "code: crimes")) in problem.message


@pytest.mark.parametrize(("key", "old", "new", "code"), [
    ("kind", "    kind: number", "    kind: money", "unknown_kind"),
    ("role", "    role: points", "    role: bonus", "unknown_role"),
    ("comparison", '    comparison: ">="\n    threshold: 100000', ('    comparison: "≥"\n'
                   "    threshold: 100000"), "unknown_comparison"),
])
def test_unknown_enumerated_values_are_reported(key, old, new, code):
    text = change(old, new)
    assert (line_of(text, new.split("\n")[0].strip()), code) in problems(text)


def test_an_unknown_cadence_and_combine_are_both_reported():
    text = change("    points: 100\n",
                  "    points: 100\n    cadence: weekly\n    combine: median\n")
    assert problems(text) == [(line_of(text, "weekly"), "unknown_cadence"),
                              (line_of(text, "median"), "unknown_combine")]


@pytest.mark.parametrize(("old", "new", "code"), [
    ("threshold: 80", "threshold: 120", "threshold_percent"),
    ("threshold: 80", "threshold: -1", "threshold_percent"),
    ("threshold: 100000", "threshold: lots", "threshold_not_number"),
    ("threshold: 1\n", "threshold: 1.5\n", "threshold_count"),
    ("threshold: true", "threshold: 1", "threshold_not_bool"),
])
def test_a_threshold_that_does_not_fit_the_value_kind_is_reported(old, new, code):
    text = change(old, new)
    assert problems(text) == [(line_of(text, new.strip()), code)]


def test_a_choice_threshold_must_be_one_of_the_choices():
    block = ('  - code: level\n    star: civility\n    name: "示范村"\n    kind: choice\n'
             '    choices: ["无", "县级"]\n    role: gate\n    comparison: "=="\n'
             '    threshold: "国家级"\n')
    text = VALID + block
    assert problems(text) == [(line_of(text, '"国家级"'), "threshold_not_choice")]
    listed = text.replace('comparison: "=="\n    threshold: "国家级"',
                          'comparison: "in"\n    threshold: ["县级", "省级"]')
    assert problems(listed) == [(line_of(listed, '["县级", "省级"]'), "threshold_not_choice")]


def test_a_comparison_that_does_not_fit_the_kind_is_reported():
    text = change('    comparison: "=="\n    threshold: true', '    comparison: ">="\n'
                  "    threshold: true")
    assert problems(text) == [(line_of(text, '">="'), "comparison_kind")]


def test_a_veto_marked_with_points_is_reported():
    text = change("    threshold: 1\n", "    threshold: 1\n    points: 7\n")
    assert problems(text) == [(line_of(text, "points: 7"), "veto_with_points")]


def test_points_on_a_gate_are_reported():
    text = change("    threshold: 0\n", "    threshold: 0\n    points: 5\n")
    assert problems(text) == [(line_of(text, "points: 5"), "points_forbidden")]


def test_steps_must_rise_in_threshold_and_points():
    text = change("    threshold: 100000\n    points: 100\n",
                  "    steps:\n      - {threshold: 200000, points: 50}\n"
                  "      - {threshold: 100000, points: 100}\n")
    assert problems(text) == [(line_of(text, "threshold: 100000, points: 100"), "steps_order")]


def test_a_valid_stepped_indicator_parses_into_steps():
    text = change("    threshold: 100000\n    points: 100\n",
                  "    steps:\n      - {threshold: 100000, points: 50}\n"
                  "      - {threshold: 200000, points: 100}\n")
    income = parse_ruleset(text).indicators[1]
    assert income.steps == ((Decimal(100000), 50), (Decimal(200000), 100))
    assert income.max_points == 100


def test_a_points_indicator_without_points_is_reported():
    text = change("    points: 100\n", "")
    found = problems(text)
    assert (line_of(text, "code: income"), "points_required") in found


def test_sum_on_a_yes_no_indicator_is_reported():
    text = change('    threshold: true\n  - code: income',
                  '    threshold: true\n    combine: sum\n  - code: income')
    assert problems(text) == [(line_of(text, "combine: sum"), "combine_kind")]


# ------------------------------------------------------------- all at once


def test_every_problem_is_reported_in_line_order_and_no_spec_is_returned():
    text = change("year: 2025", "year: 1900")
    text = change("    kind: number", "    kind: money", text=text)
    text = change("    threshold: 1\n", "    threshold: 1\n    points: 7\n", text=text)
    text = change("threshold: 80", "threshold: 180", text=text)
    spec = None
    with pytest.raises(RuleSetFileError) as caught:
        spec = parse_ruleset(text)
    assert spec is None
    assert [(p.line, p.code) for p in caught.value.problems] == [
        (line_of(text, "year: 1900"), "out_of_range"),
        (line_of(text, "kind: money"), "unknown_kind"),
        (line_of(text, "points: 7"), "veto_with_points"),
        (line_of(text, "threshold: 180"), "threshold_percent"),
    ]


def test_problems_read_as_chinese_lines_with_their_line_number():
    problem = Problem(12, "未知字段“colour”", "unknown_key")
    assert str(problem) == "第 12 行：未知字段“colour”"
    with pytest.raises(RuleSetFileError, match="第 4 行"):
        parse_ruleset(change("year: 2025", "year: soon"))


def test_the_full_example_in_the_docs_is_a_valid_rule_set():
    docs = (REFERENCE.parents[1] / "docs" / "rule-sets.md").read_text(encoding="utf-8")
    example = docs.split("```yaml\n", 1)[1].split("```", 1)[0]
    spec = parse_ruleset(example)
    assert [i.code for i in spec.indicators] == [
        "meetings_held", "collective_income", "garbage_cleanup", "criminal_cases",
        "civilised_households"]
