"""A frozen snapshot as rows for the review page: per star, per indicator, side by side.

The engine's reasons are worded by scoring/wording.py when it is available (it lands
from the rules branch); until then a plain fallback names the reason's kind.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from scoring.models import RuleSet
from scoring.services import spec_of
from scoring.stars import STAR_ORDER, StarCode

try:  # the rules branch's sentences; optional until it is merged
    from scoring.wording import Wording
except ImportError:  # pragma: no cover - depends on what main holds
    Wording = None


@dataclass
class IndicatorRow:
    code: str
    name: str
    role: str
    value: object
    met: object
    points: int
    max_points: int
    reasons: list[str]
    entries: list[dict]
    evidence: list[dict]
    flag: str = ""
    response: str = ""


@dataclass
class StarBlock:
    code: str
    label: str
    applied: bool
    earned: bool
    score: int
    pass_mark: int
    max_points: int
    reasons: list[str]
    justification: str = ""
    flag: str = ""
    response: str = ""
    decision: str = ""
    indicators: list[IndicatorRow] = field(default_factory=list)


def _fallback_reason(reason: dict) -> str:
    kinds = {"not_reported": _("not reported"), "not_met": _("requirement not met"),
             "gate_failed": _("required indicator not met"),
             "veto_hit": _("veto event"), "evidence_missing": _("evidence missing")}
    text = kinds.get(reason.get("kind"), reason.get("kind", ""))
    if reason.get("indicator"):
        text = f"{reason['indicator']}: {text}"
    return str(text)


def _worder(ruleset: RuleSet | None):
    if Wording is None or ruleset is None:
        return _fallback_reason
    wording = Wording(spec_of(ruleset))
    return wording.reason


def blocks(application, snapshot, ruleset: RuleSet | None) -> list[StarBlock]:
    """Each applied star with its indicators, values, reasons, evidence and flags."""
    word = _worder(ruleset)
    result = snapshot.result or {}
    names = {i.code: i.name for i in ruleset.indicators.all()} if ruleset else {}
    flags = application.flags or {}
    responses = snapshot.responses or {}
    entries = defaultdict(list)
    for entry in snapshot.entries:
        entries[entry["indicator"]].append(entry)
    evidence = defaultdict(list)
    for item in snapshot.evidence:
        evidence[item["indicator"]].append(item)
    by_star = defaultdict(list)
    for code, ind in (result.get("indicators") or {}).items():
        by_star[ind.get("star")].append(IndicatorRow(
            code=code, name=names.get(code, code), role=ind.get("role", ""),
            value=ind.get("value"), met=ind.get("met"), points=ind.get("points", 0),
            max_points=ind.get("max_points", 0),
            reasons=[word(r) for r in ind.get("reasons", [])], entries=entries[code],
            evidence=evidence[code], flag=flags.get("indicators", {}).get(code, ""),
            response=responses.get(f"indicator:{code}", "")))
    out = []
    for code in STAR_ORDER:
        star = (result.get("stars") or {}).get(code, {})
        applied = code in application.stars
        if not applied and not star:
            continue
        out.append(StarBlock(
            code=code, label=str(StarCode(code).label), applied=applied,
            earned=bool(star.get("earned")), score=star.get("score", 0),
            pass_mark=star.get("pass_mark", 0), max_points=star.get("max_points", 0),
            reasons=[word(r) for r in star.get("reasons", [])],
            justification=application.justifications.get(code, ""),
            flag=flags.get("stars", {}).get(code, ""),
            response=responses.get(f"star:{code}", ""),
            decision=(application.star_decisions or {}).get(code, ""),
            indicators=by_star.get(code, [])))
    return [b for b in out if b.applied]
