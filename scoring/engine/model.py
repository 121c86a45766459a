"""The engine's vocabulary: constants, the plain input and output dataclasses, helpers."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
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
ROLES = ("gate", "points", "veto", "info")  # format 1
V2_ROLES = ("bonus", "deduction")  # 加分项、扣分项, format 2 only
ALL_ROLES = ROLES + V2_ROLES
# Roles whose points add to a star's score; bonus and deduction sit outside max_points.
SCORING_ROLES = frozenset({"points", "bonus"})
LEVEL_RULES = ("stars", "bands")
# Village facts a rule set may name (docs/rule-sets.md "Village facts"). The positive ones
# can be divisors: the village record refuses 0 for them (0 there means "not recorded").
FACTS = ("population", "households", "poor_households", "area_km2", "category")
POSITIVE_FACTS = frozenset({"population", "households", "area_km2"})
NUMERIC_FACTS = ("population", "households", "poor_households", "area_km2")
VILLAGE_CATEGORIES = ("城郊村", "传统农业村", "特色产业村", "生态保护村", "其他")
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
    bonus_cap: int | None = None  # format 2: most bonus points the star can add
    floor: int = 0  # format 2: deductions never take the score below this ("扣完为止")


@dataclass(frozen=True, slots=True)
class ThresholdCase:
    """Format 2: a threshold for villages of a category and/or a size (first match wins)."""

    threshold: Threshold
    categories: tuple[str, ...] = ()
    fact: str | None = None  # a numeric village fact ...
    at_least: Decimal | None = None  # ... that must be at least this


@dataclass(frozen=True, slots=True)
class GroupSpec:
    """Format 2: "at least N of these" — the listed gates of a star, N of which must hold."""

    code: str
    star: str
    name: str
    at_least: int
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BandSpec:
    """Format 2: a level from the total score, with indicators that must also be met."""

    level: int
    min_score: int
    requires: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class HistoryRule:
    """Format 2: level `level` (or more) needs `min_level` or more in each of the
    `years` cycles before ("须上年度为四星及以上", "连续两年保持")."""

    level: int
    min_level: int
    years: int = 1


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
    # Format 2 (docs/rule-sets.md); the defaults leave a format 1 indicator unchanged.
    formula: str | None = None  # a derived value: computed, never entered
    inputs: tuple[str, ...] = ()  # indicator codes and facts the formula names
    threshold_for: tuple[ThresholdCase, ...] = ()
    choice_points: tuple[tuple[str, int], ...] = ()  # (choice, points)
    max_deduction: int | None = None  # deduction: most points this item can take

    @property
    def max_points(self) -> int:
        if self.role != "points":
            return 0
        return self.top_points

    @property
    def top_points(self) -> int:
        if self.choice_points:
            return max(p for _, p in self.choice_points)
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
    # Format 2 (docs/rule-sets.md); the defaults are format 1's behaviour.
    format_version: int = 1
    groups: tuple[GroupSpec, ...] = ()
    level_rule: str = "stars"
    bands: tuple[BandSpec, ...] = ()  # highest level first
    history_rules: tuple[HistoryRule, ...] = ()
    quotas: tuple[tuple[int, Decimal], ...] = ()  # (level, most percent of the villages)


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
    group: str | None = None  # format 2: the "at least N of these" group it helps


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
    total_score: int = 0  # every star's score added up (what score bands grade)
    # Why the level is not higher although stars or score allow it (format 2: band
    # conditions, earlier cycles); kinds band_short | band_condition | history_short.
    level_reasons: tuple[Reason, ...] = ()

    @property
    def earned_stars(self) -> tuple[str, ...]:
        return tuple(code for code in STAR_CODES if self.stars[code].earned)


# ---------------------------------------------------------------------- helpers


def month_start(day: date) -> date:
    return day if day.day == 1 else day.replace(day=1)


# The years the portal deals in. The programme began in 2022 and a rating cycle looks at
# most a year back; 2000–2100 leaves room on both sides while keeping every month, quarter
# and year neighbour that pages compute (±1 year) far from `date`'s limits (1–9999), so a
# month such as 9999-12 or 0001-01 is refused at the door instead of crashing a page.
MIN_YEAR, MAX_YEAR = 2000, 2100


# Ranges of the numbers a rule set holds (rule files and the database check the same):
# points per star and per indicator up to 1000 (schemes use 100 or 110), up to 100 photos
# or documents per indicator, evidence valid for up to ten years.
RULE_BOUNDS: dict[str, tuple[int, int]] = {
    "year": (MIN_YEAR, MAX_YEAR), "version": (1, 1000), "risk_margin": (0, 100),
    "pass_mark": (0, 1000), "max_points": (0, 1000), "points": (0, 1000),
    "min_photos": (0, 100), "min_documents": (0, 100), "evidence_max_age_months": (1, 120),
    "bonus_cap": (0, 1000), "floor": (0, 1000), "max_deduction": (0, 1000),
}


def check_year(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year {year} outside {MIN_YEAR}-{MAX_YEAR}")
    return year


def parse_month(text: str) -> date:
    """'2025-06' -> date(2025, 6, 1); ValueError for anything else or outside the years."""
    match = _MONTH.fullmatch(str(text).strip())
    if not match:
        raise ValueError(f"not a month: {text!r}")
    year, month = check_year(int(match.group(1))), int(match.group(2))
    return date(year, month, 1)  # date() refuses month 0 or 13


_MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)


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
