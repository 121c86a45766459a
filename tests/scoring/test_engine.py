"""The pure scoring engine on hand-made rule sets (no Django)."""

from datetime import date
from decimal import Decimal
from pathlib import Path

from scoring.engine import (
    STAR_CODES,
    Change,
    EntryInput,
    EvidenceInput,
    IndicatorSpec,
    RiskItem,
    RuleSetSpec,
    StarSpec,
    evaluate,
)
from scoring.rulefile import parse_ruleset

YEAR = 2025
REFERENCE = Path(__file__).resolve().parents[2] / "rulesets" / "henan-reference.yaml"


def m(month: int, year: int = YEAR) -> date:
    return date(year, month, 1)


def gate(code: str, star: str = "branch", **kw) -> IndicatorSpec:
    fields = {"kind": "bool", "role": "gate", "comparison": "==", "threshold": True}
    fields.update(kw)
    return IndicatorSpec(code=code, star=star, name=code, **fields)


def points(code: str, star: str, pts: int, threshold, comparison=">=", kind="number",
           **kw) -> IndicatorSpec:
    return IndicatorSpec(code=code, star=star, name=code, kind=kind, role="points",
                         comparison=comparison, threshold=threshold, points=pts, **kw)


def rules(*indicators: IndicatorSpec, branch_rule: str = "none",
          pass_marks: dict[str, int] | None = None, risk_margin=Decimal(5)) -> RuleSetSpec:
    """A rule set holding `indicators`; a star without any gets one bool gate `<star>_ok`."""
    inds = list(indicators)
    for star in STAR_CODES:
        if not any(i.star == star for i in inds):
            inds.append(gate(f"{star}_ok", star))
    pass_marks = pass_marks or {}
    stars = {
        star: StarSpec(star, pass_marks.get(star, 0),
                       sum(i.max_points for i in inds if i.star == star))
        for star in STAR_CODES
    }
    return RuleSetSpec(id=7, version=3, name="test", issuer_code="410902", year=YEAR,
                       branch_rule=branch_rule, stars=stars, indicators=tuple(inds),
                       risk_margin=risk_margin)


def e(code: str, month: int, value, **kw) -> EntryInput:
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    return EntryInput(code, m(month), value, **kw)


def ok(*stars: str, month: int = 1) -> list[EntryInput]:
    return [e(f"{star}_ok", month, True) for star in stars]


def photo(id_: int, month: int = 1) -> EvidenceInput:
    return EvidenceInput(id_, "photo", m(month))


def document(id_: int, month: int = 1) -> EvidenceInput:
    return EvidenceInput(id_, "document", m(month))


# ------------------------------------------------------------------ value kinds


def test_a_bool_gate_is_met_by_true_and_failed_by_a_reported_false():
    spec = rules(gate("meetings"))
    assert evaluate(spec, [e("meetings", 1, True)], m(1)).stars["branch"].earned
    result = evaluate(spec, [e("meetings", 1, False)], m(1))
    assert not result.stars["branch"].earned
    assert [r.kind for r in result.stars["branch"].reasons] == ["gate_failed"]
    assert result.indicators["meetings"].reported is True


def test_a_number_gate_reports_how_far_the_value_falls_short():
    spec = rules(gate("income", "industry", kind="number", comparison=">=",
                      threshold=Decimal(100000)))
    result = evaluate(spec, [e("income", 3, 80000)], m(3))
    (reason,) = result.stars["industry"].reasons
    assert (reason.kind, reason.indicator, reason.comparison) == ("gate_failed", "income", ">=")
    assert (reason.needed, reason.actual, reason.shortfall) == (100000, 80000, 20000)


def test_a_percent_points_indicator_is_all_or_nothing_at_its_threshold():
    spec = rules(points("coverage", "civility", 30, Decimal(80), kind="percent"))
    assert evaluate(spec, [e("coverage", 1, Decimal("79.9"))], m(1)).stars["civility"].score == 0
    assert evaluate(spec, [e("coverage", 1, 80)], m(1)).stars["civility"].score == 30


