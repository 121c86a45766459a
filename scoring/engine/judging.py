"""Judging indicators and stars, and the branch-star rule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import cache

from .formula import compile_formula
from .model import (
    _HUNDRED,
    _ZERO,
    SCORING_ROLES,
    STAR_CODES,
    STAR_NAMES,
    EntryInput,
    GroupSpec,
    IndicatorResult,
    IndicatorSpec,
    Reason,
    RuleSetSpec,
    StarResult,
    StarSpec,
    Threshold,
    Value,
    _coerce,
    holds,
    shortfall,
)

# ----------------------------------------------------------------- compiled rules


@dataclass(frozen=True, slots=True)
class _Compiled:
    spec: RuleSetSpec
    by_code: dict[str, IndicatorSpec]
    by_star: dict[str, tuple[IndicatorSpec, ...]]
    margin: Decimal  # risk margin as a fraction
    # Format 2; all empty for a format 1 rule set.
    groups_by_star: dict[str, tuple[GroupSpec, ...]] = field(default_factory=dict)
    grouped: frozenset[str] = frozenset()  # gate codes judged through their group
    derived: tuple[tuple[IndicatorSpec, Callable], ...] = ()  # in dependency order
    variable: tuple[int, ...] = ()  # positions of indicators with threshold_for
    variants: dict[tuple[int, ...], _Compiled] = field(default_factory=dict)


_CACHE: dict[int, _Compiled] = {}
_CACHE_SIZE = 32


def _compile(spec: RuleSetSpec) -> _Compiled:
    # Specs hold dicts, so they are not hashable; key on identity. The cached object keeps
    # a reference to the spec, so its id cannot be reused while the entry lives.
    hit = _CACHE.get(id(spec))
    if hit is not None and hit.spec is spec:
        return hit
    compiled = _build(spec, variable=tuple(
        n for n, ind in enumerate(spec.indicators) if ind.threshold_for))
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[id(spec)] = compiled
    return compiled


def _build(spec: RuleSetSpec, variable: tuple[int, ...] = ()) -> _Compiled:
    by_star: dict[str, list[IndicatorSpec]] = {code: [] for code in STAR_CODES}
    for ind in spec.indicators:
        by_star.setdefault(ind.star, []).append(ind)
    groups: dict[str, list[GroupSpec]] = {}
    for group in spec.groups:
        groups.setdefault(group.star, []).append(group)
    return _Compiled(
        spec=spec,
        by_code={ind.code: ind for ind in spec.indicators},
        by_star={code: tuple(items) for code, items in by_star.items()},
        margin=spec.risk_margin / _HUNDRED,
        groups_by_star={star: tuple(items) for star, items in groups.items()},
        grouped=frozenset(code for g in spec.groups for code in g.members),
        derived=_derived_order(spec.indicators),
        variable=variable,
    )


def _derived_order(indicators: tuple[IndicatorSpec, ...]) -> tuple[tuple[IndicatorSpec,
                                                                         Callable], ...]:
    # The file reader refuses cycles, so every derived value is placed eventually.
    pending = [ind for ind in indicators if ind.formula]
    placed: list[IndicatorSpec] = []
    done: set[str] = set()
    while pending:
        ready = [ind for ind in pending if all(
            name in done or not any(p.code == name for p in pending) for name in ind.inputs)]
        if not ready:
            raise ValueError("cycle between derived values")
        for ind in ready:
            placed.append(ind)
            done.add(ind.code)
            pending.remove(ind)
    return tuple((ind, compile_formula(ind.formula)) for ind in placed)


def _case_index(ind: IndicatorSpec, facts: dict[str, Value]) -> int:
    """Which threshold a village gets: the first matching case, or -1 (the default)."""
    for n, case in enumerate(ind.threshold_for):
        if case.categories and facts.get("category") not in case.categories:
            continue
        if case.fact is not None:
            value = facts.get(case.fact)
            if not isinstance(value, Decimal) or value < case.at_least:
                continue
        return n
    return -1


def _for_village(compiled: _Compiled, facts: dict[str, Value]) -> _Compiled:
    """The rule set with each category- or size-dependent threshold resolved."""
    if not compiled.variable:
        return compiled
    indicators = compiled.spec.indicators
    key = tuple(_case_index(indicators[n], facts) for n in compiled.variable)
    hit = compiled.variants.get(key)
    if hit is not None:
        return hit
    resolved = list(indicators)
    for n, case in zip(compiled.variable, key, strict=True):
        if case >= 0:
            resolved[n] = replace(resolved[n], threshold=resolved[n].threshold_for[case].threshold)
    variant = _build(replace(compiled.spec, indicators=tuple(resolved)))
    compiled.variants[key] = variant
    return variant


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
        met = False if ind.role in ("gate", "points", "bonus") else None
    elif ind.role == "deduction":
        points = -_deducted(ind, value)
        met = points == 0
    elif ind.choice_points:
        points = dict(ind.choice_points).get(value, 0)  # type: ignore[arg-type]
        met = points > 0
        if not met:
            reasons.append(Reason(kind="not_met", indicator=ind.code, comparison="==",
                                  needed=ind.choice_points[-1][0], actual=value))
    elif ind.comparison is not None:
        met = _met(ind, value, periods, due, months_missing)
        if ind.role in SCORING_ROLES:
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


def _deducted(ind: IndicatorSpec, value: Value) -> int:
    """Points per occurrence times the occurrences, capped by the item's maximum."""
    occurrences = max(int(value), 0) if isinstance(value, Decimal) else 0
    taken = occurrences * ind.points
    return taken if ind.max_deduction is None else min(taken, ind.max_deduction)


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
                results: dict[str, IndicatorResult], groups: tuple[GroupSpec, ...] = (),
                grouped: frozenset[str] = frozenset()) -> StarResult:
    vetoes: list[Reason] = []
    gates: list[Reason] = []
    evidence: list[Reason] = []
    score = bonus = deducted = 0
    for ind in inds:
        res = results[ind.code]
        if ind.role == "bonus":
            bonus += res.points
        elif ind.role == "deduction":
            deducted += res.points
        else:
            score += res.points
        if ind.code in grouped and not res.veto_hit:
            pass  # judged through its group below
        elif res.veto_hit:
            vetoes.append(_value_reason("veto_hit", ind, res.value))
        elif ind.role == "gate" and not res.reported:
            gates.append(Reason(kind="not_reported", indicator=ind.code,
                                comparison=ind.comparison, needed=ind.threshold))
        elif ind.role == "gate" and not res.met:
            gates.append(_gate_reason(ind, res))
        if res.counts and res.evidence_missing:
            evidence.append(Reason(kind="evidence_missing", indicator=ind.code,
                                   missing=res.evidence_missing))
    for group in groups:
        met = sum(1 for code in group.members if results[code].met is True)
        if met < group.at_least:
            gates.append(Reason(kind="group_short", indicator=group.code,
                                needed=group.at_least, actual=met,
                                shortfall=group.at_least - met))
    if bonus or deducted:
        score = _with_extras(star, score, bonus, deducted)
    reasons = vetoes + gates + evidence
    if score < star.pass_mark:
        reasons.append(Reason(kind="points_short", needed=star.pass_mark, actual=score,
                              shortfall=star.pass_mark - score))
    return StarResult(code=star.code, name=STAR_NAMES[star.code], earned=not reasons,
                      qualified=not reasons, score=score, pass_mark=star.pass_mark,
                      max_points=star.max_points, reasons=tuple(reasons))


def _with_extras(star: StarSpec, score: int, bonus: int, deducted: int) -> int:
    """Bonus up to the star's cap; deductions until the floor ("扣完为止")."""
    if star.bonus_cap is not None:
        bonus = min(bonus, star.bonus_cap)
    before = score + bonus
    return max(before + deducted, min(before, star.floor))


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
