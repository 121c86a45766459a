"""What each unearned star still needs (gaps), and earned stars at risk."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from itertools import combinations, product

from .judging import (
    _Compiled,
    _step_points,
)
from .model import (
    _ONE,
    _ZERO,
    NEGATED,
    STAR_CODES,
    Change,
    EntryInput,
    GroupSpec,
    IndicatorResult,
    IndicatorSpec,
    RiskItem,
    StarGap,
    StarResult,
    Threshold,
    _relative,
    months_between,
    shortfall,
)

# --------------------------------------------------------------------------- gaps


def _gap_changes(star: StarResult, inds: tuple[IndicatorSpec, ...],
                 results: dict[str, IndicatorResult], groups: tuple[GroupSpec, ...] = (),
                 grouped: frozenset[str] = frozenset()) -> tuple[list[Change], int]:
    """The smallest set of changes that makes the star's own indicators pass."""
    changes: dict[str, Change] = {}
    for ind in inds:
        res = results[ind.code]
        if ind.code in grouped and not res.veto_hit:
            if res.counts and res.evidence_missing:
                changes[ind.code] = Change(indicator=ind.code, reason="evidence_missing",
                                           missing_evidence=res.evidence_missing)
        elif res.veto_hit:
            changes[ind.code] = Change(
                indicator=ind.code, reason="veto_hit", comparison=NEGATED[ind.comparison],
                needed=ind.threshold, actual=res.value)
        elif ind.role == "gate" and not res.met:
            changes[ind.code] = _value_change(ind, res, ind.threshold, 0)
        elif res.counts and res.evidence_missing:
            changes[ind.code] = Change(indicator=ind.code, reason="evidence_missing",
                                       missing_evidence=res.evidence_missing)
    by_code = {ind.code: ind for ind in inds}
    for group in groups:
        for code in _cheapest_members(group, by_code, results):
            change = _value_change(by_code[code], results[code], by_code[code].threshold, 0)
            change.group = group.code
            changes[code] = change
    short = star.pass_mark - star.score
    if short > 0:
        for ind, target, gain in _cheapest_points(inds, results, short):
            changes[ind.code] = _value_change(ind, results[ind.code], target, gain)
    ordered = [changes[ind.code] for ind in inds if ind.code in changes]
    return ordered, max(short, 0)


def _cheapest_members(group: GroupSpec, by_code: dict[str, IndicatorSpec],
                      results: dict[str, IndicatorResult]) -> list[str]:
    """The missing members closest to holding, as many as the group still needs."""
    failing = [code for code in group.members if results[code].met is not True]
    need = group.at_least - (len(group.members) - len(failing))
    if need <= 0:
        return []
    failing.sort(key=lambda code: (_relative(by_code[code].comparison, results[code].value,
                                             by_code[code].threshold),
                                   group.members.index(code)))
    return failing[:need]


def _value_change(ind: IndicatorSpec, res: IndicatorResult, target: Threshold,
                  gain: int) -> Change:
    if not res.reported:
        reason = "not_reported"
    else:
        reason = "gate_failed" if ind.role == "gate" else "points_short"
    return Change(
        indicator=ind.code, reason=reason,
        comparison="==" if ind.choice_points else ind.comparison, needed=target,
        actual=res.value, shortfall=shortfall(ind.comparison, res.value, target),
        points_gain=gain, missing_evidence=res.evidence_missing,
        months=res.months_missing if ind.combine == "every_month" else ())


def _options(ind: IndicatorSpec, res: IndicatorResult) -> list[tuple[int, Threshold, Decimal]]:
    """(points gained, value to reach, relative effort) for each way to gain points."""
    if ind.choice_points:
        return sorted((pts - res.points, choice, _ONE) for choice, pts in ind.choice_points
                      if pts > res.points)
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
            stars[code], inds, results, compiled.groups_by_star.get(code, ()),
            compiled.grouped)
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
        if ind.role in ("points", "bonus") and star.score - res.points >= star.pass_mark:
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
