"""The scoring engine: a rule set and one village's entries in, star status out.

Pure on purpose (DESIGN.md "The engine is a pure function"): no Django, no ORM, no I/O.
Callers load a village's entries and evidence for the cycle in bulk, build the plain
dataclasses below and call :func:`evaluate`. Every threshold comes from the rule set;
nothing about a county's standard lives in this module.

Vocabulary (docs/rule-sets.md has the full reference):

* a *cycle* is a calendar year; :func:`evaluate` looks at the cycle's entries from January
  up to and including the evaluated month;
* a *period* is the unit of an indicator's cadence (a month, a quarter, the year); when a
  period holds several reported entries, the latest one counts;
* *not reported* (no entry, or an entry whose value is ``None``) is never the same as a
  reported ``0`` or ``False``: it fails a gate, scores 0 and is listed; a veto that is not
  reported is not hit.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from itertools import combinations, product
from operator import attrgetter

STAR_CODES: tuple[str, ...] = ("branch", "industry", "ecology", "safety", "civility")
STAR_NAMES: dict[str, str] = {
    "branch": "支部过硬星",
    "industry": "产业兴旺星",
    "ecology": "生态宜居星",
    "safety": "平安法治星",
    "civility": "文明幸福星",
}
KINDS = ("bool", "number", "percent", "count", "choice")
NUMERIC_KINDS = frozenset({"number", "percent", "count"})
ROLES = ("gate", "points", "veto", "info")
COMPARISONS = (">=", ">", "<=", "<", "==", "in")
CADENCES = ("monthly", "quarterly", "annual")
COMBINES = ("latest", "sum", "avg", "min", "max", "every_month")
BRANCH_RULES = ("capstone", "foundation", "none")
EVIDENCE_KINDS = ("photo", "document")
DEFAULT_LEVEL_LABELS: dict[int, str] = {
    0: "无星",
    1: "一星",
    2: "二星",
    3: "三星（强标准）",
    4: "四星（出特色）",
    5: "五星（创精品）",
}
DEFAULT_RISK_MARGIN = Decimal(5)  # percent of the threshold

Value = Decimal | bool | str | None
Threshold = Decimal | bool | str | tuple[str, ...] | None

_OPS: dict[str, Callable[[object, object], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "in": lambda value, allowed: value in allowed,
    # Only produced by NEGATED, to state what a veto needs; not valid in a rule set.
    "!=": operator.ne,
    "not in": lambda value, allowed: value not in allowed,
}
# The comparison that must hold for a veto *not* to be hit (used to word the gap).
NEGATED = {">=": "<", ">": "<=", "<=": ">", "<": ">=", "==": "!=", "in": "not in"}
_BY_MONTH = attrgetter("month")
_ONE = Decimal(1)
_ZERO = Decimal(0)
_HUNDRED = Decimal(100)


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class StarSpec:
    code: str
    pass_mark: int
    max_points: int


@dataclass(frozen=True, kw_only=True)
class IndicatorSpec:
    """One indicator of a rule set. See docs/rule-sets.md for every field.

    For a *veto*, "hit" means the comparison is TRUE: ``criminal_cases >= 1`` is hit as
    soon as one case is reported.
    """

    code: str
    star: str
    name: str
    kind: str
    role: str
    comparison: str | None = None
    threshold: Threshold = None
    points: int = 0  # all-or-nothing points; with steps, the top step's points
    steps: tuple[tuple[Decimal, int], ...] = ()  # (threshold, points), easiest first
    choices: tuple[str, ...] = ()
    unit: str = ""
    help: str = ""
    cadence: str = "monthly"
    combine: str = "latest"
    min_photos: int = 0
    min_documents: int = 0
    evidence_max_age_months: int | None = None

    @property
    def max_points(self) -> int:
        if self.role != "points":
            return 0
        return self.steps[-1][1] if self.steps else self.points


@dataclass(frozen=True, kw_only=True)
class RuleSetSpec:
    id: str | int | None = None
    version: int = 1
    name: str
    issuer_code: str
    year: int
    branch_rule: str = "capstone"
    stars: dict[str, StarSpec]
    level_labels: dict[int, str] = field(default_factory=lambda: dict(DEFAULT_LEVEL_LABELS))
    indicators: tuple[IndicatorSpec, ...]
    reference: bool = False
    risk_margin: Decimal = DEFAULT_RISK_MARGIN


# Inputs and results are never changed once built, but they are not `frozen`: a frozen
# dataclass's __init__ sets each field through object.__setattr__, which tripled the cost
# of reading a county's 360,000 entries in bulk and weighed on every result built.


@dataclass(slots=True)
class EvidenceInput:
    id: int
    kind: str  # "photo" | "document"
    month: date  # month the evidence belongs to; drives the age check


@dataclass(slots=True)
class EntryInput:
    indicator: str
    month: date
    value: Value
    carried: bool = False  # copied forward from an earlier month; still a reported value
    evidence: tuple[EvidenceInput, ...] = ()


# -------------------------------------------------------------------------- outputs


@dataclass(kw_only=True, slots=True)
class Reason:
    """Why an indicator or star is not (yet) satisfied; structured so the UI words it.

    kind: not_reported | not_met | gate_failed | veto_hit | evidence_missing |
    months_missing | points_short | needs_other_stars | needs_branch.
    """

    kind: str
    indicator: str | None = None
    comparison: str | None = None
    needed: object = None
    actual: object = None
    shortfall: Decimal | int | None = None
    missing: dict[str, int] | None = None  # evidence kind -> how many more
    months: tuple[date, ...] = ()
    stars: tuple[str, ...] = ()


@dataclass(kw_only=True, slots=True)
class IndicatorResult:
    code: str
    star: str
    role: str
    value: Value  # combined over the cycle so far
    reported: bool
    met: bool | None  # veto: True when not hit; info/unreported veto: None
    veto_hit: bool
    points: int
    max_points: int
    counts: bool  # the star rests on it (a met gate, or points earned)
    evidence_photos: int
    evidence_documents: int
    evidence_missing: dict[str, int]
    reasons: tuple[Reason, ...]
    months_missing: tuple[date, ...]
    evidence_ids: tuple[int, ...] = ()


@dataclass(kw_only=True, slots=True)
class StarResult:
    code: str
    name: str
    earned: bool  # counts toward the level, after the branch rule
    qualified: bool  # its own indicators are satisfied, before the branch rule
    score: int
    pass_mark: int
    max_points: int
    reasons: tuple[Reason, ...]


@dataclass(kw_only=True, slots=True)
class Change:
    """One indicator that must change for a star to be earned."""

    indicator: str
    reason: str  # gate_failed | not_reported | veto_hit | points_short | evidence_missing
    comparison: str | None = None  # the relation the value must satisfy
    needed: Threshold = None  # None when only evidence is missing
    actual: Value = None
    shortfall: Decimal | None = None
    points_gain: int = 0
    missing_evidence: dict[str, int] = field(default_factory=dict)
    months: tuple[date, ...] = ()  # due months still missing (every_month)


@dataclass(kw_only=True, slots=True)
class StarGap:
    star: str
    changes: tuple[Change, ...]
    requires_stars: tuple[str, ...] = ()  # branch rule: these must be earned too
    points_shortfall: int = 0
    total_changes: int = 0  # own changes plus those of the required stars
    relative_shortfall: Decimal = _ZERO  # sum over changes, each in 0..1


@dataclass(kw_only=True, slots=True)
class RiskItem:
    star: str
    indicator: str
    kind: str  # near_threshold | stale_evidence
    value: Value = None
    comparison: str | None = None
    threshold: Threshold = None
    evidence_ids: tuple[int, ...] = ()


@dataclass(kw_only=True, slots=True)
class Trace:
    ruleset_id: str | int | None
    ruleset_version: int
    month: date
    inputs: dict[str, tuple[EntryInput, ...]]  # the cycle's entries used, by month
    evidence_ids: dict[str, tuple[int, ...]]
    ignored: tuple[str, ...]  # entry indicator codes unknown to the rule set


@dataclass(kw_only=True, slots=True)
class VillageResult:
    level: int
    level_label: str
    stars: dict[str, StarResult]
    indicators: dict[str, IndicatorResult]
    gaps: tuple[StarGap, ...]
    at_risk: tuple[RiskItem, ...]
    not_reported: tuple[str, ...]
    trace: Trace

    @property
    def earned_stars(self) -> tuple[str, ...]:
        return tuple(code for code in STAR_CODES if self.stars[code].earned)


# ---------------------------------------------------------------------- helpers


def month_start(day: date) -> date:
    return day if day.day == 1 else day.replace(day=1)


def parse_month(text: str) -> date:
    """'2025-06' -> date(2025, 6, 1)."""
    year, month = text.split("-")
    return date(int(year), int(month), 1)


def months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def holds(comparison: str, value: object, threshold: object) -> bool:
    return _OPS[comparison](value, threshold)


def shortfall(comparison: str | None, value: Value, threshold: Threshold) -> Decimal | None:
    """How far a numeric value is from satisfying the comparison (0 when it does)."""
    if not isinstance(value, Decimal) or not isinstance(threshold, Decimal):
        return None
    if comparison in (">=", ">"):
        return max(threshold - value, _ZERO)
    if comparison in ("<=", "<"):
        return max(value - threshold, _ZERO)
    return abs(value - threshold)


def _relative(comparison: str | None, value: Value, threshold: Threshold) -> Decimal:
    """Shortfall as a fraction of the threshold, capped at 1; unreported or non-numeric: 1."""
    gap = shortfall(comparison, value, threshold)
    if gap is None or threshold == 0:
        return _ONE
    return min(_ONE, gap / abs(threshold))  # type: ignore[arg-type]


def _coerce(kind: str, value: object) -> Value:
    # Callers store values as text, numbers or booleans; normalise once per entry.
    if value is None:
        return None
    if kind == "bool":
        return bool(value)
    if kind == "choice":
        return str(value)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    return Decimal(value)  # type: ignore[arg-type]


# ----------------------------------------------------------------- compiled rules


@dataclass(frozen=True, slots=True)
class _Compiled:
    spec: RuleSetSpec
    by_code: dict[str, IndicatorSpec]
    by_star: dict[str, tuple[IndicatorSpec, ...]]
    margin: Decimal  # risk margin as a fraction


_CACHE: dict[int, _Compiled] = {}
_CACHE_SIZE = 32


def _compile(spec: RuleSetSpec) -> _Compiled:
    # Specs hold dicts, so they are not hashable; key on identity. The cached object keeps
    # a reference to the spec, so its id cannot be reused while the entry lives.
    hit = _CACHE.get(id(spec))
    if hit is not None and hit.spec is spec:
        return hit
    by_star: dict[str, list[IndicatorSpec]] = {code: [] for code in STAR_CODES}
    for ind in spec.indicators:
        by_star.setdefault(ind.star, []).append(ind)
    compiled = _Compiled(
        spec=spec,
        by_code={ind.code: ind for ind in spec.indicators},
        by_star={code: tuple(items) for code, items in by_star.items()},
        margin=spec.risk_margin / _HUNDRED,
    )
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[id(spec)] = compiled
    return compiled


# ------------------------------------------------------------ per-indicator judging


_VALUE_TYPE = {"bool": bool, "choice": str, "number": Decimal, "percent": Decimal,
               "count": Decimal}
# Period index of each month (1..12) per cadence; a table beats branching per entry.
_PERIOD_OF: dict[str, tuple[int, ...]] = {
    "monthly": tuple(range(-1, 12)),
    "quarterly": (0, *((m - 1) // 3 for m in range(1, 13))),
    "annual": (0,) * 13,
}


@cache
def _due_periods(cadence: str, month: int) -> tuple[tuple[int, int], ...]:
    """(period, reporting month) pairs due by `month` for every_month and missing lists.

    Monthly: every month so far, the current one included. Quarterly: the quarters that
    ended; before the first quarter ends, the current quarter. Annual: the year.
    """
    if cadence == "monthly":
        return tuple((m - 1, m) for m in range(1, month + 1))
    if cadence == "quarterly":
        ended = month // 3
        if ended == 0:
            return ((0, month),)
        return tuple((q, 3 * (q + 1)) for q in range(ended))
    return ((0, min(12, month)),)


@cache
def _first_of(year: int, month: int) -> date:
    return date(year, month, 1)


def _combine(ind: IndicatorSpec, periods: dict[int, Value]) -> Value:
    if not periods:
        return None
    if ind.combine in ("latest", "every_month"):
        return periods[max(periods)]
    values = list(periods.values())
    if ind.combine == "sum":
        return sum(values, _ZERO)  # type: ignore[arg-type]
    if ind.combine == "avg":
        return sum(values, _ZERO) / len(values)  # type: ignore[arg-type]
    if ind.combine == "min":
        return min(values)  # type: ignore[type-var]
    return max(values)  # type: ignore[type-var]


def _step_points(ind: IndicatorSpec, value: Value) -> tuple[int, Decimal | None]:
    """Points of the highest step reached and that step's threshold."""
    reached, at = 0, None
    for threshold, points in ind.steps:
        if holds(ind.comparison, value, threshold):  # type: ignore[arg-type]
            reached, at = points, threshold
    return reached, at


