"""Reading the format 2 parts of a rule-set file (docs/rule-sets.md "Format 2").

Indicator fields: `formula` (a derived value), `threshold_for` (thresholds by village
category or size), `choice_points` (points per choice), `max_deduction` and the roles
`bonus` and `deduction`. Top level: `groups` ("at least N of these"), `level_rule` and
`bands` (levels from the total score), `history` (conditions on earlier cycles) and
`quotas` (名额). Star fields: `bonus_cap`, `floor`.
"""

from __future__ import annotations

from decimal import Decimal

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from scoring.engine import (
    LEVEL_RULES,
    NUMERIC_FACTS,
    NUMERIC_KINDS,
    STAR_CODES,
    VILLAGE_CATEGORIES,
    BandSpec,
    GroupSpec,
    HistoryRule,
    IndicatorSpec,
    ThresholdCase,
)
from scoring.engine.formula import FormulaProblem, formula_names

from .common import _CODE_RE
from .reader import _Reader

V2_INDICATOR_KEYS = ("formula", "threshold_for", "choice_points", "max_deduction")
V2_TOP_KEYS = ("groups", "level_rule", "bands", "history", "quotas")
V2_STAR_KEYS = ("bonus_cap", "floor")
# What a derived value cannot have: it is computed once per evaluation, never entered.
DERIVED_FORBIDDEN = ("cadence", "combine", "min_photos", "min_documents",
                     "evidence_max_age_months", "choices")
FORMULA_MAX_LENGTH = 300
CASE_KEYS = ("category", "fact", "at_least", "threshold")
GROUP_KEYS = ("code", "star", "name", "at_least", "of")
BAND_KEYS = ("level", "min_score", "requires")
HISTORY_KEYS = ("level", "min_level", "years")


def refuse_in_v1(reader: _Reader, fields: dict[str, Node], keys: tuple[str, ...]) -> None:
    if reader.version == 1:
        for key in keys:
            if key in fields:
                reader.problem(fields[key], "v2_only", key=key)


# ------------------------------------------------------------------ indicators


def read_formula(reader: _Reader, f: dict[str, Node], code: str | None,
                 kind: str | None) -> tuple[str | None, tuple[str, ...]]:
    node = f["formula"]
    text = reader.string(node, "formula")
    if text is None:
        return None, ()
    if kind is not None and kind not in NUMERIC_KINDS:
        reader.problem(node, "formula_kind")
    for key in DERIVED_FORBIDDEN:
        if key in f:
            reader.problem(f[key], "derived_field", key=key)
    if len(text) > FORMULA_MAX_LENGTH:  # the column that stores it (Indicator.formula)
        reader.problem(node, "formula_syntax", error=f"> {FORMULA_MAX_LENGTH}")
        return None, ()
    try:
        names = formula_names(text)
    except FormulaProblem as problem:
        reader.problem(node, problem.code, **problem.params)
        return None, ()
    if code is not None:
        reader.lines[code] = node.start_mark.line + 1
    return text, names


def read_cases(reader: _Reader, node: Node, read_threshold) -> tuple[ThresholdCase, ...]:
    if not isinstance(node, SequenceNode) or not node.value:
        reader.problem(node, "not_list", where="threshold_for ")
        return ()
    cases = []
    for item in node.value:
        f = reader.mapping(item, "threshold_for ", CASE_KEYS, ("threshold",))
        if f is None or "threshold" not in f:
            continue
        categories: tuple[str, ...] = ()
        if "category" in f:
            categories = _categories(reader, f["category"])
        fact, at_least = None, None
        if ("fact" in f) != ("at_least" in f):
            reader.problem(item, "missing_key", key="at_least" if "fact" in f else "fact")
        elif "fact" in f:
            fact = reader.choice(f["fact"], "fact", NUMERIC_FACTS, "unknown_fact")
            at_least = reader.number(f["at_least"], "at_least", 0)
        threshold = read_threshold(f["threshold"])
        cases.append(ThresholdCase(threshold=threshold, categories=categories, fact=fact,
                                   at_least=at_least))
    return tuple(cases)


def _categories(reader: _Reader, node: Node) -> tuple[str, ...]:
    items = node.value if isinstance(node, SequenceNode) else [node]
    found = []
    for item in items:
        value = item.value if isinstance(item, ScalarNode) else None
        if value not in VILLAGE_CATEGORIES:
            reader.problem(item, "unknown_category", value=value,
                           allowed="、".join(VILLAGE_CATEGORIES))
        else:
            found.append(value)
    return tuple(found)


