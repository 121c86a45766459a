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

from .evaluate import evaluate, evaluate_grouped
from .model import (
    ALL_ROLES,
    BRANCH_RULES,
    CADENCES,
    COMBINES,
    COMPARISONS,
    DEFAULT_LEVEL_LABELS,
    DEFAULT_RISK_MARGIN,
    EVIDENCE_KINDS,
    FACTS,
    KINDS,
    LEVEL_RULES,
    MAX_YEAR,
    MIN_YEAR,
    NEGATED,
    NUMERIC_FACTS,
    NUMERIC_KINDS,
    POSITIVE_FACTS,
    ROLES,
    RULE_BOUNDS,
    SCORING_ROLES,
    STAR_CODES,
    STAR_NAMES,
    V2_ROLES,
    VILLAGE_CATEGORIES,
    BandSpec,
    Change,
    EntryInput,
    EvidenceInput,
    GroupSpec,
    HistoryRule,
    IndicatorResult,
    IndicatorSpec,
    Reason,
    RiskItem,
    RuleSetSpec,
    StarGap,
    StarResult,
    StarSpec,
    Threshold,
    ThresholdCase,
    Trace,
    Value,
    VillageResult,
    check_year,
    holds,
    month_start,
    months_between,
    parse_month,
    shortfall,
)

__all__ = [
    "ALL_ROLES", "SCORING_ROLES", "V2_ROLES", "FACTS", "LEVEL_RULES", "NUMERIC_FACTS",
    "POSITIVE_FACTS", "VILLAGE_CATEGORIES",
    "BandSpec", "GroupSpec", "HistoryRule", "ThresholdCase",
    "BRANCH_RULES", "CADENCES", "COMBINES", "COMPARISONS", "Change", "DEFAULT_LEVEL_LABELS",
    "DEFAULT_RISK_MARGIN", "EVIDENCE_KINDS", "EntryInput", "EvidenceInput", "IndicatorResult",
    "IndicatorSpec", "KINDS", "NEGATED", "NUMERIC_KINDS", "ROLES", "Reason", "RiskItem",
    "RuleSetSpec", "STAR_CODES", "STAR_NAMES", "StarGap", "StarResult", "StarSpec",
    "Threshold", "Trace", "Value", "VillageResult", "evaluate", "evaluate_grouped", "holds",
    "month_start", "months_between", "parse_month", "shortfall", "MIN_YEAR", "MAX_YEAR",
    "RULE_BOUNDS", "check_year",
]