def test_a_stepped_count_scores_the_highest_step_reached():
    ind = IndicatorSpec(code="events", star="civility", name="events", kind="count",
                        role="points", comparison=">=",
                        steps=((Decimal(4), 10), (Decimal(8), 20), (Decimal(12), 30)))
    spec = rules(ind)
    scores = [evaluate(spec, [e("events", 1, n)], m(1)).indicators["events"].points
              for n in (3, 4, 9, 12, 40)]
    assert scores == [0, 10, 20, 30, 30]
    assert evaluate(spec, [], m(1)).indicators["events"].max_points == 30


def test_a_choice_indicator_matches_one_value_or_a_set_of_values():
    single = gate("level", "safety", kind="choice", choices=("无", "县级", "国家级"),
                  comparison="==", threshold="国家级")
    any_of = gate("level", "safety", kind="choice", choices=("无", "县级", "国家级"),
                  comparison="in", threshold=("县级", "国家级"))
    assert not evaluate(rules(single), [e("level", 1, "县级")], m(1)).stars["safety"].earned
    assert evaluate(rules(any_of), [e("level", 1, "县级")], m(1)).stars["safety"].earned
    assert not evaluate(rules(any_of), [e("level", 1, "无")], m(1)).stars["safety"].earned


def test_each_numeric_comparison_is_applied_as_written():
    def met(comparison, value):
        spec = rules(gate("x", kind="number", comparison=comparison, threshold=Decimal(5)))
        return evaluate(spec, [e("x", 1, value)], m(1)).indicators["x"].met

    assert [met(">=", v) for v in (4, 5, 6)] == [False, True, True]
    assert [met(">", v) for v in (4, 5, 6)] == [False, False, True]
    assert [met("<=", v) for v in (4, 5, 6)] == [True, True, False]
    assert [met("<", v) for v in (4, 5, 6)] == [True, False, False]
    assert [met("==", v) for v in (4, 5, 6)] == [False, True, False]


def test_plain_ints_floats_and_text_are_accepted_as_numeric_values():
    spec = rules(gate("x", kind="number", comparison=">=", threshold=Decimal("0.5")))
    for raw in (1, 0.5, "0.75"):
        result = evaluate(spec, [EntryInput("x", m(1), raw)], m(1))
        assert result.indicators["x"].met is True
        assert isinstance(result.indicators["x"].value, Decimal)


# -------------------------------------------------------------------- combining


def numbers(combine: str, values: dict[int, int], month: int = 12, cadence="monthly"):
    spec = rules(IndicatorSpec(code="x", star="ecology", name="x", kind="number",
                               role="info", combine=combine, cadence=cadence))
    entries = [e("x", mon, v) for mon, v in values.items()]
    return evaluate(spec, entries, m(month)).indicators["x"].value


def test_latest_takes_the_most_recent_reported_month():
    assert numbers("latest", {1: 5, 3: 2, 2: 9}) == 2


def test_sum_avg_min_and_max_combine_the_months_so_far():
    values = {1: 4, 2: 10, 3: 1}
    assert numbers("sum", values) == 15
    assert numbers("avg", values) == 5
    assert numbers("min", values) == 1
    assert numbers("max", values) == 10


def test_months_after_the_evaluated_month_and_from_other_years_are_ignored():
    spec = rules(IndicatorSpec(code="x", star="ecology", name="x", kind="number",
                               role="info", combine="sum"))
    entries = [e("x", 1, 1), e("x", 2, 10), e("x", 3, 100),
               EntryInput("x", m(12, YEAR - 1), Decimal(1000))]
    assert evaluate(spec, entries, m(2)).indicators["x"].value == 11


def test_a_quarterly_sum_takes_the_latest_entry_of_each_quarter():
    # Q1 entered twice (the correction in March wins), Q2 once.
    assert numbers("sum", {1: 5, 3: 7, 5: 20}, cadence="quarterly") == 27