def read_choice_points(reader: _Reader, f: dict[str, Node], kind: str, role: str,
                       choices: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    node = f["choice_points"]
    if kind != "choice" or role not in ("points", "bonus"):
        reader.problem(node, "choice_points_kind")
        return ()
    for key in ("comparison", "threshold", "points", "steps"):
        if key in f:
            reader.problem(f[key], "choice_points_alone")
    if not isinstance(node, MappingNode) or not node.value:
        reader.problem(node, "not_mapping", where="choice_points ")
        return ()
    points: dict[str, int] = {}
    for key_node, value_node in node.value:
        choice = key_node.value if isinstance(key_node, ScalarNode) else None
        value = reader.integer(value_node, "choice_points", 1)
        if choice not in choices:
            reader.problem(key_node, "threshold_not_choice", value=choice)
        elif choice in points:
            reader.problem(key_node, "duplicate_key", key=choice)
        elif value is not None:
            points[choice] = value
    # Canonical order: the order of `choices`.
    return tuple((c, points[c]) for c in choices if c in points)


def read_deduction(reader: _Reader, node: Node, f: dict[str, Node],
                   kind: str) -> tuple[int, int | None]:
    bad = [key for key in ("comparison", "threshold", "steps") if key in f]
    if kind not in ("count", "number") or bad or "points" not in f:
        reader.problem(f[bad[0]] if bad else node, "deduction_fields")
        return 0, None
    per = reader.integer(f["points"], "points", 1) or 0
    cap = None
    if "max_deduction" in f:
        cap = reader.integer(f["max_deduction"], "max_deduction", 1)
    return per, cap


# ------------------------------------------------------------- derived values


def check_formulas(reader: _Reader, indicators: tuple[IndicatorSpec, ...]) -> None:
    """Unknown names, non-numeric inputs and cycles, each on its formula's line."""
    by_code = {ind.code: ind for ind in indicators}
    derived = {ind.code: ind for ind in indicators if ind.formula}
    for ind in derived.values():
        line = reader.lines.get(ind.code, 1)
        for name in ind.inputs:
            other = by_code.get(name)
            if other is None and name not in NUMERIC_FACTS:
                reader.problem(line, "formula_unknown_name", name=name,
                               facts="、".join(NUMERIC_FACTS))
            elif other is not None and other.kind not in NUMERIC_KINDS:
                reader.problem(line, "formula_name_kind", name=name)
    reported: set[str] = set()
    for code in derived:
        cycle = _cycle_from(code, derived)
        if cycle and not reported & set(cycle):
            reported.update(cycle)
            reader.problem(reader.lines.get(code, 1), "formula_cycle",
                           cycle=" → ".join((*cycle, cycle[0])))


def _cycle_from(start: str, derived: dict[str, IndicatorSpec]) -> tuple[str, ...]:
    path: list[str] = []

    def visit(code: str) -> tuple[str, ...]:
        if code in path:
            return tuple(path[path.index(code):])
        path.append(code)
        for name in derived[code].inputs:
            if name in derived:
                found = visit(name)
                if found:
                    return found
        path.pop()
        return ()

    found = visit(start)
    return found if found and found[0] == start else ()


# ------------------------------------------------------------------ top level


def read_groups(reader: _Reader, node: Node,
                indicators: tuple[IndicatorSpec, ...]) -> tuple[GroupSpec, ...]:
    if not isinstance(node, SequenceNode):
        reader.problem(node, "not_list", where="groups ")
        return ()
    by_code = {ind.code: ind for ind in indicators}
    owner: dict[str, str] = {}
    groups = []
    for item in node.value:
        f = reader.mapping(item, "groups ", GROUP_KEYS, GROUP_KEYS)
        if f is None or len(f) < len(GROUP_KEYS):
            continue
        before = len(reader.problems)
        code = reader.string(f["code"], "code")
        if code is not None and not _CODE_RE.match(code):
            reader.problem(f["code"], "bad_code", value=code)
        elif code in by_code or any(g.code == code for g in groups):
            reader.problem(f["code"], "duplicate_code", value=code,
                           first=f["code"].start_mark.line + 1)
        star = reader.choice(f["star"], "star", STAR_CODES, "unknown_star")
        name = reader.string(f["name"], "name")
        members = _members(reader, f["of"], by_code, star, owner, code)
        at_least = reader.integer(f["at_least"], "at_least")
        if at_least is not None and not 1 <= at_least <= max(len(members), 1):
            reader.problem(f["at_least"], "group_size", high=len(members))
        if len(reader.problems) == before:
            groups.append(GroupSpec(code=code, star=star, name=name, at_least=at_least,
                                    members=members))
    return tuple(groups)


def _members(reader: _Reader, node: Node, by_code: dict[str, IndicatorSpec],
             star: str | None, owner: dict[str, str], group: str | None) -> tuple[str, ...]:
    if not isinstance(node, SequenceNode) or not node.value:
        reader.problem(node, "not_list", where="of ")
        return ()
    members = []
    for item in node.value:
        code = item.value if isinstance(item, ScalarNode) else None
        ind = by_code.get(code)
        if ind is None:
            reader.problem(item, "unknown_indicator", value=code)
        elif ind.role != "gate" or ind.star != star:
            reader.problem(item, "group_member", value=code, star=star)
        elif code in owner:
            reader.problem(item, "group_twice", value=code, group=owner[code])
        else:
            owner[code] = group or ""
            members.append(code)
    return tuple(members)


def read_bands(reader: _Reader, top: dict[str, Node],
               indicators: tuple[IndicatorSpec, ...]) -> tuple[str, tuple[BandSpec, ...]]:
    rule = "stars"
    if "level_rule" in top:
        rule = reader.choice(top["level_rule"], "level_rule", LEVEL_RULES,
                             "unknown_level_rule") or "stars"
    if (rule == "bands") != ("bands" in top):
        reader.problem(top.get("bands") or top["level_rule"], "bands_needed")
        return rule, ()
    if "bands" not in top:
        return rule, ()
    node = top["bands"]
    if not isinstance(node, SequenceNode) or not node.value:
        reader.problem(node, "not_list", where="bands ")
        return rule, ()
    codes = {ind.code for ind in indicators}
    bands: list[BandSpec] = []
    for item in node.value:
        f = reader.mapping(item, "bands ", BAND_KEYS, ("level", "min_score"))
        if f is None or "level" not in f or "min_score" not in f:
            continue
        level = reader.integer(f["level"], "level", 1, 5)
        min_score = reader.integer(f["min_score"], "min_score", 0)
        requires = _codes(reader, f["requires"], codes) if "requires" in f else ()
        if level is None or min_score is None:
            continue
        if bands and (level >= bands[-1].level or min_score >= bands[-1].min_score):
            reader.problem(item, "bands_order")
        bands.append(BandSpec(level=level, min_score=min_score, requires=requires))
    return rule, tuple(bands)


def _codes(reader: _Reader, node: Node, known: set[str]) -> tuple[str, ...]:
    if not isinstance(node, SequenceNode):
        reader.problem(node, "not_list", where="requires ")
        return ()
    found = []
    for item in node.value:
        code = item.value if isinstance(item, ScalarNode) else None
        if code not in known:
            reader.problem(item, "unknown_indicator", value=code)
        else:
            found.append(code)
    return tuple(found)


def read_history(reader: _Reader, node: Node) -> tuple[HistoryRule, ...]:
    if not isinstance(node, SequenceNode):
        reader.problem(node, "not_list", where="history ")
        return ()
    rules = []
    for item in node.value:
        f = reader.mapping(item, "history ", HISTORY_KEYS, ("level", "min_level"))
        if f is None or "level" not in f or "min_level" not in f:
            continue
        level = reader.integer(f["level"], "level", 1, 5)
        min_level = reader.integer(f["min_level"], "min_level", 1, 5)
        years = reader.integer(f["years"], "years", 1, 10) if "years" in f else 1
        if None not in (level, min_level, years):
            rules.append(HistoryRule(level=level, min_level=min_level, years=years))
    return tuple(rules)


def read_quotas(reader: _Reader, node: Node) -> tuple[tuple[int, Decimal], ...]:
    if not isinstance(node, MappingNode):
        reader.problem(node, "not_mapping", where="quotas ")
        return ()
    quotas: dict[int, Decimal] = {}
    for key_node, value_node in node.value:
        level = reader.integer(key_node, "quotas", 1, 5)
        percent = reader.number(value_node, "quotas", 0, 100)
        if level is not None and level in quotas:
            reader.problem(key_node, "duplicate_key", key=level)
        elif level is not None and percent is not None:
            quotas[level] = percent
    return tuple(sorted(quotas.items(), reverse=True))
