"""Rule-set files: the format version, the problem messages and the error type."""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

FORMAT_VERSION = 1  # the version of a file that uses no format 2 feature
FORMAT_VERSIONS = (1, 2)

# The problem messages: one table, English msgids marked for the catalogue; the Chinese is
# in locale/zh_Hans (django.po/.mo), read here with the standard library so the parser
# stays free of Django. scoring/wording.py translates the same msgids in the active
# language.
_LOCALE = Path(__file__).resolve().parents[2] / "locale"
_CHINESE = gettext.translation("django", _LOCALE, languages=["zh_Hans"], fallback=True)


def gettext_noop(message: str) -> str:  # the name makemessages knows
    return message


def chinese(code: str, params: dict[str, object]) -> str:
    """A problem worded in Chinese, the product's default language."""
    return _CHINESE.gettext(MESSAGES[code]) % params



MESSAGES: dict[str, str] = {
    "not_yaml": gettext_noop("The file is not valid YAML: %(error)s"),
    "not_mapping": gettext_noop("%(where)s must be a mapping of “field: value”"),
    "not_list": gettext_noop("%(where)s must be a list"),
    "empty": gettext_noop("The file is empty"),
    "unknown_key": gettext_noop("Unknown field “%(key)s”"),
    "duplicate_key": gettext_noop("Field “%(key)s” appears twice"),
    "missing_key": gettext_noop("Required field “%(key)s” is missing"),
    "not_string": gettext_noop("“%(key)s” must be text"),
    "not_integer": gettext_noop("“%(key)s” must be a whole number"),
    "not_number": gettext_noop("“%(key)s” must be a number"),
    "not_bool": gettext_noop("“%(key)s” must be true or false"),
    "out_of_range": gettext_noop("“%(key)s” must be between %(low)s and %(high)s"),
    "bad_format_version": gettext_noop(
        "Unsupported format version %(value)s; expected %(expected)s"),
    "bad_issuer": gettext_noop("The issuer must be a division code of 2, 4, 6, 9 or 12 digits"),
    "unknown_branch_rule": gettext_noop(
        "Unknown branch-star rule “%(value)s”; allowed: %(allowed)s"),
    "unknown_star": gettext_noop("Unknown star “%(value)s”; allowed: %(allowed)s"),
    "missing_star": gettext_noop("Settings for “%(star)s” are missing"),
    "bad_level_labels": gettext_noop("Level labels must cover the six levels 0 to 5"),
    "pass_mark_too_high": gettext_noop(
        "Pass mark %(pass_mark)s is higher than the maximum points %(max_points)s"),
    "star_without_indicators": gettext_noop("“%(star)s” has no indicators"),
    "points_total_mismatch": gettext_noop(
        "The points of “%(star)s” add up to %(total)s, not the maximum %(max_points)s"),
    "bad_code": gettext_noop(
        "Indicator code “%(value)s” must start with a lower-case letter and use only "
        "letters, digits and underscores"),
    "duplicate_code": gettext_noop(
        "Indicator code “%(value)s” is used twice (first on line %(first)s)"),
    "unknown_kind": gettext_noop("Unknown value kind “%(value)s”; allowed: %(allowed)s"),
    "unknown_role": gettext_noop("Unknown role “%(value)s”; allowed: %(allowed)s"),
    "unknown_comparison": gettext_noop(
        "Unknown comparison “%(value)s”; allowed: %(allowed)s"),
    "unknown_cadence": gettext_noop("Unknown cadence “%(value)s”; allowed: %(allowed)s"),
    "unknown_combine": gettext_noop(
        "Unknown way of combining “%(value)s”; allowed: %(allowed)s"),
    "comparison_kind": gettext_noop("Comparison “%(value)s” does not fit a %(kind)s value"),
    "needs_threshold": gettext_noop("A %(role)s indicator needs a comparison and a threshold"),
    "threshold_not_bool": gettext_noop("The threshold of a yes/no indicator must be true or "
                                       "false"),
    "threshold_not_number": gettext_noop("The threshold must be a number"),
    "threshold_percent": gettext_noop("A percent threshold must be between 0 and 100"),
    "threshold_count": gettext_noop("A count threshold must be a whole number of at least 0"),
    "threshold_not_choice": gettext_noop("The threshold “%(value)s” is not one of the choices"),
    "threshold_not_list": gettext_noop("The threshold of an “in” comparison must be a list "
                                       "of choices"),
    "choices_required": gettext_noop("A choice indicator must list its choices"),
    "choices_forbidden": gettext_noop("Only a choice indicator may list choices"),
    "choices_duplicate": gettext_noop("The choice “%(value)s” appears twice"),
    "veto_with_points": gettext_noop("A veto item cannot carry points"),
    "points_forbidden": gettext_noop("A %(role)s indicator cannot carry points or steps"),
    "points_required": gettext_noop("A points indicator needs points or steps"),
    "points_and_steps": gettext_noop("Give either points or steps, not both"),
    "steps_and_threshold": gettext_noop("With steps, leave out the threshold"),
    "steps_kind": gettext_noop("Only numeric indicators can have stepped points"),
    "steps_order": gettext_noop(
        "Steps must run from easiest to hardest, thresholds and points rising"),
    "steps_every_month": gettext_noop("every_month cannot be combined with steps"),
    "points_positive": gettext_noop("Points must be a positive whole number"),
    "combine_kind": gettext_noop("Combining by “%(value)s” fits numeric indicators only"),
    "veto_every_month": gettext_noop("A veto item cannot be combined by every_month"),
    "info_partial": gettext_noop(
        "An information indicator gives both a comparison and a threshold, or neither"),
    "steps_order_falling": gettext_noop(
        "Steps must run from easiest to hardest: for <= and < the thresholds fall while the "
        "points rise"),
    # What a YAML syntax problem means, from PyYAML's wording (reading.py _yaml_hint).
    "yaml_colon": gettext_noop("a “:” where it is not allowed: put a space after the colon "
                               "of each field, and quotes around text that contains “:”"),
    "yaml_tab": gettext_noop("a tab character: indent with spaces only"),
    "yaml_indent": gettext_noop("the indentation does not line up with the lines above"),
    "yaml_quote": gettext_noop("a quote is opened but never closed"),
    "yaml_other": gettext_noop("the structure cannot be read (%(error)s)"),
    # Format 2 (docs/rule-sets.md "Format 2")
    "v2_only": gettext_noop("“%(key)s” needs format_version: 2"),
    "formula_syntax": gettext_noop("The formula is not valid: %(error)s (allowed: numbers, names, "
                         "+ - * /, brackets, min, max, abs)"),
    "formula_unknown_name": gettext_noop(
        "The formula names “%(name)s”, which is neither an indicator "
                               "nor a village fact (%(facts)s)"),
    "formula_name_kind": gettext_noop("The formula uses “%(name)s”, which is not a numeric "
                            "indicator"),
    "formula_zero_division": gettext_noop(
        "The formula divides by “%(divisor)s”, which can be zero; "
                                "divide only by a non-zero number or by population, "
                                "households or area_km2"),
    "formula_cycle": gettext_noop("Derived values depend on each other in a circle: %(cycle)s"),
    "formula_kind": gettext_noop("A derived value must be a number, percent or count"),
    "derived_field": gettext_noop("A derived value is computed, so it cannot have “%(key)s”"),
    "code_is_fact": gettext_noop("Indicator code “%(value)s” is the name of a village fact"),
    "unknown_fact": gettext_noop("Unknown village fact “%(value)s”; allowed: %(allowed)s"),
    "unknown_category": gettext_noop("Unknown village category “%(value)s”; allowed: %(allowed)s"),
    "threshold_for_steps": gettext_noop("Thresholds by village (threshold_for) need a threshold, "
                              "not steps"),
    "choice_points_kind": gettext_noop("Points per choice (choice_points) fit a choice indicator "
                             "with the role points or bonus"),
    "choice_points_alone": gettext_noop("With points per choice, leave out comparison, threshold, "
                              "points and steps"),
    "deduction_fields": gettext_noop("A deduction item gives its points per occurrence (points) on "
                           "a count, without comparison, threshold or steps"),
    "unknown_indicator": gettext_noop("Unknown indicator “%(value)s”"),
    "group_member": gettext_noop(
        "“%(value)s” must be a gate of the star “%(star)s” to be in a group"),
    "group_twice": gettext_noop("“%(value)s” is already in the group “%(group)s”"),
    "group_size": gettext_noop(
        "“at_least” must be between 1 and %(high)s, the number of listed items"),
    "bands_needed": gettext_noop("Score bands (bands) and level_rule: bands go together"),
    "bands_order": gettext_noop("Bands run from the highest level down, each needing fewer points"),
    "unknown_level_rule": gettext_noop("Unknown level rule “%(value)s”; allowed: %(allowed)s"),
}