def _collect(ind: IndicatorSpec,
             entries: list[EntryInput]) -> tuple[dict[int, Value], set[int], set[int]]:
    """Reported value per period, and the distinct photo and document ids."""
    periods: dict[int, Value] = {}
    photos: set[int] = set()
    documents: set[int] = set()
    period_of = _PERIOD_OF[ind.cadence]
    expected = _VALUE_TYPE[ind.kind]
    # Entries arrive sorted by month, so a later entry of the same period overwrites.
    for entry in entries:
        for ev in entry.evidence:
            (photos if ev.kind == "photo" else documents).add(ev.id)
        value = entry.value
        if value is None:
            continue
        if type(value) is not expected:
            value = _coerce(ind.kind, value)
        periods[period_of[entry.month.month]] = value
    return periods, photos, documents


def _missing_evidence(ind: IndicatorSpec, photos: set[int],
                      documents: set[int]) -> dict[str, int]:
    missing = {}
    if len(photos) < ind.min_photos:
        missing["photo"] = ind.min_photos - len(photos)
    if len(documents) < ind.min_documents:
        missing["document"] = ind.min_documents - len(documents)
    return missing


def _judge(
    ind: IndicatorSpec, entries: list[EntryInput], year: int, month: int
) -> IndicatorResult:
    periods, photos, documents = _collect(ind, entries)
    due = _due_periods(ind.cadence, month)
    months_missing = tuple(_first_of(year, m) for p, m in due if p not in periods)
    value = _combine(ind, periods)
    reported = value is not None
    reasons: list[Reason] = []
    met: bool | None = None
    veto_hit = False
    points = 0
    if not reported:
        reasons.append(Reason(kind="not_reported", indicator=ind.code))
        met = False if ind.role in ("gate", "points") else None
    elif ind.comparison is not None:
        met = _met(ind, value, periods, due, months_missing)
        if ind.role == "points":
            points = _step_points(ind, value)[0] if ind.steps else (ind.points if met else 0)
            met = points > 0
        if ind.role == "veto":
            veto_hit, met = met, not met
            if veto_hit:
                reasons.append(_value_reason("veto_hit", ind, value))
        elif met is False:
            if ind.combine == "every_month" and months_missing:
                reasons.append(Reason(kind="months_missing", indicator=ind.code,
                                      months=months_missing))
            else:
                reasons.append(_value_reason("not_met", ind, value))
    if ind.role == "info":
        met = met if reported and ind.comparison is not None else None
    missing = _missing_evidence(ind, photos, documents)
    counts = (ind.role == "gate" and met is True) or points > 0
    if counts and missing:
        reasons.append(Reason(kind="evidence_missing", indicator=ind.code, missing=missing))
    return IndicatorResult(
        code=ind.code, star=ind.star, role=ind.role, value=value, reported=reported,
        met=met, veto_hit=veto_hit, points=points, max_points=ind.max_points, counts=counts,
        evidence_photos=len(photos), evidence_documents=len(documents),
        evidence_missing=missing, reasons=tuple(reasons), months_missing=months_missing,
        evidence_ids=tuple(sorted(photos | documents)) if photos or documents else (),
    )


