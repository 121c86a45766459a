"""Rule-set files: parse and validate YAML into a RuleSetSpec, and write canonical YAML.

Pure (no Django). The format is documented in docs/rule-sets.md. Validation collects
*every* problem with its line number before giving up, so a county can fix a file in one
pass; an invalid file yields no spec at all.

Messages are written in Simplified Chinese, the product's default language (English in
the comment beside each); each problem also carries a stable ``code`` and its ``params``
so the Django layer can re-word or translate it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import pairwise

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from scoring.engine import (
    BRANCH_RULES,
    CADENCES,
    COMBINES,
    COMPARISONS,
    DEFAULT_LEVEL_LABELS,
    DEFAULT_RISK_MARGIN,
    KINDS,
    NUMERIC_KINDS,
    ROLES,
    STAR_CODES,
    STAR_NAMES,
    IndicatorSpec,
    RuleSetSpec,
    StarSpec,
    Threshold,
)

FORMAT_VERSION = 1

MESSAGES: dict[str, str] = {
    # The file is not valid YAML: {error}
    "not_yaml": "不是有效的 YAML 文件：{error}",
    # The file must be a mapping of fields at the top level
    "not_mapping": "{where}应为“字段: 值”形式的映射",
    "not_list": "{where}应为列表",
    "empty": "文件为空",
    # Unknown field "{key}"
    "unknown_key": "未知字段“{key}”",
    "duplicate_key": "字段“{key}”重复出现",
    # Required field "{key}" is missing
    "missing_key": "缺少必填字段“{key}”",
    "not_string": "“{key}”应为文字",
    "not_integer": "“{key}”应为整数",
    "not_number": "“{key}”应为数字",
    "not_bool": "“{key}”应为 true 或 false",
    "out_of_range": "“{key}”应在 {low} 到 {high} 之间",
    "bad_format_version": "不支持的格式版本 {value}，应为 {expected}",
    # Issuer must be a division code of 2, 4, 6, 9 or 12 digits
    "bad_issuer": "发布单位区划代码应为 2、4、6、9 或 12 位数字",
    "unknown_branch_rule": "未知的支部过硬星规则“{value}”，可选：{allowed}",
    "unknown_star": "未知的星“{value}”，可选：{allowed}",
    "missing_star": "缺少“{star}”的设置",
    "bad_level_labels": "星级名称应包含 0 到 5 共六级",
    # pass_mark {pass_mark} is greater than max_points {max_points}
    "pass_mark_too_high": "及格分 {pass_mark} 高于满分 {max_points}",
    "star_without_indicators": "“{star}”没有任何指标",
    # The points of this star's indicators add up to {total}, not max_points {max_points}
    "points_total_mismatch": "“{star}”各指标分值合计 {total}，与满分 {max_points} 不符",
    "bad_code": "指标代码“{value}”应为小写字母开头的英文、数字或下划线",
    # Indicator code "{value}" is used twice (first on line {first})
    "duplicate_code": "指标代码“{value}”重复（首次出现在第 {first} 行）",
    "unknown_kind": "未知的取值类型“{value}”，可选：{allowed}",
    "unknown_role": "未知的评判作用“{value}”，可选：{allowed}",
    "unknown_comparison": "未知的比较方式“{value}”，可选：{allowed}",
    "unknown_cadence": "未知的填报周期“{value}”，可选：{allowed}",
    "unknown_combine": "未知的累计方式“{value}”，可选：{allowed}",
    # Comparison "{value}" does not fit a {kind} value
    "comparison_kind": "比较方式“{value}”不适用于{kind}类型",
    "needs_threshold": "{role}指标须设置比较方式和阈值",
    "threshold_not_bool": "是/否类指标的阈值应为 true 或 false",
    "threshold_not_number": "阈值应为数字",
    "threshold_percent": "百分比阈值应在 0 到 100 之间",
    "threshold_count": "计数阈值应为不小于 0 的整数",
    "threshold_not_choice": "阈值“{value}”不在可选项中",
    "threshold_not_list": "“in”比较的阈值应为可选项列表",
    "choices_required": "选项类指标须列出 choices",
    "choices_forbidden": "只有选项类指标可以设置 choices",
    "choices_duplicate": "选项“{value}”重复",
    # A veto item cannot carry points
    "veto_with_points": "一票否决指标不能设置分值",
    "points_forbidden": "{role}指标不能设置分值或分档",
    "points_required": "计分指标须设置分值（points）或分档（steps）",
    "points_and_steps": "分值（points）与分档（steps）只能二选一",
    "steps_and_threshold": "设置分档（steps）时不再设置阈值（threshold）",
    "steps_kind": "只有数值类指标可以分档计分",
    "steps_order": "分档应按由易到难排列，阈值和分值逐档提高",
    "steps_every_month": "按月全部达标（every_month）不能与分档同时使用",
    "points_positive": "分值应为正整数",
    "combine_kind": "累计方式“{value}”只适用于数值类指标",
    "veto_every_month": "一票否决指标不能使用 every_month 累计方式",
    "info_partial": "说明类指标的比较方式和阈值应同时设置或同时省略",
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
ROLE_NAMES = {"gate": "必达", "points": "计分", "veto": "一票否决", "info": "说明"}
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


# ---------------------------------------------------------------------- reading


class _Reader:
    """Walks the composed YAML node tree, converting values and collecting problems."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, node: Node | int, code: str, **params: object) -> None:
        line = node if isinstance(node, int) else node.start_mark.line + 1
        message = MESSAGES[code].format(**params)
        self.problems.append(Problem(line, message, code, params))

    def mapping(self, node: Node, where: str, allowed: tuple[str, ...],
                required: tuple[str, ...] = ()) -> dict[str, Node] | None:
        """Keys to value nodes; reports unknown, duplicate and missing keys."""
        if not isinstance(node, MappingNode):
            self.problem(node, "not_mapping", where=where)
            return None
        values: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else str(key_node.value)
            if key not in allowed:
                self.problem(key_node, "unknown_key", key=key)
            elif key in values:
                self.problem(key_node, "duplicate_key", key=key)
            else:
                values[key] = value_node
        for key in required:
            if key not in values:
                self.problem(node, "missing_key", key=key)
        return values

    def string(self, node: Node, key: str, allow_int: bool = False) -> str | None:
        if isinstance(node, ScalarNode) and (
            node.tag == _T + "str" or (allow_int and node.tag == _T + "int")
        ):
            return node.value
        self.problem(node, "not_string", key=key)
        return None

    def integer(self, node: Node, key: str, low: int | None = None,
                high: int | None = None) -> int | None:
        if not (isinstance(node, ScalarNode) and node.tag == _T + "int"):
            self.problem(node, "not_integer", key=key)
            return None
        try:
            value = int(node.value.replace("_", ""))
        except ValueError:
            self.problem(node, "not_integer", key=key)
            return None
        return self._ranged(node, key, value, low, high)

    def number(self, node: Node, key: str, low: int | None = None,
               high: int | None = None) -> Decimal | None:
        value = _decimal(node)
        if value is None:
            self.problem(node, "not_number", key=key)
            return None
        return self._ranged(node, key, value, low, high)

    def _ranged(self, node: Node, key: str, value, low, high):
        if (low is not None and value < low) or (high is not None and value > high):
            self.problem(node, "out_of_range", key=key, low=low, high=high)
            return None
        return value

    def boolean(self, node: Node, key: str) -> bool | None:
        if isinstance(node, ScalarNode) and node.tag == _T + "bool":
            return node.value.lower() in ("true", "yes", "on", "y")
        self.problem(node, "not_bool", key=key)
        return None

    def choice(self, node: Node, key: str, allowed: tuple[str, ...], code: str) -> str | None:
        value = node.value if isinstance(node, ScalarNode) else None
        if value not in allowed:
            self.problem(node, code, value=value, allowed="、".join(allowed))
            return None
        return value