def test_every_month_requires_the_condition_in_each_month_so_far():
    spec = rules(gate("meetings", combine="every_month"))
    all_months = [e("meetings", mon, True) for mon in range(1, 5)]
    assert evaluate(spec, all_months, m(4)).stars["branch"].earned

    one_false = all_months[:2] + [e("meetings", 3, False), all_months[3]]
    assert not evaluate(spec, one_false, m(4)).stars["branch"].earned


def test_every_month_counts_a_missing_due_month_as_not_met_and_lists_it():
    spec = rules(gate("meetings", combine="every_month"))
    entries = [e("meetings", mon, True) for mon in (1, 2, 4)]
    result = evaluate(spec, entries, m(4))
    assert result.indicators["meetings"].met is False
    assert result.indicators["meetings"].months_missing == (m(3),)
    (reason,) = result.stars["branch"].reasons
    assert (reason.kind, reason.months) == ("gate_failed", (m(3),))


def test_every_month_quarterly_checks_the_quarters_that_have_ended():
    spec = rules(gate("patrol", cadence="quarterly", combine="every_month"))
    # In May only Q1 is due; a February entry reports Q1.
    assert evaluate(spec, [e("patrol", 2, True)], m(5)).indicators["patrol"].met is True
    # In July Q2 is due too and has no entry.
    result = evaluate(spec, [e("patrol", 2, True)], m(7))
    assert result.indicators["patrol"].met is False
    assert result.indicators["patrol"].months_missing == (m(6),)
    # Before March the running quarter is due.
    assert evaluate(spec, [], m(2)).indicators["patrol"].months_missing == (m(2),)


def test_a_carried_forward_entry_counts_as_reported_and_is_traced_as_carried():
    spec = rules(gate("meetings"))
    entries = [e("meetings", 1, True), e("meetings", 2, True, carried=True)]
    result = evaluate(spec, entries, m(2))
    assert result.stars["branch"].earned
    assert [x.carried for x in result.trace.inputs["meetings"]] == [False, True]


# ------------------------------------------------------------ missing vs zero


def test_a_missing_entry_fails_a_gate_as_not_reported_unlike_a_reported_zero():
    spec = rules(gate("petitions", "safety", kind="count", comparison="<=",
                      threshold=Decimal(0), combine="sum"))
    missing = evaluate(spec, [], m(1))
    assert not missing.stars["safety"].earned
    assert [r.kind for r in missing.stars["safety"].reasons] == ["not_reported"]
    assert missing.indicators["petitions"].reported is False
    assert "petitions" in missing.not_reported

    zero = evaluate(spec, [e("petitions", 1, 0)], m(1))
    assert zero.stars["safety"].earned
    assert zero.indicators["petitions"].reported is True
    assert "petitions" not in zero.not_reported


def test_an_unreported_points_indicator_scores_zero_and_says_not_reported():
    spec = rules(points("income", "industry", 50, Decimal(100)))
    result = evaluate(spec, [], m(1))
    ind = result.indicators["income"]
    assert (ind.points, ind.met, ind.reported) == (0, False, False)
    assert [r.kind for r in ind.reasons] == ["not_reported"]
    reported_zero = evaluate(spec, [e("income", 1, 0)], m(1)).indicators["income"]
    assert [r.kind for r in reported_zero.reasons] == ["not_met"]


def test_an_entry_with_no_value_is_not_reported_but_its_evidence_counts():
    spec = rules(gate("meetings", min_photos=1))
    result = evaluate(spec, [EntryInput("meetings", m(1), None, evidence=(photo(5),))], m(1))
    assert result.indicators["meetings"].reported is False
    assert result.indicators["meetings"].evidence_photos == 1


# ------------------------------------------------------------------------ veto


def veto_rules(**kw) -> RuleSetSpec:
    veto = IndicatorSpec(code="crimes", star="safety", name="crimes", kind="count",
                         role="veto", comparison=">=", threshold=Decimal(1), combine="sum")
    return rules(veto, points("disputes", "safety", 100, Decimal(90), kind="percent"),
                 pass_marks={"safety": 80}, **kw)