def _met(
    ind: IndicatorSpec,
    value: Value,
    periods: dict[int, Value],
    due: tuple[tuple[int, int], ...],
    months_missing: tuple[date, ...],
) -> bool:
    if ind.steps:
        return holds(ind.comparison, value, ind.steps[0][0])  # type: ignore[arg-type]
    if ind.combine != "every_month":
        return holds(ind.comparison, value, ind.threshold)  # type: ignore[arg-type]
    # A due period without a report counts as not met.
    if months_missing:
        return False
    return all(holds(ind.comparison, periods[p], ind.threshold) for p, _ in due)  # type: ignore[arg-type]


def _needed(ind: IndicatorSpec) -> Threshold:
    return ind.steps[0][0] if ind.steps else ind.threshold


def _value_reason(kind: str, ind: IndicatorSpec, value: Value) -> Reason:
    needed = _needed(ind)
    return Reason(kind=kind, indicator=ind.code, comparison=ind.comparison, needed=needed,
                  actual=value, shortfall=shortfall(ind.comparison, value, needed))


# ------------------------------------------------------------------ star judging


def _judge_star(star: StarSpec, inds: tuple[IndicatorSpec, ...],
                results: dict[str, IndicatorResult]) -> StarResult:
    vetoes: list[Reason] = []
    gates: list[Reason] = []
    evidence: list[Reason] = []
    score = 0
    for ind in inds:
        res = results[ind.code]
        score += res.points
        if res.veto_hit:
            vetoes.append(_value_reason("veto_hit", ind, res.value))
        elif ind.role == "gate" and not res.reported:
            gates.append(Reason(kind="not_reported", indicator=ind.code,
                                comparison=ind.comparison, needed=ind.threshold))
        elif ind.role == "gate" and not res.met:
            gates.append(_gate_reason(ind, res))
        if res.counts and res.evidence_missing:
            evidence.append(Reason(kind="evidence_missing", indicator=ind.code,
                                   missing=res.evidence_missing))
    reasons = vetoes + gates + evidence
    if score < star.pass_mark:
        reasons.append(Reason(kind="points_short", needed=star.pass_mark, actual=score,
                              shortfall=star.pass_mark - score))
    return StarResult(code=star.code, name=STAR_NAMES[star.code], earned=not reasons,
                      qualified=not reasons, score=score, pass_mark=star.pass_mark,
                      max_points=star.max_points, reasons=tuple(reasons))


