"""A frozen snapshot as rows for the review page: per star, per indicator, side by side.

Values, thresholds and the engine's reasons are worded by scoring/wording.py, the one
home of how they read; this module only arranges them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from scoring.models import RuleSet
from scoring.progress.models import Evidence
from scoring.reviews.models import ObjectionStatus
from scoring.services import spec_of
from scoring.stars import STAR_ORDER, StarCode
from scoring.wording import Wording, star_name


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
    value_text: str = "—"
    veto_line: str = ""
    requirement: str = ""


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
    """Without a rule set there are no indicator names: the reason's kind, worded."""
    kinds = {"not_reported": _("not reported"), "not_met": _("requirement not met"),
             "gate_failed": _("required indicator not met"),
             "veto_hit": _("veto event"), "evidence_missing": _("evidence missing")}
    return str(kinds.get(reason.get("kind"), _("requirement not met")))


def _wording(ruleset: RuleSet | None) -> Wording | None:
    return Wording(spec_of(ruleset)) if ruleset is not None else None


def _with_capture(items: list[dict]) -> list[dict]:
    """Snapshot evidence with the capture time and place of the stored files (one query):
    the viewer shows them; files removed since keep only their name."""
    found = {e.pk: e for e in Evidence.objects.filter(pk__in=[i["id"] for i in items])
             .only("pk", "taken_at", "latitude", "longitude")}
    out = []
    for item in items:
        live = found.get(item["id"])
        out.append({**item, "taken_at": live.taken_at if live else None,
                    "latitude": live.latitude if live else None,
                    "longitude": live.longitude if live else None,
                    "available": live is not None})
    return out


def _requirement(wording: Wording | None, code: str, role: str | None) -> str:
    """The indicator's threshold with its sign ("≥ 60%"), as every page words it."""
    spec = wording.indicators.get(code) if wording else None
    if spec is None or role in ("veto", "info") or spec.threshold is None:
        return ""
    return wording.threshold(code, spec.comparison, spec.threshold)


def blocks(application, snapshot, ruleset: RuleSet | None) -> list[StarBlock]:
    """Each applied star with its indicators, values, reasons, evidence and flags."""
    wording = _wording(ruleset)
    word = wording.reason if wording else _fallback_reason
    result = snapshot.result or {}
    names = {i.code: i.name for i in ruleset.indicators.all()} if ruleset else {}
    flags = application.flags or {}
    responses = snapshot.responses or {}
    entries = defaultdict(list)
    for entry in snapshot.entries:
        entries[entry["indicator"]].append(
            {**entry, "text": wording.display(entry["indicator"], entry.get("value"))
             if wording else entry.get("value")})
    evidence = defaultdict(list)
    for item in _with_capture(snapshot.evidence):
        evidence[item["indicator"]].append(item)
    by_star = defaultdict(list)
    for code, ind in (result.get("indicators") or {}).items():
        value = ind.get("value")
        by_star[ind.get("star")].append(IndicatorRow(
            code=code, name=names.get(code, code), role=ind.get("role", ""),
            value=value, met=ind.get("met"), points=ind.get("points", 0),
            max_points=ind.get("max_points", 0),
            reasons=[word(r) for r in ind.get("reasons", [])], entries=entries[code],
            evidence=evidence[code], flag=flags.get("indicators", {}).get(code, ""),
            response=responses.get(f"indicator:{code}", ""),
            value_text=wording.display(code, value) if wording else "—",
            veto_line=wording.veto_line(code, value, ind.get("veto_hit"))
            if wording and ind.get("role") == "veto" else "",
            requirement=_requirement(wording, code, ind.get("role"))))
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
            decision=(application.star_decisions or {}).get(code, "")
            or (application.approval_reasons or {}).get(code, ""),
            indicators=by_star.get(code, [])))
    return [b for b in out if b.applied]


AWARD_ACTIONS = {"awarded": gettext_lazy("%(star)s awarded"),
                 "revoked": gettext_lazy("%(star)s revoked"),
                 "reinstated": gettext_lazy("%(star)s reinstated")}


def log_lines(entry, names: dict[str, str]) -> list[str]:
    """What a history entry's details say, with star and indicator names, never codes."""
    details = entry.details or {}
    flags = details.get("flags") or {}
    lines = [_("%(star)s: %(text)s") % {"star": star_name(c), "text": t}
             for c, t in (flags.get("stars") or {}).items()]
    lines += [_("%(star)s: %(text)s") % {"star": names.get(c, c), "text": t}
              for c, t in (flags.get("indicators") or {}).items()]
    if details.get("approved") is not None and entry.action == "approve":
        lines.append(_("Approved: %(stars)s") % {
            "stars": "、".join(star_name(c) for c in details["approved"])})
        lines += [_("%(star)s approved although not met: %(text)s") % {
            "star": star_name(c), "text": t} for c, t in (details.get("overrides") or {}).items()]
        lines += [_("%(star)s not approved: %(text)s") % {"star": star_name(c), "text": t}
                  for c, t in (details.get("refused") or {}).items()]
    if entry.action in AWARD_ACTIONS and details.get("star"):
        lines.append(AWARD_ACTIONS[entry.action] % {"star": star_name(details["star"])})
    if entry.action == "resolve_objection" and details.get("status") in ObjectionStatus.values:
        lines.append(str(ObjectionStatus(details["status"]).label))
    for key, text in (details.get("responses") or {}).items():
        kind, _sep, code = key.partition(":")
        label = star_name(code) if kind == "star" else names.get(code, code)
        lines.append(_("%(star)s: %(text)s") % {"star": label, "text": text})
    return lines