def test_a_veto_hit_removes_the_star_whatever_the_points():
    result = evaluate(veto_rules(), [e("crimes", 2, 1), e("disputes", 2, 100)], m(3))
    safety = result.stars["safety"]
    assert safety.score == 100 and not safety.earned
    (reason,) = safety.reasons
    assert (reason.kind, reason.indicator, reason.comparison, reason.needed, reason.actual) == (
        "veto_hit", "crimes", ">=", 1, 1)
    assert result.indicators["crimes"].veto_hit is True


def test_a_veto_that_is_not_reported_does_not_hit_but_is_listed_as_not_reported():
    result = evaluate(veto_rules(), [e("disputes", 2, 100)], m(3))
    assert result.stars["safety"].earned
    assert result.indicators["crimes"].veto_hit is False
    assert result.indicators["crimes"].met is None
    assert "crimes" in result.not_reported


def test_a_reported_zero_on_a_veto_is_not_a_hit():
    result = evaluate(veto_rules(), [e("crimes", 1, 0), e("disputes", 2, 100)], m(3))
    assert result.stars["safety"].earned
    assert result.indicators["crimes"].met is True


# ------------------------------------------------------------------------ info


def test_an_info_indicator_is_shown_but_never_judged():
    info = IndicatorSpec(code="members", star="branch", name="members", kind="count",
                         role="info", comparison=">=", threshold=Decimal(100))
    spec = rules(info, gate("meetings"))
    result = evaluate(spec, [e("members", 1, 3), e("meetings", 1, True)], m(1))
    assert result.stars["branch"].earned
    assert result.indicators["members"].value == 3
    assert result.indicators["members"].met is False
    assert result.indicators["members"].points == 0


# ----------------------------------------------------------------- branch rules


def test_capstone_counts_the_branch_star_only_on_top_of_the_other_four():
    spec = rules(branch_rule="capstone")
    three = evaluate(spec, ok("branch", "industry", "ecology", "safety"), m(1))
    assert three.level == 3
    assert three.stars["branch"].qualified and not three.stars["branch"].earned
    assert three.stars["branch"].reasons[-1].kind == "needs_other_stars"
    assert three.stars["branch"].reasons[-1].stars == ("civility",)

    five = evaluate(spec, ok(*STAR_CODES), m(1))
    assert (five.level, five.level_label) == (5, "五星（创精品）")
    assert five.earned_stars == STAR_CODES


def test_foundation_counts_no_star_without_the_branch_star():
    spec = rules(branch_rule="foundation")
    without = evaluate(spec, ok("industry", "ecology", "safety", "civility"), m(1))
    assert without.level == 0
    assert without.stars["industry"].reasons == (
        without.stars["industry"].reasons[0],)
    assert without.stars["industry"].reasons[0].kind == "needs_branch"
    assert evaluate(spec, ok("branch", "industry"), m(1)).level == 2


def test_rule_none_counts_every_earned_star():
    spec = rules(branch_rule="none")
    result = evaluate(spec, ok("branch", "safety"), m(1))
    assert result.level == 2
    assert result.earned_stars == ("branch", "safety")
    assert result.level_label == "二星"


# --------------------------------------------------------------------- evidence


def test_a_met_gate_without_its_photos_does_not_earn_the_star():
    spec = rules(gate("cleanup", "ecology", min_photos=2, min_documents=1))
    result = evaluate(spec, [e("cleanup", 1, True, evidence=(photo(1), document(2)))], m(1))
    ecology = result.stars["ecology"]
    assert not ecology.earned
    (reason,) = ecology.reasons
    assert (reason.kind, reason.indicator, reason.missing) == (
        "evidence_missing", "cleanup", {"photo": 1})