def _gate_reason(ind: IndicatorSpec, res: IndicatorResult) -> Reason:
    if ind.combine == "every_month" and res.months_missing:
        # The latest value may well be fine; what fails is the months without a report.
        return Reason(kind="gate_failed", indicator=ind.code, comparison=ind.comparison,
                      needed=ind.threshold, actual=res.value, months=res.months_missing)
    return _value_reason("gate_failed", ind, res.value)


def _apply_branch_rule(rule: str, stars: dict[str, StarResult]) -> dict[str, StarResult]:
    others = [code for code in STAR_CODES if code != "branch"]
    if rule == "capstone":
        missing = tuple(code for code in others if not stars[code].qualified)
        if missing:
            stars["branch"] = _blocked(stars["branch"], "needs_other_stars", missing)
    elif rule == "foundation" and not stars["branch"].qualified:
        for code in others:
            stars[code] = _blocked(stars[code], "needs_branch", ("branch",))
    return stars


def _blocked(star: StarResult, kind: str, needs: tuple[str, ...]) -> StarResult:
    reasons = star.reasons + (Reason(kind=kind, stars=needs),)
    return StarResult(code=star.code, name=star.name, earned=False, qualified=star.qualified,
                      score=star.score, pass_mark=star.pass_mark, max_points=star.max_points,
                      reasons=reasons)