def _decimal(node: Node) -> Decimal | None:
    # Read numbers from the source text, not through float, so 0.1 stays 0.1.
    if not (isinstance(node, ScalarNode) and node.tag in (_T + "int", _T + "float")):
        return None
    try:
        value = Decimal(node.value.replace("_", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def parse_ruleset(text: str, ruleset_id: str | int | None = None) -> RuleSetSpec:
    """Parse and validate a rule-set file; raise RuleSetFileError listing every problem."""
    reader = _Reader()
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reader.problem(line, "not_yaml", error=getattr(exc, "problem", None) or str(exc))
        raise RuleSetFileError(reader.problems) from None
    if root is None:
        reader.problem(1, "empty")
        raise RuleSetFileError(reader.problems)
    spec = _read_top(reader, root, ruleset_id)
    if reader.problems or spec is None:
        raise RuleSetFileError(reader.problems)
    return spec


def _read_top(reader: _Reader, root: Node, ruleset_id: str | int | None) -> RuleSetSpec | None:
    top = reader.mapping(root, "文件顶层", TOP_KEYS, TOP_REQUIRED)
    if top is None:
        return None
    if "format_version" in top:
        version = reader.integer(top["format_version"], "format_version")
        if version is not None and version != FORMAT_VERSION:
            reader.problem(top["format_version"], "bad_format_version", value=version,
                           expected=FORMAT_VERSION)
    name = reader.string(top["name"], "name") if "name" in top else None
    issuer = _read_issuer(reader, top.get("issuer"))
    year = reader.integer(top["year"], "year", 2000, 2100) if "year" in top else None
    rs_version = reader.integer(top["version"], "version", 1) if "version" in top else 1
    reference = reader.boolean(top["reference"], "reference") if "reference" in top else False
    branch_rule = "capstone"
    if "branch_rule" in top:
        branch_rule = reader.choice(top["branch_rule"], "branch_rule", BRANCH_RULES,
                                    "unknown_branch_rule")
    margin = DEFAULT_RISK_MARGIN
    if "risk_margin" in top:
        margin = reader.number(top["risk_margin"], "risk_margin", 0, 100)
    labels = dict(DEFAULT_LEVEL_LABELS)
    if "level_labels" in top:
        labels = _read_labels(reader, top["level_labels"])
    stars, star_lines = _read_stars(reader, top.get("stars"))
    indicators, mentioned = _read_indicators(reader, top.get("indicators"))
    _check_stars(reader, stars, star_lines, indicators, mentioned)
    if reader.problems:
        return None
    return RuleSetSpec(
        id=ruleset_id, version=rs_version, name=name, issuer_code=issuer, year=year,
        branch_rule=branch_rule, stars=stars, level_labels=labels, indicators=indicators,
        reference=reference, risk_margin=margin,
    )


def _read_issuer(reader: _Reader, node: Node | None) -> str | None:
    if node is None:
        return None
    value = reader.string(node, "issuer", allow_int=True)
    if value is not None and not _ISSUER_RE.match(value):
        reader.problem(node, "bad_issuer")
        return None
    return value


def _read_labels(reader: _Reader, node: Node) -> dict[int, str]:
    labels: dict[int, str] = {}
    before = len(reader.problems)
    if not isinstance(node, MappingNode):
        reader.problem(node, "not_mapping", where="level_labels ")
        return labels
    for key_node, value_node in node.value:
        level = reader.integer(key_node, "level_labels", 0, 5)
        text = reader.string(value_node, "level_labels")
        if level is not None and level in labels:
            reader.problem(key_node, "duplicate_key", key=level)
        elif level is not None and text is not None:
            labels[level] = text
    if len(labels) != 6 and len(reader.problems) == before:
        reader.problem(node, "bad_level_labels")
    return labels


def _read_stars(reader: _Reader, node: Node | None) -> tuple[dict[str, StarSpec], dict[str, int]]:
    stars: dict[str, StarSpec] = {}
    lines: dict[str, int] = {}
    if node is None:
        return stars, lines
    if not isinstance(node, MappingNode):
        reader.problem(node, "not_mapping", where="stars ")
        return stars, lines
    for key_node, value_node in node.value:
        code = key_node.value
        if code not in STAR_CODES:
            reader.problem(key_node, "unknown_star", value=code, allowed="、".join(STAR_CODES))
            continue
        if code in lines:
            reader.problem(key_node, "duplicate_key", key=code)
            continue
        lines[code] = key_node.start_mark.line + 1
        fields = reader.mapping(value_node, f"stars.{code} ", STAR_KEYS, STAR_KEYS)
        if fields is None or len(fields) < 2:
            continue
        pass_mark = reader.integer(fields["pass_mark"], "pass_mark", 0)
        max_points = reader.integer(fields["max_points"], "max_points", 0)
        if pass_mark is None or max_points is None:
            continue
        if pass_mark > max_points:
            reader.problem(fields["pass_mark"], "pass_mark_too_high", pass_mark=pass_mark,
                           max_points=max_points)
        stars[code] = StarSpec(code, pass_mark, max_points)
    for code in STAR_CODES:
        if code not in lines:
            reader.problem(node, "missing_star", star=code)
    return stars, lines


def _check_stars(reader: _Reader, stars: dict[str, StarSpec], lines: dict[str, int],
                 indicators: tuple[IndicatorSpec, ...], mentioned: set[str]) -> None:
    for code, star in stars.items():
        mine = [ind for ind in indicators if ind.star == code]
        if code not in mentioned:
            reader.problem(lines[code], "star_without_indicators", star=code)
            continue
        total = sum(ind.max_points for ind in mine)
        if total != star.max_points and not reader.problems:
            reader.problem(lines[code], "points_total_mismatch", star=code, total=total,
                           max_points=star.max_points)


def _read_indicators(reader: _Reader,
                     node: Node | None) -> tuple[tuple[IndicatorSpec, ...], set[str]]:
    """The valid indicators, and every star named by an indicator, valid or not."""
    mentioned: set[str] = set()
    if node is None:
        return (), mentioned
    if not isinstance(node, SequenceNode):
        reader.problem(node, "not_list", where="indicators ")
        return (), mentioned
    result: list[IndicatorSpec] = []
    first_lines: dict[str, int] = {}
    for item in node.value:
        # Remember the star even of a broken indicator, so the star is not also
        # reported as having no indicators.
        if isinstance(item, MappingNode):
            mentioned.update(v.value for k, v in item.value
                             if k.value == "star" and isinstance(v, ScalarNode))
        ind = _read_indicator(reader, item, first_lines)
        if ind is not None:
            result.append(ind)
    return tuple(result), mentioned


def _read_indicator(reader: _Reader, node: Node,
                    first_lines: dict[str, int]) -> IndicatorSpec | None:
    before = len(reader.problems)
    f = reader.mapping(node, "每个指标", INDICATOR_KEYS, INDICATOR_REQUIRED)
    if f is None:
        return None
    code = _read_code(reader, f.get("code"), first_lines)
    star = None
    if "star" in f:
        star = reader.choice(f["star"], "star", STAR_CODES, "unknown_star")
    name = reader.string(f["name"], "name") if "name" in f else None
    kind = reader.choice(f["kind"], "kind", KINDS, "unknown_kind") if "kind" in f else None
    role = reader.choice(f["role"], "role", ROLES, "unknown_role") if "role" in f else None
    comparison = None
    if "comparison" in f:
        comparison = reader.choice(f["comparison"], "comparison", COMPARISONS,
                                   "unknown_comparison")
    cadence = "monthly"
    if "cadence" in f:
        cadence = reader.choice(f["cadence"], "cadence", CADENCES, "unknown_cadence")
    combine = "latest"
    if "combine" in f:
        combine = reader.choice(f["combine"], "combine", COMBINES, "unknown_combine")
    texts = {key: reader.string(f[key], key) if key in f else "" for key in ("unit", "help")}
    counts = {key: reader.integer(f[key], key, 0) if key in f else 0
              for key in ("min_photos", "min_documents")}
    max_age = None
    if "evidence_max_age_months" in f:
        max_age = reader.integer(f["evidence_max_age_months"], "evidence_max_age_months", 1)
    choices = _read_choices(reader, f, kind)
    if len(reader.problems) > before or kind is None or role is None:
        return None
    threshold, points, steps = _read_judging(reader, node, f, kind, role, comparison, choices,
                                             combine)
    if len(reader.problems) > before:
        return None
    return IndicatorSpec(
        code=code, star=star, name=name, kind=kind, role=role, comparison=comparison,
        threshold=threshold, points=points, steps=steps, choices=choices,
        unit=texts["unit"], help=texts["help"], cadence=cadence, combine=combine,
        min_photos=counts["min_photos"], min_documents=counts["min_documents"],
        evidence_max_age_months=max_age,
    )


def _read_code(reader: _Reader, node: Node | None, first_lines: dict[str, int]) -> str | None:
    if node is None:
        return None
    code = reader.string(node, "code")
    if code is None:
        return None
    line = node.start_mark.line + 1
    if not _CODE_RE.match(code):
        reader.problem(node, "bad_code", value=code)
    elif code in first_lines:
        reader.problem(node, "duplicate_code", value=code, first=first_lines[code])
    else:
        first_lines[code] = line
    return code


def _read_choices(reader: _Reader, f: dict[str, Node], kind: str | None) -> tuple[str, ...]:
    if "choices" not in f:
        if kind == "choice":
            reader.problem(f.get("kind"), "choices_required")
        return ()
    node = f["choices"]
    if kind != "choice":
        if kind is not None:
            reader.problem(node, "choices_forbidden")
        return ()
    if not isinstance(node, SequenceNode) or not node.value:
        reader.problem(node, "choices_required")
        return ()
    seen: list[str] = []
    for item in node.value:
        text = reader.string(item, "choices")
        if text in seen:
            reader.problem(item, "choices_duplicate", value=text)
        elif text is not None:
            seen.append(text)
    return tuple(seen)


def _read_judging(
    reader: _Reader, node: Node, f: dict[str, Node], kind: str, role: str,
    comparison: str | None, choices: tuple[str, ...], combine: str,
) -> tuple[Threshold, int, tuple[tuple[Decimal, int], ...]]:
    """Threshold, points and steps, checked against the kind and the role."""
    has_points, has_steps = "points" in f, "steps" in f
    if role == "veto" and (has_points or has_steps):
        reader.problem(f["points"] if has_points else f["steps"], "veto_with_points")
    if role in ("gate", "info") and (has_points or has_steps):
        reader.problem(f["points"] if has_points else f["steps"], "points_forbidden",
                       role=ROLE_NAMES[role])
    if role == "points" and not (has_points or has_steps):
        reader.problem(node, "points_required")
    if has_points and has_steps:
        reader.problem(f["steps"], "points_and_steps")
    if combine in ("sum", "avg", "min", "max") and kind not in NUMERIC_KINDS:
        reader.problem(f["combine"], "combine_kind", value=combine)
    if combine == "every_month" and role == "veto":
        reader.problem(f["combine"], "veto_every_month")
    if comparison is not None and not _comparison_fits(comparison, kind):
        reader.problem(f["comparison"], "comparison_kind", value=comparison,
                       kind=KIND_NAMES[kind])
        return None, 0, ()
    if role == "points" and has_steps and not has_points:
        if "threshold" in f:
            reader.problem(f["threshold"], "steps_and_threshold")
        if combine == "every_month":
            reader.problem(f["steps"], "steps_every_month")
        return None, 0, _read_steps(reader, f["steps"], kind, comparison)
    threshold = None
    if "threshold" in f:
        threshold = _read_threshold(reader, f["threshold"], kind, comparison, choices)
    if role in ("gate", "veto", "points") and (comparison is None or "threshold" not in f):
        reader.problem(node, "needs_threshold", role=ROLE_NAMES[role])
    if role == "info" and (comparison is None) != ("threshold" not in f):
        reader.problem(node, "info_partial")
    points = 0
    if role == "points" and has_points and not has_steps:
        points = reader.integer(f["points"], "points") or 0
        if points <= 0:
            reader.problem(f["points"], "points_positive")
    return threshold, points, ()


def _comparison_fits(comparison: str, kind: str) -> bool:
    if kind == "bool":
        return comparison == "=="
    if kind == "choice":
        return comparison in ("==", "in")
    return comparison != "in"


def _read_threshold(reader: _Reader, node: Node, kind: str, comparison: str | None,
                    choices: tuple[str, ...]) -> Threshold:
    if kind == "bool":
        if not (isinstance(node, ScalarNode) and node.tag == _T + "bool"):
            reader.problem(node, "threshold_not_bool")
            return None
        return node.value.lower() in ("true", "yes", "on", "y")
    if kind == "choice":
        return _read_choice_threshold(reader, node, comparison, choices)
    return _numeric_threshold(reader, node, kind)


def _read_choice_threshold(reader: _Reader, node: Node, comparison: str | None,
                           choices: tuple[str, ...]) -> Threshold:
    if comparison == "in":
        if not isinstance(node, SequenceNode) or not node.value:
            reader.problem(node, "threshold_not_list")
            return None
        items = tuple(item.value for item in node.value if isinstance(item, ScalarNode))
        for item in node.value:
            if not isinstance(item, ScalarNode) or item.value not in choices:
                reader.problem(item, "threshold_not_choice", value=item.value)
        return items
    if not isinstance(node, ScalarNode) or node.value not in choices:
        reader.problem(node, "threshold_not_choice", value=getattr(node, "value", ""))
        return None
    return node.value


def _numeric_threshold(reader: _Reader, node: Node, kind: str) -> Decimal | None:
    value = _decimal(node)
    if value is None:
        reader.problem(node, "threshold_not_number")
    elif kind == "percent" and not 0 <= value <= 100:
        reader.problem(node, "threshold_percent")
    elif kind == "count" and (value < 0 or value != value.to_integral_value()):
        reader.problem(node, "threshold_count")
    else:
        return value
    return None


def _read_steps(reader: _Reader, node: Node, kind: str,
                comparison: str | None) -> tuple[tuple[Decimal, int], ...]:
    if kind not in NUMERIC_KINDS:
        reader.problem(node, "steps_kind")
        return ()
    if not isinstance(node, SequenceNode) or not node.value:
        reader.problem(node, "not_list", where="steps ")
        return ()
    steps: list[tuple[Decimal, int]] = []
    items: list[Node] = []
    for item in node.value:
        f = reader.mapping(item, "每一档", STEP_KEYS, STEP_KEYS)
        if f is None or len(f) < 2:
            continue
        threshold = _numeric_threshold(reader, f["threshold"], kind)
        points = reader.integer(f["points"], "points")
        if points is not None and points <= 0:
            reader.problem(f["points"], "points_positive")
        elif threshold is not None and points is not None:
            steps.append((threshold, points))
            items.append(item)
    if comparison is None or comparison == "==":
        reader.problem(node, "needs_threshold" if comparison is None else "steps_order",
                       role=ROLE_NAMES["points"])
        return ()
    harder = 1 if comparison in (">=", ">") else -1
    for ((t1, p1), (t2, p2)), item in zip(pairwise(steps), items[1:], strict=True):
        if p2 <= p1 or (t2 - t1) * harder <= 0:
            reader.problem(item, "steps_order")
            break
    return tuple(steps)


# ---------------------------------------------------------------------- writing


def _q(text: str) -> str:
    # JSON strings are valid YAML double-quoted scalars; keep Chinese readable, but escape
    # what YAML refuses or reads as a line break (C1 controls, NEL, U+2028/2029, BOM).
    quoted = json.dumps(text, ensure_ascii=False)
    return _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def _word(text: str) -> str:
    """A code or enum value: plain when it is safe, quoted otherwise."""
    if _CODE_RE.match(text) and text not in _YAML_WORDS:
        return text
    return _q(text)


def _num(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text == "-0" else text


def _threshold(value: Threshold) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return _num(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(_q(v) for v in value) + "]"
    return _q(str(value))


def dump_ruleset(spec: RuleSetSpec) -> str:
    """Canonical YAML: fixed key order, defaults omitted on indicators, generated comments.

    Comments in an imported file are not kept, except the ones this function writes
    (the reference header and one line naming each star before its indicators).
    """
    lines: list[str] = list(REFERENCE_HEADER) if spec.reference else []
    lines += [
        f"format_version: {FORMAT_VERSION}",
        f"name: {_q(spec.name)}",
        f"issuer: {_q(spec.issuer_code)}",
        f"year: {spec.year}",
        f"version: {spec.version}",
        f"reference: {'true' if spec.reference else 'false'}",
        f"branch_rule: {spec.branch_rule}",
        f"risk_margin: {_num(spec.risk_margin)}",
        "level_labels:",
        *(f"  {level}: {_q(spec.level_labels[level])}" for level in sorted(spec.level_labels)),
        "stars:",
    ]
    for code in STAR_CODES:
        if code in spec.stars:
            star = spec.stars[code]
            lines.append(f"  {code}: {{pass_mark: {star.pass_mark}, "
                         f"max_points: {star.max_points}}}")
    lines.append("indicators:")
    previous = None
    for ind in spec.indicators:
        if ind.star != previous:
            lines.append(f"  # {STAR_NAMES.get(ind.star, ind.star)}")
            previous = ind.star
        lines += _dump_indicator(ind)
    return "\n".join(lines) + "\n"


def _dump_indicator(ind: IndicatorSpec) -> list[str]:
    pairs: list[tuple[str, str]] = [
        ("code", _word(ind.code)), ("star", _word(ind.star)), ("name", _q(ind.name))]
    if ind.unit:
        pairs.append(("unit", _q(ind.unit)))
    pairs.append(("kind", ind.kind))
    if ind.choices:
        pairs.append(("choices", _threshold(ind.choices)))
    pairs.append(("role", ind.role))
    if ind.comparison is not None:
        pairs.append(("comparison", _q(ind.comparison)))
    if ind.threshold is not None:
        pairs.append(("threshold", _threshold(ind.threshold)))
    if ind.role == "points" and not ind.steps:
        pairs.append(("points", str(ind.points)))
    lines = [f"    {key}: {value}" for key, value in pairs]
    if ind.steps:
        lines.append("    steps:")
        lines += [f"      - {{threshold: {_num(t)}, points: {p}}}" for t, p in ind.steps]
    tail = [("cadence", ind.cadence), ("combine", ind.combine)]
    if ind.min_photos:
        tail.append(("min_photos", str(ind.min_photos)))
    if ind.min_documents:
        tail.append(("min_documents", str(ind.min_documents)))
    if ind.evidence_max_age_months is not None:
        tail.append(("evidence_max_age_months", str(ind.evidence_max_age_months)))
    if ind.help:
        tail.append(("help", _q(ind.help)))
    lines += [f"    {key}: {value}" for key, value in tail]
    lines[0] = "  - " + lines[0][4:]
    return lines
