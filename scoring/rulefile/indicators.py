"""Reading and checking the indicators of a rule-set file."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from scoring.engine import (
    ALL_ROLES,
    CADENCES,
    COMBINES,
    COMPARISONS,
    FACTS,
    KINDS,
    NUMERIC_KINDS,
    ROLES,
    RULE_BOUNDS,
    SCORING_ROLES,
    STAR_CODES,
    IndicatorSpec,
    Threshold,
)

from .common import (
    _CODE_RE,
    _T,
    INDICATOR_KEYS,
    INDICATOR_REQUIRED,
    KIND_NAMES,
    ROLE_NAMES,
    STEP_KEYS,
)
from .reader import (
    _decimal,
    _Reader,
)
from .v2 import (
    V2_INDICATOR_KEYS,
    read_cases,
    read_choice_points,
    read_deduction,
    read_formula,
    refuse_in_v1,
)


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
    f = reader.mapping(node, "每个指标", INDICATOR_KEYS + V2_INDICATOR_KEYS,
                       INDICATOR_REQUIRED)
    if f is None:
        return None
    refuse_in_v1(reader, f, V2_INDICATOR_KEYS)
    code = _read_code(reader, f.get("code"), first_lines)
    star = None
    if "star" in f:
        star = reader.choice(f["star"], "star", STAR_CODES, "unknown_star")
    name = reader.string(f["name"], "name") if "name" in f else None
    kind = reader.choice(f["kind"], "kind", KINDS, "unknown_kind") if "kind" in f else None
    roles = ROLES if reader.version == 1 else ALL_ROLES
    role = reader.choice(f["role"], "role", roles, "unknown_role") if "role" in f else None
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
    counts = {key: reader.integer(f[key], key, *RULE_BOUNDS[key]) if key in f else 0
              for key in ("min_photos", "min_documents")}
    max_age = None
    if "evidence_max_age_months" in f:
        max_age = reader.integer(f["evidence_max_age_months"], "evidence_max_age_months",
                                 *RULE_BOUNDS["evidence_max_age_months"])
    choices = _read_choices(reader, f, kind)
    formula, inputs = None, ()
    if "formula" in f:
        formula, inputs = read_formula(reader, f, code, kind)
        cadence = "annual"  # computed once per evaluation from the combined inputs
    if len(reader.problems) > before or kind is None or role is None:
        return None
    extras: dict[str, object] = {}
    if role == "deduction":
        points, extras["max_deduction"] = read_deduction(reader, node, f, kind)
        threshold, steps = None, ()
    elif "choice_points" in f:
        extras["choice_points"] = read_choice_points(reader, f, kind, role, choices)
        threshold, points, steps = None, 0, ()
    else:
        threshold, points, steps = _read_judging(reader, node, f, kind, role, comparison,
                                                 choices, combine)
    if "threshold_for" in f:
        if steps or role not in ("gate", "points", "bonus", "veto"):
            reader.problem(f["threshold_for"], "threshold_for_steps")
        else:
            extras["threshold_for"] = read_cases(
                reader, f["threshold_for"],
                lambda n: _read_threshold(reader, n, kind, comparison, choices))
    if len(reader.problems) > before:
        return None
    return IndicatorSpec(
        formula=formula, inputs=inputs, **extras,  # type: ignore[arg-type]
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
    elif reader.version == 2 and code in FACTS:  # formulas could not tell them apart
        reader.problem(node, "code_is_fact", value=code)
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
    if role in SCORING_ROLES and not (has_points or has_steps):
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
    if role in SCORING_ROLES and has_steps and not has_points:
        if "threshold" in f:
            reader.problem(f["threshold"], "steps_and_threshold")
        if combine == "every_month":
            reader.problem(f["steps"], "steps_every_month")
        return None, 0, _read_steps(reader, f["steps"], kind, comparison)
    threshold = None
    if "threshold" in f:
        threshold = _read_threshold(reader, f["threshold"], kind, comparison, choices)
    if role in ("gate", "veto", "points", "bonus") and (comparison is None
                                                       or "threshold" not in f):
        reader.problem(node, "needs_threshold", role=ROLE_NAMES[role])
    if role == "info" and (comparison is None) != ("threshold" not in f):
        reader.problem(node, "info_partial")
    points = 0
    if role in SCORING_ROLES and has_points and not has_steps:
        points = reader.integer(f["points"], "points", None, RULE_BOUNDS["points"][1]) or 0
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
        points = reader.integer(f["points"], "points", None, RULE_BOUNDS["points"][1])
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
            # A ceiling ladder ("<= 3 cases") gets harder as its thresholds fall.
            reader.problem(item, "steps_order" if harder == 1 else "steps_order_falling")
            break
    return tuple(steps)