# --------------------------------------------------------------------------- gaps


def _gap_changes(star: StarResult, inds: tuple[IndicatorSpec, ...],
                 results: dict[str, IndicatorResult]) -> tuple[list[Change], int]:
    """The smallest set of changes that makes the star's own indicators pass."""
    changes: dict[str, Change] = {}
    for ind in inds:
        res = results[ind.code]
        if res.veto_hit:
            changes[ind.code] = Change(
                indicator=ind.code, reason="veto_hit", comparison=NEGATED[ind.comparison],
                needed=ind.threshold, actual=res.value)
        elif ind.role == "gate" and not res.met:
            changes[ind.code] = _value_change(ind, res, ind.threshold, 0)
        elif res.counts and res.evidence_missing:
            changes[ind.code] = Change(indicator=ind.code, reason="evidence_missing",
                                       missing_evidence=res.evidence_missing)
    short = star.pass_mark - star.score
    if short > 0:
        for ind, target, gain in _cheapest_points(inds, results, short):
            changes[ind.code] = _value_change(ind, results[ind.code], target, gain)
    ordered = [changes[ind.code] for ind in inds if ind.code in changes]
    return ordered, max(short, 0)


def _value_change(ind: IndicatorSpec, res: IndicatorResult, target: Threshold,
                  gain: int) -> Change:
    if not res.reported:
        reason = "not_reported"
    else:
        reason = "gate_failed" if ind.role == "gate" else "points_short"
    return Change(
        indicator=ind.code, reason=reason, comparison=ind.comparison, needed=target,
        actual=res.value, shortfall=shortfall(ind.comparison, res.value, target),
        points_gain=gain, missing_evidence=res.evidence_missing,
        months=res.months_missing if ind.combine == "every_month" else ())