TOP_KEYS = ("format_version", "name", "issuer", "year", "version", "reference", "branch_rule",
            "risk_margin", "level_labels", "stars", "indicators")
TOP_REQUIRED = ("format_version", "name", "issuer", "year", "stars", "indicators")
STAR_KEYS = ("pass_mark", "max_points")
INDICATOR_KEYS = ("code", "star", "name", "unit", "kind", "choices", "role", "comparison",
                  "threshold", "points", "steps", "cadence", "combine", "min_photos",
                  "min_documents", "evidence_max_age_months", "help")
INDICATOR_REQUIRED = ("code", "star", "name", "kind", "role")
STEP_KEYS = ("threshold", "points")
KIND_NAMES = {"bool": "是/否", "number": "数值", "percent": "百分比", "count": "计数",
              "choice": "选项"}
ROLE_NAMES = {"gate": "必达", "points": "计分", "veto": "一票否决", "info": "说明",
              "bonus": "加分", "deduction": "扣分"}
REFERENCE_HEADER = (
    "# 参考评星标准（示例）：仅供演示和参考，不是任何县（市、区）的正式标准。",
    "# 使用前须由县级组织部门按本地评星标准和争星晋级实施细则替换。",
    "# Reference rule set: a stand-in to be replaced by the county's own standard.",
)

_CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_ISSUER_RE = re.compile(r"^\d{2}(\d{2}(\d{2}(\d{3}(\d{3})?)?)?)?$")
_YAML_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})
_T = "tag:yaml.org,2002:"
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


@dataclass(frozen=True)
class Problem:
    line: int
    message: str
    code: str = ""
    params: dict[str, object] = field(default_factory=dict, compare=False)

    def __str__(self) -> str:
        return f"第 {self.line} 行：{self.message}"


class RuleSetFileError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: p.line)
        super().__init__("\n".join(str(p) for p in self.problems))
