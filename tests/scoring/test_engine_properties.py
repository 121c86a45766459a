"""Properties of the engine and the file format on generated rule sets (hypothesis)."""

import dataclasses
from datetime import date
from decimal import Decimal

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.engine import (
    NEGATED,
    STAR_CODES,
    EntryInput,
    EvidenceInput,
    IndicatorSpec,
    RuleSetSpec,
    StarSpec,
    evaluate,
    holds,
)
from scoring.rulefile import dump_ruleset, parse_ruleset

YEAR = 2025
CHOICES = ("无", "县级", "市级", "省级")
NUMERIC = ("number", "percent", "count")
PROPS = settings(max_examples=60, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------- strategies


def numbers(kind: str) -> st.SearchStrategy[Decimal]:
    if kind == "percent":
        return st.integers(0, 100).map(Decimal)
    if kind == "count":
        return st.integers(0, 20).map(Decimal)
    return st.decimals(min_value=-1000, max_value=100000, places=2, allow_nan=False,
                       allow_infinity=False)


@st.composite
def indicators(draw, code: str, star: str, role: str) -> IndicatorSpec:
    kind = draw(st.sampled_from(("bool", "choice", *NUMERIC)))
    combines = ["latest", "every_month"] if role != "veto" else ["latest"]
    if kind in NUMERIC:
        combines += ["sum", "avg", "min", "max"]
    fields: dict = {
        "code": code, "star": star, "name": draw(st.text(min_size=1, max_size=12)),
        "kind": kind, "role": role,
        "cadence": draw(st.sampled_from(("monthly", "quarterly", "annual"))),
        "combine": draw(st.sampled_from(combines)),
        "unit": draw(st.sampled_from(("", "元", "%"))),
        "help": draw(st.sampled_from(("", "说明: \"引号\" # 井号\\"))),
        "min_photos": draw(st.integers(0, 2)), "min_documents": draw(st.integers(0, 1)),
        "evidence_max_age_months": draw(st.sampled_from((None, 1, 3))),
    }
    if kind == "bool":
        fields.update(comparison="==", threshold=draw(st.booleans()))
    elif kind == "choice":
        fields["choices"] = CHOICES
        if draw(st.booleans()):
            fields.update(comparison="==", threshold=draw(st.sampled_from(CHOICES)))
        else:
            picked = draw(st.lists(st.sampled_from(CHOICES), min_size=1, max_size=3,
                                   unique=True))
            fields.update(comparison="in", threshold=tuple(picked))
    else:
        fields.update(comparison=draw(st.sampled_from((">=", ">", "<=", "<", "=="))),
                      threshold=draw(numbers(kind)))
    if role == "points":
        stepped = (kind in NUMERIC and fields["comparison"] != "=="
                   and fields["combine"] != "every_month" and draw(st.booleans()))
        if stepped:
            fields.update(steps=draw(steps(kind, fields["comparison"])), threshold=None)
        else:
            fields["points"] = draw(st.integers(1, 40))
    if role == "info" and draw(st.booleans()):
        fields.update(comparison=None, threshold=None)
    return IndicatorSpec(**fields)


@st.composite
def steps(draw, kind: str, comparison: str):
    thresholds = sorted(set(draw(st.lists(numbers(kind), min_size=1, max_size=3))))
    if comparison in ("<=", "<"):
        thresholds.reverse()
    pts = sorted(draw(st.lists(st.integers(1, 40), min_size=len(thresholds),
                               max_size=len(thresholds), unique=True)))
    return tuple(zip(thresholds, pts, strict=True))


@st.composite
def rulesets(draw, branch_rule: str | None = None, with_veto_in: str | None = None):
    inds: list[IndicatorSpec] = []
    for star in STAR_CODES:
        roles = draw(st.lists(st.sampled_from(("gate", "points", "veto", "info")),
                              min_size=1, max_size=4))
        if star == with_veto_in:
            roles.append("veto")
        for n, role in enumerate(roles):
            inds.append(draw(indicators(f"{star}_{n}", star, role)))
    stars = {}
    for star in STAR_CODES:
        top = sum(i.max_points for i in inds if i.star == star)
        stars[star] = StarSpec(star, draw(st.integers(0, top)), top)
    return RuleSetSpec(
        id=1, version=draw(st.integers(1, 3)), name=draw(st.text(min_size=1, max_size=20)),
        issuer_code=draw(st.sampled_from(("41", "4109", "410902", "410902101"))),
        year=YEAR, branch_rule=branch_rule or draw(st.sampled_from(("capstone", "foundation",
                                                                     "none"))),
        stars=stars, indicators=tuple(inds), reference=draw(st.booleans()),
        risk_margin=draw(st.sampled_from((Decimal(0), Decimal(5), Decimal("7.5")))),
    )


def values_for(ind: IndicatorSpec) -> st.SearchStrategy:
    if ind.kind == "bool":
        return st.booleans()
    if ind.kind == "choice":
        return st.sampled_from(CHOICES)
    return numbers(ind.kind)


@st.composite
def villages(draw, spec: RuleSetSpec, month: int):
    """Entries for a random subset of indicators and months, with random evidence."""
    entries: list[EntryInput] = []
    next_id = 1
    for ind in spec.indicators:
        months = draw(st.lists(st.integers(1, month), max_size=month, unique=True))
        for mon in sorted(months):
            evidence = []
            for kind in draw(st.lists(st.sampled_from(("photo", "document")), max_size=2)):
                evidence.append(EvidenceInput(next_id, kind, date(YEAR, draw(
                    st.integers(1, mon)), 1)))
                next_id += 1
            entries.append(EntryInput(ind.code, date(YEAR, mon, 1), draw(values_for(ind)),
                                      evidence=tuple(evidence)))
    return entries


@st.composite
def cases(draw, branch_rule: str | None = None, with_veto_in: str | None = None):
    spec = draw(rulesets(branch_rule, with_veto_in))
    month = draw(st.integers(1, 12))
    return spec, draw(villages(spec, month)), date(YEAR, month, 1)


# ------------------------------------------------------------------ properties


@PROPS
@given(case=cases(), raise_by=st.decimals(min_value=0, max_value=5000, places=1))
def test_raising_a_value_that_counts_toward_points_never_lowers_the_star_score(case,
                                                                                 raise_by):
    spec, entries, month = case
    targets = [i for i in spec.indicators if i.role == "points" and i.kind in NUMERIC
               and i.comparison in (">=", ">")]
    if not targets:
        return
    target = targets[0]
    raised = [dataclasses.replace(x, value=x.value + raise_by)
              if x.indicator == target.code else x for x in entries]
    before = evaluate(spec, entries, month).stars[target.star].score
    after = evaluate(spec, raised, month).stars[target.star].score
    assert after >= before


def hit_value(ind: IndicatorSpec):
    """A value for which the veto comparison is true."""
    t = ind.threshold
    if ind.comparison == ">":
        return t + 1
    if ind.comparison == "<":
        return t - 1
    return t[0] if ind.comparison == "in" else t


@PROPS
@given(case=cases(with_veto_in="safety"))
def test_a_veto_hit_always_removes_the_star(case):
    spec, entries, month = case
    veto = next(i for i in spec.indicators if i.star == "safety" and i.role == "veto")
    entries = [x for x in entries if x.indicator != veto.code]
    entries.append(EntryInput(veto.code, month, hit_value(veto)))
    result = evaluate(spec, entries, month)
    assert not result.stars["safety"].earned
    assert not result.stars["safety"].qualified
    assert any(r.kind == "veto_hit" and r.indicator == veto.code
               for r in result.stars["safety"].reasons)


@PROPS
@given(case=cases(branch_rule="none"))
def test_under_rule_none_the_level_is_the_number_of_earned_stars(case):
    result = evaluate(*case)
    assert result.level == len(result.earned_stars)
    assert result.earned_stars == tuple(c for c in STAR_CODES if result.stars[c].qualified)


@PROPS
@given(case=cases())
def test_the_branch_rules_hold_and_the_level_counts_earned_stars(case):
    spec, entries, month = case
    result = evaluate(spec, entries, month)
    earned = set(result.earned_stars)
    assert 0 <= result.level == len(earned) <= 5
    if spec.branch_rule == "capstone" and "branch" in earned:
        assert earned == set(STAR_CODES)
    if spec.branch_rule == "foundation" and earned:
        assert "branch" in earned
    assert {g.star for g in result.gaps} == set(STAR_CODES) - earned


def satisfying(comparison: str, needed, kind: str):
    """A value that satisfies `comparison` against `needed`."""
    if comparison == "in":
        return needed[0]
    if comparison == "not in":
        return next(c for c in CHOICES if c not in needed)
    if comparison == "!=":
        if kind == "bool":
            return not needed
        if kind == "choice":
            return next(c for c in CHOICES if c != needed)
        return needed + 1
    if comparison == ">":
        return needed + 1
    return needed - 1 if comparison == "<" else needed


@PROPS
@given(case=cases(branch_rule="none"))
def test_applying_a_gap_earns_the_star(case):
    spec, entries, month = case
    result = evaluate(spec, entries, month)
    by_code = {i.code: i for i in spec.indicators}
    for gap in result.gaps:
        changed = list(entries)
        for n, c in enumerate(gap.changes):
            ind = by_code[c.indicator]
            old = [x for x in changed if x.indicator == c.indicator]
            changed = [x for x in changed if x.indicator != c.indicator]
            evidence = tuple(ev for x in old for ev in x.evidence) + tuple(
                EvidenceInput(10_000 + 10 * n + k, kind, month)
                for kind, count in c.missing_evidence.items() for k in range(count))
            if c.needed is None:  # only evidence is missing: keep the values
                changed += old[:-1] + [dataclasses.replace(old[-1], evidence=evidence)]
                continue
            value = satisfying(c.comparison, c.needed, ind.kind)
            assert holds(c.comparison, value, c.needed)
            # One entry for a sum, every month otherwise (every_month needs them all).
            months = [month.month] if ind.combine == "sum" else range(1, month.month + 1)
            changed += [EntryInput(c.indicator, date(YEAR, mon, 1), value,
                                   evidence=evidence if mon == month.month else ())
                        for mon in months]
        after = evaluate(spec, changed, month)
        assert after.stars[gap.star].earned, (gap, after.stars[gap.star].reasons)


@PROPS
@given(spec=rulesets())
def test_a_generated_rule_set_survives_a_dump_and_parse_round_trip(spec):
    text = dump_ruleset(spec)
    parsed = parse_ruleset(text, ruleset_id=spec.id)
    assert parsed == spec
    assert dump_ruleset(parsed) == text


def test_negated_comparisons_are_true_exactly_when_the_original_is_false():
    for comparison, negated in NEGATED.items():
        threshold = ("县级",) if comparison == "in" else Decimal(5)
        for value in ("县级", "无") if comparison == "in" else (4, 5, 6):
            assert holds(negated, value, threshold) is not holds(comparison, value, threshold)


@PROPS
@given(case=cases())
def test_a_stored_result_is_the_result_with_a_slim_trace(case):
    from scoring import resultjson
    spec, entries, month = case
    result = evaluate(spec, entries, month)
    stored = orjson.loads(resultjson.result_bytes(result))
    full = resultjson.jsonable(result)
    assert {k: v for k, v in stored.items() if k != "trace"} == \
        {k: v for k, v in full.items() if k != "trace"}
    assert stored["trace"] == {key: full["trace"][key] for key in
                               ("ruleset_id", "ruleset_version", "month", "ignored")}


def _grouped(spec, entries, month):
    codes = {ind.code for ind in spec.indicators}
    grouped = {}
    for entry in sorted(entries, key=lambda e: e.month):
        if entry.indicator in codes and entry.month <= month:
            grouped.setdefault(entry.indicator, []).append(entry)
    return grouped


@PROPS
@given(case=cases(), data=st.data())
def test_a_preview_judged_from_the_official_result_equals_one_judged_afresh(case, data):
    from scoring.engine import evaluate_grouped
    spec, entries, month = case
    unverified = [e for e in entries if data.draw(st.booleans())]
    official = [e for e in entries if e not in unverified]
    base = evaluate_grouped(spec, _grouped(spec, official, month), month)
    changed = {e.indicator for e in unverified}
    preview = _grouped(spec, entries, month)
    assert evaluate_grouped(spec, preview, month, like=base, changed=changed) == \
        evaluate_grouped(spec, preview, month)