def _options(ind: IndicatorSpec, res: IndicatorResult) -> list[tuple[int, Threshold, Decimal]]:
    """(points gained, value to reach, relative effort) for each way to gain points."""
    if ind.steps:
        return [(pts - res.points, thr, _relative(ind.comparison, res.value, thr))
                for thr, pts in ind.steps if pts > res.points]
    if res.points:
        return []
    return [(ind.points, ind.threshold, _relative(ind.comparison, res.value, ind.threshold))]


def _cheapest_points(inds: tuple[IndicatorSpec, ...], results: dict[str, IndicatorResult],
                     short: int) -> list[tuple[IndicatorSpec, Threshold, int]]:
    """Pick the points indicators to improve so the shortfall is covered.

    Rule: the fewest indicators; among those, the smallest sum of relative shortfalls
    (each change's distance to its target as a fraction of the target, unreported = 1);
    ties keep rule-set order.
    """
    candidates = [(ind, opts) for ind in inds if ind.role == "points"
                  and (opts := _options(ind, results[ind.code]))]
    best_gains = sorted((max(o[0] for o in opts) for _, opts in candidates), reverse=True)
    k, total = 0, 0
    while k < len(best_gains) and total < short:
        total += best_gains[k]
        k += 1
    if total < short:  # cannot be covered: ask for every candidate's top option
        return [(ind, opts[-1][1], opts[-1][0]) for ind, opts in candidates]
    best: tuple[Decimal, list[tuple[IndicatorSpec, Threshold, int]]] | None = None
    for combo in combinations(candidates, k):
        for choice in product(*(opts for _, opts in combo)):
            if sum(o[0] for o in choice) < short:
                continue
            cost = sum((o[2] for o in choice), _ZERO)
            if best is None or cost < best[0]:
                pairs = zip(combo, choice, strict=True)
                best = (cost, [(ind, o[1], o[0]) for (ind, _), o in pairs])
    assert best is not None
    return best[1]


def _change_cost(change: Change, ind: IndicatorSpec) -> Decimal:
    if change.reason == "evidence_missing":
        need = ind.min_photos + ind.min_documents
        return Decimal(sum(change.missing_evidence.values())) / need
    if change.reason == "veto_hit":
        return _ONE
    return _relative(change.comparison, change.actual, change.needed)