def test_evidence_counts_over_the_cycle_and_each_item_once():
    spec = rules(gate("cleanup", "ecology", min_photos=2))
    entries = [e("cleanup", 1, True, evidence=(photo(1),)),
               e("cleanup", 2, True, carried=True, evidence=(photo(1),)),
               e("cleanup", 3, True, evidence=(photo(2),))]
    result = evaluate(spec, entries, m(3))
    assert result.indicators["cleanup"].evidence_photos == 2
    assert result.stars["ecology"].earned


def test_an_indicator_that_does_not_count_needs_no_evidence_for_the_star():
    spec = rules(points("a", "industry", 50, Decimal(10), min_photos=1),
                 points("b", "industry", 50, Decimal(10)), pass_marks={"industry": 50})
    result = evaluate(spec, [e("a", 1, 0), e("b", 1, 10)], m(1))
    assert result.stars["industry"].earned
    assert result.indicators["a"].evidence_missing == {"photo": 1}


# ------------------------------------------------------------------------- gaps


def industry_rules() -> RuleSetSpec:
    return rules(
        points("a", "industry", 50, Decimal(100000)),
        points("b", "industry", 30, Decimal(10), kind="count"),
        points("c", "industry", 30, True, comparison="==", kind="bool"),
        points("d", "industry", 20, Decimal(4), kind="count"),
        pass_marks={"industry": 80},
    )


def test_the_gap_picks_the_fewest_indicators_then_the_smallest_relative_shortfall():
    entries = [e("a", 1, 90000), e("b", 1, 5), e("d", 1, 3)]
    result = evaluate(industry_rules(), entries, m(1))
    (gap,) = [g for g in result.gaps if g.star == "industry"]
    # Two indicators are needed (no single one gives 80); a+b (10% + 50% short) beats
    # a+c (c not reported counts as 100% short).
    assert gap.changes == (
        Change(indicator="a", reason="points_short", comparison=">=", needed=Decimal(100000),
               actual=Decimal(90000), shortfall=Decimal(10000), points_gain=50),
        Change(indicator="b", reason="points_short", comparison=">=", needed=Decimal(10),
               actual=Decimal(5), shortfall=Decimal(5), points_gain=30),
    )
    assert gap.points_shortfall == 80
    assert gap.total_changes == 2


def test_the_gap_names_failed_gates_vetoes_and_missing_evidence():
    spec = rules(
        gate("cases", "safety", kind="count", comparison="<=", threshold=Decimal(0)),
        IndicatorSpec(code="crimes", star="safety", name="crimes", kind="count", role="veto",
                      comparison=">=", threshold=Decimal(1)),
        gate("station", "safety", min_photos=1),
    )
    result = evaluate(spec, [e("cases", 1, 2), e("crimes", 1, 1), e("station", 1, True)], m(1))
    (gap,) = [g for g in result.gaps if g.star == "safety"]
    assert gap.changes == (
        Change(indicator="cases", reason="gate_failed", comparison="<=", needed=Decimal(0),
               actual=Decimal(2), shortfall=Decimal(2)),
        Change(indicator="crimes", reason="veto_hit", comparison="<", needed=Decimal(1),
               actual=Decimal(1)),
        Change(indicator="station", reason="evidence_missing", missing_evidence={"photo": 1}),
    )


def test_the_gap_to_an_unreported_gate_asks_for_the_value_and_its_evidence():
    spec = rules(gate("rate", "civility", kind="percent", comparison=">=",
                      threshold=Decimal(80), min_documents=1))
    (gap,) = [g for g in evaluate(spec, [], m(1)).gaps if g.star == "civility"]
    assert gap.changes == (
        Change(indicator="rate", reason="not_reported", comparison=">=", needed=Decimal(80),
               missing_evidence={"document": 1}),
    )


