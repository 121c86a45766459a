"""Judge one village: the engine's entry points."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from .formula import compute
from .gaps import (
    _at_risk,
    _gaps,
)
from .judging import (
    _apply_branch_rule,
    _compile,
    _Compiled,
    _for_village,
    _judge,
    _judge_star,
)
from .model import (
    _BY_MONTH,
    DEFAULT_LEVEL_LABELS,
    STAR_CODES,
    BandSpec,
    EntryInput,
    IndicatorResult,
    Reason,
    RuleSetSpec,
    StarResult,
    Trace,
    Value,
    VillageResult,
    month_start,
)

# ------------------------------------------------------------------------ evaluate


def evaluate(ruleset: RuleSetSpec, entries: Iterable[EntryInput], month: date, *,
             facts: dict[str, Value] | None = None,
             history: dict[int, int] | None = None) -> VillageResult:
    """Judge one village for `month`, using the cycle's entries from January to `month`.

    The cycle is the calendar year of `month`; entries outside January..month are ignored,
    as are entries of indicators the rule set does not know (listed in the trace).

    Format 2 inputs: `facts` are the village's own facts (population, households,
    poor_households, area_km2 as Decimals or None, category as text); `history` maps
    earlier cycle years to the level awarded then (from the award records).
    """
    compiled = _compile(ruleset)
    month = month_start(month)
    first = date(month.year, 1, 1)
    grouped: dict[str, list[EntryInput]] = {}
    ignored: set[str] = set()
    for entry in entries:
        if not first <= entry.month <= month:
            continue
        known = compiled.by_code.get(entry.indicator)
        if known is None or known.formula:  # a derived value is computed, never entered
            ignored.add(entry.indicator)
            continue
        grouped.setdefault(entry.indicator, []).append(entry)
    for items in grouped.values():
        items.sort(key=_BY_MONTH)
    return _evaluate(compiled, grouped, month, tuple(sorted(ignored)), facts=facts,
                     history=history)


def evaluate_grouped(ruleset: RuleSetSpec, grouped: dict[str, list[EntryInput]],
                     month: date, *, like: VillageResult | None = None,
                     changed: Iterable[str] = (), facts: dict[str, Value] | None = None,
                     history: dict[int, int] | None = None) -> VillageResult:
    """:func:`evaluate` for callers that load in bulk and group as they read.

    `grouped` maps indicator codes of the rule set to their entries of the cycle up to
    `month` (January..month, nothing else), each list ordered by month. Skipping the
    per-entry filtering and grouping is most of what a bulk recompute saves here.

    `like`: a result for the same rule set and month whose inputs differ from `grouped`
    only for the indicators in `changed` (a preview next to the official result); the
    other indicators' judgements are taken from it rather than judged again.
    """
    return _evaluate(_compile(ruleset), grouped, month_start(month), (), like, set(changed),
                     facts=facts, history=history)


def _evaluate(compiled: _Compiled, grouped: dict[str, list[EntryInput]], month: date,
              ignored: tuple[str, ...], like: VillageResult | None = None,
              changed: set[str] | None = None, *, facts: dict[str, Value] | None = None,
              history: dict[int, int] | None = None) -> VillageResult:
    facts = facts or {}
    compiled = _for_village(compiled, facts)
    ruleset = compiled.spec
    same = like.indicators if like is not None else {}
    results = {ind.code: same[ind.code] if ind.code in same and ind.code not in changed
               else _judge(ind, grouped.get(ind.code, []), month.year, month.month)
               for ind in ruleset.indicators if not ind.formula}
    if compiled.derived:
        _derive(compiled, results, facts, month)
        results = {ind.code: results[ind.code] for ind in ruleset.indicators}
    stars = {code: _judge_star(ruleset.stars[code], compiled.by_star[code], results,
                               compiled.groups_by_star.get(code, ()), compiled.grouped)
             for code in STAR_CODES}
    stars = _apply_branch_rule(ruleset.branch_rule, stars)
    total = sum(s.score for s in stars.values())
    level, level_reasons = _level(ruleset, stars, results, total, month.year, history or {})
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
        total_score=total,
        level_reasons=level_reasons,
    )


def _derive(compiled: _Compiled, results: dict[str, IndicatorResult],
            facts: dict[str, Value], month: date) -> None:
    """Judge each derived value from its inputs; a missing input leaves it not reported."""
    for ind, tree in compiled.derived:
        names = {name: results[name].value if name in results else facts.get(name)
                 for name in ind.inputs}
        value = compute(tree, names)
        entries = [EntryInput(ind.code, month, value)] if value is not None else []
        results[ind.code] = _judge(ind, entries, month.year, month.month)


def _level(ruleset: RuleSetSpec, stars: dict[str, StarResult],
           results: dict[str, IndicatorResult], total: int, year: int,
           history: dict[int, int]) -> tuple[int, tuple[Reason, ...]]:
    reasons: list[Reason] = []
    if ruleset.level_rule == "bands":
        # Every band that holds, highest first: a band held back by an earlier cycle
        # falls to the next band that holds, not to a level no band defines.
        candidates = [b.level for b in ruleset.bands if total >= b.min_score
                      and all(results[c].met is True for c in b.requires)] + [0]
        above = [b for b in ruleset.bands if b.level > candidates[0]]
        if above:
            reasons += _band_reasons(above[-1], results, total)
    else:
        earned = sum(1 for s in stars.values() if s.earned)
        candidates = list(range(earned, -1, -1))
    for level in candidates:
        blocking = [rule for rule in ruleset.history_rules if level >= rule.level
                    and min(history.get(year - n, 0) for n in range(1, rule.years + 1))
                    < rule.min_level]
        if not blocking:
            return level, tuple(reasons)
        rule = max(blocking, key=lambda r: r.level)
        if not any(r.kind == "history_short" and r.stars == (str(rule.level),)
                   for r in reasons):
            lowest = min(history.get(year - n, 0) for n in range(1, rule.years + 1))
            reasons.append(Reason(kind="history_short", comparison=">=",
                                  needed=rule.min_level, actual=lowest,
                                  shortfall=rule.years, stars=(str(rule.level),)))
    return 0, tuple(reasons)


def _band_reasons(band: BandSpec, results: dict[str, IndicatorResult],
                  total: int) -> list[Reason]:
    """What the next band up still needs: points, and its extra conditions."""
    reasons = []
    if total < band.min_score:
        reasons.append(Reason(kind="band_short", needed=band.min_score, actual=total,
                              shortfall=band.min_score - total, stars=(str(band.level),)))
    reasons += [Reason(kind="band_condition", indicator=code, stars=(str(band.level),))
                for code in band.requires if results[code].met is not True]
    return reasons