def _gaps(compiled: _Compiled, stars: dict[str, StarResult],
          results: dict[str, IndicatorResult]) -> tuple[StarGap, ...]:
    own: dict[str, tuple[list[Change], int, Decimal]] = {}
    for code in STAR_CODES:
        if stars[code].earned:
            continue
        inds = compiled.by_star[code]
        changes, short = ([], 0) if stars[code].qualified else _gap_changes(
            stars[code], inds, results)
        cost = sum((_change_cost(c, compiled.by_code[c.indicator]) for c in changes), _ZERO)
        own[code] = (changes, short, cost)
    gaps = []
    for code, (changes, short, cost) in own.items():
        requires = _required_stars(compiled.spec.branch_rule, code, stars)
        total = len(changes) + sum(len(own[r][0]) for r in requires)
        rel = cost + sum((own[r][2] for r in requires), _ZERO)
        gaps.append(StarGap(star=code, changes=tuple(changes), requires_stars=requires,
                            points_shortfall=short, total_changes=total,
                            relative_shortfall=rel))
    gaps.sort(key=lambda g: (g.total_changes, g.relative_shortfall,
                             STAR_CODES.index(g.star)))
    return tuple(gaps)


def _required_stars(rule: str, code: str, stars: dict[str, StarResult]) -> tuple[str, ...]:
    if rule == "capstone" and code == "branch":
        return tuple(c for c in STAR_CODES if c != "branch" and not stars[c].qualified)
    if rule == "foundation" and code != "branch" and not stars["branch"].qualified:
        return ("branch",)
    return ()


# ------------------------------------------------------------------------ at risk


def _near(comparison: str, value: Decimal, threshold: Decimal, margin: Decimal) -> bool:
    # A zero-tolerance ceiling ("<= 0": zero petitions) is always met exactly; flagging
    # every village that meets it would bury the useful warnings.
    if threshold == 0 and comparison in ("<=", "<"):
        return False
    room = abs(threshold) * margin
    if comparison in (">=", ">"):
        return value - threshold <= room
    if comparison in ("<=", "<"):
        return threshold - value <= room
    return False


def _at_risk(compiled: _Compiled, stars: dict[str, StarResult],
             results: dict[str, IndicatorResult], entries: dict[str, list[EntryInput]],
             month: date) -> tuple[RiskItem, ...]:
    """Satisfied stars that one small slip would cost (docs/rule-sets.md "At risk")."""
    risks: list[RiskItem] = []
    for code in STAR_CODES:
        if not stars[code].qualified:
            continue
        star = stars[code]
        for ind in compiled.by_star[code]:
            res = results[ind.code]
            if not res.counts:
                continue
            item = _threshold_risk(ind, res, star, compiled.margin)
            if item is not None:
                risks.append(item)
            stale = _stale_evidence(ind, entries.get(ind.code, ()), month)
            if stale:
                risks.append(RiskItem(star=code, indicator=ind.code, kind="stale_evidence",
                                      evidence_ids=stale))
    return tuple(risks)


def _threshold_risk(ind: IndicatorSpec, res: IndicatorResult, star: StarResult,
                    margin: Decimal) -> RiskItem | None:
    if not isinstance(res.value, Decimal):
        return None
    if ind.steps:
        threshold = _step_points(ind, res.value)[1]
        lower = max([p for _, p in ind.steps if p < res.points], default=0)
        # A drop to the step below matters only if it takes the score under the pass mark.
        if star.score - res.points + lower >= star.pass_mark:
            return None
    else:
        threshold = ind.threshold  # type: ignore[assignment]
        if ind.role == "points" and star.score - res.points >= star.pass_mark:
            return None
    if not isinstance(threshold, Decimal) or not _near(ind.comparison, res.value, threshold,
                                                       margin):  # type: ignore[arg-type]
        return None
    return RiskItem(star=star.code, indicator=ind.code, kind="near_threshold",
                    value=res.value, comparison=ind.comparison, threshold=threshold)