def test_a_stepped_gap_asks_only_for_the_next_step_needed():
    ind = IndicatorSpec(code="events", star="civility", name="events", kind="count",
                        role="points", comparison=">=",
                        steps=((Decimal(4), 40), (Decimal(8), 80), (Decimal(12), 100)))
    spec = rules(ind, pass_marks={"civility": 80})
    (gap,) = [g for g in evaluate(spec, [e("events", 1, 5)], m(1)).gaps if g.star == "civility"]
    assert gap.changes == (
        Change(indicator="events", reason="points_short", comparison=">=", needed=Decimal(8),
               actual=Decimal(5), shortfall=Decimal(3), points_gain=40),
    )


def test_gaps_are_ordered_by_fewest_changes_then_smallest_shortfall():
    spec = rules(
        gate("g1", "branch"), gate("g2", "branch"),
        gate("i1", "industry", kind="number", comparison=">=", threshold=Decimal(100)),
        gate("e1", "ecology", kind="number", comparison=">=", threshold=Decimal(100)),
    )
    entries = [e("i1", 1, 50), e("e1", 1, 95), *ok("safety", "civility")]
    result = evaluate(spec, entries, m(1))
    assert [g.star for g in result.gaps] == ["ecology", "industry", "branch"]
    assert [g.total_changes for g in result.gaps] == [1, 1, 2]


def test_the_capstone_gap_of_the_branch_star_names_the_stars_it_waits_for():
    spec = rules(branch_rule="capstone")
    result = evaluate(spec, ok("branch", "industry", "ecology"), m(1))
    (gap,) = [g for g in result.gaps if g.star == "branch"]
    assert gap.changes == ()
    assert gap.requires_stars == ("safety", "civility")
    assert gap.total_changes == 2
    assert [g.star for g in result.gaps] == ["safety", "civility", "branch"]


def test_earned_stars_have_no_gap():
    result = evaluate(rules(), ok(*STAR_CODES), m(1))
    assert result.gaps == ()


# ---------------------------------------------------------------------- at risk


def test_a_star_resting_on_a_gate_just_at_its_threshold_is_at_risk():
    spec = rules(gate("rate", "civility", kind="percent", comparison=">=",
                      threshold=Decimal(80)))
    result = evaluate(spec, [e("rate", 1, 80)], m(1))
    assert result.at_risk == (
        RiskItem(star="civility", indicator="rate", kind="near_threshold", value=Decimal(80),
                 comparison=">=", threshold=Decimal(80)),
    )
    # Within the 5% margin (80 * 1.05 = 84) still at risk; above it safe.
    assert evaluate(spec, [e("rate", 1, 84)], m(1)).at_risk
    assert evaluate(spec, [e("rate", 1, 85)], m(1)).at_risk == ()


def test_the_risk_margin_comes_from_the_rule_set():
    spec = rules(gate("rate", "civility", kind="percent", comparison=">=",
                      threshold=Decimal(80)), risk_margin=Decimal(0))
    assert evaluate(spec, [e("rate", 1, 81)], m(1)).at_risk == ()
    assert evaluate(spec, [e("rate", 1, 80)], m(1)).at_risk


def test_points_at_their_threshold_are_a_risk_only_when_losing_them_loses_the_star():
    spec = rules(points("a", "industry", 60, Decimal(10)), points("b", "industry", 40,
                 Decimal(10)), pass_marks={"industry": 60})
    tight = evaluate(spec, [e("a", 1, 10), e("b", 1, 0)], m(1))
    assert [(r.indicator, r.kind) for r in tight.at_risk] == [("a", "near_threshold")]
    # With b also met, losing a (100 - 60 = 40 < 60) still loses the star; losing b does not.
    both = evaluate(spec, [e("a", 1, 10), e("b", 1, 10)], m(1))
    assert [r.indicator for r in both.at_risk] == ["a"]


def test_a_star_resting_on_too_old_evidence_is_at_risk():
    spec = rules(gate("cleanup", "ecology", min_photos=1, evidence_max_age_months=2))
    old = evaluate(spec, [e("cleanup", 6, True, evidence=(photo(9, month=1),))], m(6))
    assert old.stars["ecology"].earned
    assert old.at_risk == (
        RiskItem(star="ecology", indicator="cleanup", kind="stale_evidence", evidence_ids=(9,)),
    )
    fresh = evaluate(spec, [e("cleanup", 6, True, evidence=(photo(9, month=1),
                                                            photo(10, month=5)))], m(6))
    assert fresh.at_risk == ()


