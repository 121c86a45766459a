"""Parsing a rule-set file into a RuleSetSpec (top level and stars)."""

from __future__ import annotations

import yaml
from yaml.nodes import MappingNode, Node

from scoring.engine import (
    BRANCH_RULES,
    DEFAULT_LEVEL_LABELS,
    DEFAULT_RISK_MARGIN,
    RULE_BOUNDS,
    STAR_CODES,
    IndicatorSpec,
    RuleSetSpec,
    StarSpec,
)

from .common import (
    _ISSUER_RE,
    FORMAT_VERSIONS,
    STAR_KEYS,
    TOP_KEYS,
    TOP_REQUIRED,
    RuleSetFileError,
    chinese,
)
from .indicators import (
    _read_indicators,
)
from .reader import (
    _Reader,
)
from .v2 import (
    V2_STAR_KEYS,
    V2_TOP_KEYS,
    check_formulas,
    read_bands,
    read_groups,
    read_history,
    read_quotas,
    refuse_in_v1,
)


def parse_ruleset(text: str, ruleset_id: str | int | None = None) -> RuleSetSpec:
    """Parse and validate a rule-set file; raise RuleSetFileError listing every problem."""
    reader = _Reader()
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc)
        line = _yaml_line(exc, problem)
        reader.problem(line, "not_yaml", error=_yaml_hint(problem))
        raise RuleSetFileError(reader.problems) from None
    if root is None:
        reader.problem(1, "empty")
        raise RuleSetFileError(reader.problems)
    spec = _read_top(reader, root, ruleset_id)
    if reader.problems or spec is None:
        raise RuleSetFileError(reader.problems)
    return spec


_YAML_HINTS = (
    ("mapping values are not allowed", "yaml_colon"),
    ("could not find expected ':'", "yaml_colon"),
    ("'\\t'", "yaml_tab"),
    ("expected <block end>", "yaml_indent"),
    ("expected <block mapping start>", "yaml_indent"),
    ("did not find expected key", "yaml_indent"),
    ("did not find expected '-' indicator", "yaml_indent"),
    ("end of stream", "yaml_quote"),
)


def _yaml_line(exc: yaml.YAMLError, problem: str) -> int:
    """The line the mistake is on: for an unclosed quote or a key without its colon
    PyYAML notices at a later line, and its context mark is where the mistake is."""
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    late = "end of stream" in problem or "could not find expected ':'" in problem
    mark = context_mark if late and context_mark is not None else (problem_mark
                                                                   or context_mark)
    return mark.line + 1 if mark is not None else 1


def _yaml_hint(problem: str) -> str:
    """PyYAML's English problem explained in Chinese (the line is the problem's own)."""
    for text, code in _YAML_HINTS:
        if text in problem:
            return chinese(code, {})
    return chinese("yaml_other", {"error": problem})


def _read_top(reader: _Reader, root: Node, ruleset_id: str | int | None) -> RuleSetSpec | None:
    top = reader.mapping(root, "文件顶层", TOP_KEYS + V2_TOP_KEYS, TOP_REQUIRED)
    if top is None:
        return None
    if "format_version" in top:
        version = reader.integer(top["format_version"], "format_version")
        if version is not None and version not in FORMAT_VERSIONS:
            reader.problem(top["format_version"], "bad_format_version", value=version,
                           expected=" 或 ".join(map(str, FORMAT_VERSIONS)))
        elif version is not None:
            reader.version = version
    refuse_in_v1(reader, top, V2_TOP_KEYS)
    name = reader.string(top["name"], "name") if "name" in top else None
    issuer = _read_issuer(reader, top.get("issuer"))
    year = reader.integer(top["year"], "year", *RULE_BOUNDS["year"]) if "year" in top else None
    rs_version = (reader.integer(top["version"], "version", *RULE_BOUNDS["version"])
                  if "version" in top else 1)
    reference = reader.boolean(top["reference"], "reference") if "reference" in top else False
    branch_rule = "capstone"
    if "branch_rule" in top:
        branch_rule = reader.choice(top["branch_rule"], "branch_rule", BRANCH_RULES,
                                    "unknown_branch_rule")
    margin = DEFAULT_RISK_MARGIN
    if "risk_margin" in top:
        margin = reader.number(top["risk_margin"], "risk_margin", *RULE_BOUNDS["risk_margin"])
    labels = dict(DEFAULT_LEVEL_LABELS)
    if "level_labels" in top:
        labels = _read_labels(reader, top["level_labels"])
    stars, star_lines = _read_stars(reader, top.get("stars"))
    indicators, mentioned = _read_indicators(reader, top.get("indicators"))
    check_formulas(reader, indicators)
    extras = _read_v2_top(reader, top, indicators) if reader.version == 2 else {}
    _check_stars(reader, stars, star_lines, indicators, mentioned)
    if reader.problems:
        return None
    return RuleSetSpec(
        id=ruleset_id, version=rs_version, name=name, issuer_code=issuer, year=year,
        branch_rule=branch_rule, stars=stars, level_labels=labels, indicators=indicators,
        reference=reference, risk_margin=margin, format_version=reader.version,
        **extras,  # type: ignore[arg-type]
    )


def _read_v2_top(reader: _Reader, top: dict[str, Node],
                 indicators: tuple[IndicatorSpec, ...]) -> dict[str, object]:
    extras: dict[str, object] = {}
    if "groups" in top:
        extras["groups"] = read_groups(reader, top["groups"], indicators)
    extras["level_rule"], extras["bands"] = read_bands(reader, top, indicators)
    if "history" in top:
        extras["history_rules"] = read_history(reader, top["history"])
    if "quotas" in top:
        extras["quotas"] = read_quotas(reader, top["quotas"])
    return extras


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
        fields = reader.mapping(value_node, f"stars.{code} ", STAR_KEYS + V2_STAR_KEYS,
                                STAR_KEYS)
        if fields is None or not all(key in fields for key in STAR_KEYS):
            continue
        refuse_in_v1(reader, fields, V2_STAR_KEYS)
        extras = {key: reader.integer(fields[key], key, 0) for key in V2_STAR_KEYS
                  if key in fields}
        pass_mark = reader.integer(fields["pass_mark"], "pass_mark", *RULE_BOUNDS["pass_mark"])
        max_points = reader.integer(fields["max_points"], "max_points",
                                    *RULE_BOUNDS["max_points"])
        if pass_mark is None or max_points is None:
            continue
        if pass_mark > max_points:
            reader.problem(fields["pass_mark"], "pass_mark_too_high", pass_mark=pass_mark,
                           max_points=max_points)
        stars[code] = StarSpec(code, pass_mark, max_points,
                               **{k: v for k, v in extras.items() if v is not None})
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