def _stale_evidence(ind: IndicatorSpec, entries: Iterable[EntryInput],
                    month: date) -> tuple[int, ...]:
    """Ids of too-old evidence, when without it the requirement would not be met."""
    max_age = ind.evidence_max_age_months
    if max_age is None or not (ind.min_photos or ind.min_documents):
        return ()
    fresh = {"photo": set(), "document": set()}
    stale: set[int] = set()
    for entry in entries:
        for ev in entry.evidence:
            if months_between(ev.month, month) > max_age:
                stale.add(ev.id)
            else:
                fresh[ev.kind].add(ev.id)
    if len(fresh["photo"]) >= ind.min_photos and len(fresh["document"]) >= ind.min_documents:
        return ()
    return tuple(sorted(stale))


# ------------------------------------------------------------------------ evaluate


def evaluate(ruleset: RuleSetSpec, entries: Iterable[EntryInput], month: date) -> VillageResult:
    """Judge one village for `month`, using the cycle's entries from January to `month`.

    The cycle is the calendar year of `month`; entries outside January..month are ignored,
    as are entries of indicators the rule set does not know (listed in the trace).
    """
    compiled = _compile(ruleset)
    month = month_start(month)
    first = date(month.year, 1, 1)
    grouped: dict[str, list[EntryInput]] = {}
    ignored: set[str] = set()
    for entry in entries:
        if not first <= entry.month <= month:
            continue
        if entry.indicator not in compiled.by_code:
            ignored.add(entry.indicator)
            continue
        grouped.setdefault(entry.indicator, []).append(entry)
    for items in grouped.values():
        items.sort(key=_BY_MONTH)
    return _evaluate(compiled, grouped, month, tuple(sorted(ignored)))


def evaluate_grouped(ruleset: RuleSetSpec, grouped: dict[str, list[EntryInput]],
                     month: date, *, like: VillageResult | None = None,
                     changed: Iterable[str] = ()) -> VillageResult:
    """:func:`evaluate` for callers that load in bulk and group as they read.

    `grouped` maps indicator codes of the rule set to their entries of the cycle up to
    `month` (January..month, nothing else), each list ordered by month. Skipping the
    per-entry filtering and grouping is most of what a bulk recompute saves here.

    `like`: a result for the same rule set and month whose inputs differ from `grouped`
    only for the indicators in `changed` (a preview next to the official result); the
    other indicators' judgements are taken from it rather than judged again.
    """
    return _evaluate(_compile(ruleset), grouped, month_start(month), (), like, set(changed))


def _evaluate(compiled: _Compiled, grouped: dict[str, list[EntryInput]], month: date,
              ignored: tuple[str, ...], like: VillageResult | None = None,
              changed: set[str] | None = None) -> VillageResult:
    ruleset = compiled.spec
    same = like.indicators if like is not None else {}
    results = {ind.code: same[ind.code] if ind.code in same and ind.code not in changed
               else _judge(ind, grouped.get(ind.code, []), month.year, month.month)
               for ind in ruleset.indicators}
    stars = {code: _judge_star(ruleset.stars[code], compiled.by_star[code], results)
             for code in STAR_CODES}
    stars = _apply_branch_rule(ruleset.branch_rule, stars)
    level = sum(1 for s in stars.values() if s.earned)
    return VillageResult(
        level=level,
        level_label=ruleset.level_labels.get(level, DEFAULT_LEVEL_LABELS[level]),
        stars=stars,
        indicators=results,
        gaps=_gaps(compiled, stars, results),
        at_risk=_at_risk(compiled, stars, results, grouped, month),
        not_reported=tuple(code for code, r in results.items() if not r.reported),
        trace=Trace(
            ruleset_id=ruleset.id, ruleset_version=ruleset.version, month=month,
            inputs={code: tuple(items) for code, items in grouped.items()},
            evidence_ids={code: r.evidence_ids for code, r in results.items() if r.evidence_ids},
            ignored=ignored,
        ),
    )