def test_a_zero_tolerance_ceiling_is_not_flagged_at_risk():
    spec = rules(gate("petitions", "safety", kind="count", comparison="<=",
                      threshold=Decimal(0)))
    assert evaluate(spec, [e("petitions", 1, 0)], m(1)).at_risk == ()


# ------------------------------------------------------------------------ trace


def test_the_trace_names_the_rule_set_the_month_the_inputs_and_the_evidence():
    spec = rules(gate("meetings", min_documents=1), gate("cleanup", "ecology"))
    entries = [e("meetings", 1, True, evidence=(document(11),)),
               e("meetings", 2, False, evidence=(document(12), photo(13))),
               e("meetings", 5, True), e("stray", 1, 4)]
    result = evaluate(spec, entries, date(YEAR, 2, 17))
    trace = result.trace
    assert (trace.ruleset_id, trace.ruleset_version, trace.month) == (7, 3, m(2))
    assert [(x.month, x.value) for x in trace.inputs["meetings"]] == [(m(1), True),
                                                                       (m(2), False)]
    assert trace.evidence_ids == {"meetings": (11, 12, 13)}
    assert trace.ignored == ("stray",)
    assert "cleanup" not in trace.inputs


# ------------------------------------------------------------ reference rule set


def reference_entries(overrides: dict[str, object] | None = None) -> list[EntryInput]:
    """Twelve months that earn every star of the reference rule set."""
    good = {
        "meetings_held": True, "member_points_rate": 95, "secretary_trained": True,
        "members_recruited": 1, "branch_standardised": True, "yibian_sanding": True,
        "party_members": 40, "cooperatives_led": 2, "collective_income": 60000,
        "dividend_projects": 15, "featured_industry": "市级", "poor_household_income": 12000,
        "garbage_cleanup": True, "sewage_coverage": 70, "toilet_upgrade": 90,
        "trees_planted": 800, "road_hardening": 2000, "five_chiefs": True,
        "criminal_cases": 0, "petitions_beyond": 0, "casualty_accidents": 0,
        "dispute_resolution_rate": 100, "fire_station": True, "rule_of_law_village": "国家级",
        "legal_publicity": 1, "disputes_resolved": 5, "civilised_households": 90,
        "village_rules": True, "day_care_centre": True, "cultural_events": 2,
        "service_centre": True,
    }
    good.update(overrides or {})
    entries, next_id = [], 1
    for month in range(1, 13):
        for code, value in good.items():
            evidence = (photo(next_id, month), photo(next_id + 1, month),
                        document(next_id + 2, month))
            next_id += 3
            entries.append(e(code, month, value, evidence=evidence))
    return entries


def test_the_reference_rule_set_can_award_five_stars():
    spec = parse_ruleset(REFERENCE.read_text(encoding="utf-8"))
    result = evaluate(spec, reference_entries(), m(12))
    assert result.level == 5
    assert all(s.score == 100 for s in result.stars.values())


def test_the_reference_rule_set_loses_the_capstone_with_any_other_star():
    spec = parse_ruleset(REFERENCE.read_text(encoding="utf-8"))
    result = evaluate(spec, reference_entries({"civilised_households": 70}), m(12))
    assert result.level == 3
    assert result.earned_stars == ("industry", "ecology", "safety")


def test_the_reference_veto_takes_the_safety_star_for_one_criminal_case():
    spec = parse_ruleset(REFERENCE.read_text(encoding="utf-8"))
    entries = [x for x in reference_entries() if x.indicator != "criminal_cases"]
    entries.append(e("criminal_cases", 7, 1))
    result = evaluate(spec, entries, m(12))
    assert not result.stars["safety"].earned
    assert result.stars["safety"].reasons[0].kind == "veto_hit"
    assert result.level == 3
