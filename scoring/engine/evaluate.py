"""Judge one village: the engine's entry points."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from .gaps import (
    _at_risk,
    _gaps,
)
from .judging import (
    _apply_branch_rule,
    _compile,
    _Compiled,
    _judge,
    _judge_star,
)
from .model import (
    _BY_MONTH,
    DEFAULT_LEVEL_LABELS,
    STAR_CODES,
    EntryInput,
    RuleSetSpec,
    Trace,
    VillageResult,
    month_start,
)

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
