"""The village star card: the month's result laid out per star, gaps and risks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from scoring import services
from scoring.engine import STAR_CODES
from scoring.models import Assessment, AssessmentKind, Combine, Indicator, RuleSet
from scoring.wording import Wording, star_name

from .periods import last_months

REASON_LABELS = {
    "not_reported": _("not reported"),
    "not_met": _("below the threshold"),
    "gate_failed": _("required item not met"),
    "veto_hit": _("veto item hit"),
    "evidence_missing": _("evidence missing"),
    "months_missing": _("months not reported"),
    "points_short": _("points short of the pass mark"),
    "needs_other_stars": _("needs the other four stars first"),
    "needs_branch": _("needs the strong branch star first"),
}
EVIDENCE_LABELS = {"photo": _("photo(s)"), "document": _("document(s)")}
RISK_LABELS = {"near_threshold": _("value close to the threshold"),
               "stale_evidence": _("evidence getting too old")}
SYMBOLS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "=", "in": "∈", "!=": "≠",
           "not in": "∉"}


def value_text(value) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return str(_("yes"))
    if value is False:
        return str(_("no"))
    if isinstance(value, list):
        return "、".join(value_text(v) for v in value)
    return _number_text(str(value))


def _number_text(text: str) -> str:
    """Stored Decimals may read '8E+1' or '60000.00': shown as 80 and 60000."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    if not number.is_finite():
        return text
    if number.as_tuple().exponent < -2:  # averages: 72.918181… reads 72.92
        number = number.quantize(Decimal("0.01"))
    plain = format(number, "f")
    return plain.rstrip("0").rstrip(".") if "." in plain else plain


def threshold_text(ind: Indicator | None, comparison=None, needed=None) -> str:
    """'≥ 100000 元': the change's target when given, else the indicator's own rule."""
    if ind is None:
        return ""
    comparison = comparison or ind.comparison
    if needed is None:
        if ind.steps:
            needed = " / ".join(value_text(t) for t, _p in ind.steps)
        else:
            needed = ind.threshold
    if needed is None or not comparison:
        return ""
    unit = f" {ind.unit}" if ind.unit and ind.unit != "%" else (ind.unit or "")
    return f"{SYMBOLS.get(comparison, comparison)} {value_text(needed)}{unit}"


def evidence_text(missing: dict | None) -> str:
    return "、".join(f"{n} {EVIDENCE_LABELS.get(kind, kind)}"
                    for kind, n in (missing or {}).items() if n)


@dataclass
class StarCard:
    village: object
    month: date
    kind: str
    result: dict | None
    indicators: dict[str, Indicator] = field(default_factory=dict)
    trend: list[dict] = field(default_factory=list)
    wording: Wording | None = None
    ruleset: RuleSet | None = None
    # The cycle's entries the result was judged on, by indicator code (what the trace
    # names: the rule set, its version and month; the values are the stored entries).
    inputs: dict[str, list] = field(default_factory=dict)

    @property
    def judged_by(self) -> dict | None:
        """The rule set and version the stored result names in its trace."""
        if not self.result or self.ruleset is None:
            return None
        trace = self.result.get("trace") or {}
        return {"name": self.ruleset.name, "issuer": self.ruleset.issuer.name,
                "year": self.ruleset.year,
                "version": trace.get("ruleset_version", self.ruleset.version)}

    @property
    def level(self) -> int:
        return self.result["level"] if self.result else 0

    @property
    def level_label(self) -> str:
        return self.result["level_label"] if self.result else ""

    def name(self, code: str) -> str:
        ind = self.indicators.get(code)
        return ind.name if ind else code

    def stars(self) -> list[dict]:
        if not self.result:
            return []
        rows = []
        for code in STAR_CODES:
            star = self.result["stars"][code]
            indicators = [self._indicator_row(r) for r in self.result["indicators"].values()
                          if r["star"] == code and r["role"] != "info"]
            # The stored name is the engine's (Chinese); pages name stars in the
            # reader's language from scoring/stars.py.
            rows.append({**star, "name": star_name(code), "indicators": indicators,
                         "reason_labels": [REASON_LABELS.get(r["kind"], r["kind"])
                                           for r in star["reasons"]]})
        return rows

    def _inputs(self, code: str, ind: Indicator | None) -> list[dict]:
        unit = f" {ind.unit}" if ind and ind.unit else ""
        return [{"month": item.month.strftime("%Y-%m"),
                 "value": value_text(item.value) + (unit if item.value is not None else ""),
                 "carried": item.carried, "evidence": len(item.evidence)}
                for item in self.inputs.get(code, [])]

    def _indicator_row(self, res: dict) -> dict:
        ind = self.indicators.get(res["code"])
        return {"code": res["code"], "name": self.name(res["code"]), "role": res["role"],
                "value": value_text(res["value"]) + (f" {ind.unit}" if ind and ind.unit
                                                     and res["reported"] else ""),
                "threshold": threshold_text(ind), "met": res["met"],
                "points": res["points"], "max_points": res["max_points"],
                "evidence_missing": evidence_text(res["evidence_missing"]),
                "reasons": sorted({str(REASON_LABELS.get(r["kind"], r["kind"]))
                                   for r in res["reasons"]}),
                "combine": Combine(ind.combine).label if ind and ind.combine else "",
                "inputs": self._inputs(res["code"], ind),
                "evidence_counted": evidence_text({"photo": res.get("evidence_photos", 0),
                                                   "document": res.get("evidence_documents", 0)}),
                "months_missing": [m[:7] for m in res.get("months_missing", [])]}

    def gaps(self) -> list[dict]:
        """Unearned stars, closest first (the engine's order), each change as table cells."""
        if not self.result:
            return []
        sentences = [self.wording.gap_sentences(g) if self.wording else []
                     for g in self.result["gaps"]]
        return [{"star": g["star"], "name": star_name(g["star"]),
                 "sentences": said,
                 "total_changes": g["total_changes"],
                 "points_shortfall": g["points_shortfall"],
                 "requires": [star_name(s) for s in g["requires_stars"]],
                 "changes": [self._change_row(c) for c in g["changes"]]}
                for g, said in zip(self.result["gaps"], sentences, strict=True)]

    def _change_row(self, change: dict) -> dict:
        ind = self.indicators.get(change["indicator"])
        return {"indicator": self.name(change["indicator"]),
                "reason": REASON_LABELS.get(change["reason"], change["reason"]),
                "target": threshold_text(ind, change["comparison"], change["needed"])
                if change["needed"] is not None else "",
                "actual": value_text(change["actual"]),
                "shortfall": value_text(change["shortfall"]) if change["shortfall"] else "",
                "points_gain": change["points_gain"],
                "evidence": evidence_text(change["missing_evidence"]),
                "months": [m[:7] for m in change["months"]]}

    def at_risk(self) -> list[dict]:
        if not self.result:
            return []
        return [{"star": star_name(r["star"]),
                 "sentence": self.wording.risk(r) if self.wording else "",
                 "indicator": self.name(r["indicator"]),
                 "kind": RISK_LABELS.get(r["kind"], r["kind"]),
                 "value": value_text(r["value"]),
                 "threshold": threshold_text(self.indicators.get(r["indicator"]),
                                             r["comparison"], r["threshold"])
                 if r["threshold"] is not None else ""}
                for r in self.result["at_risk"]]

    def chart(self) -> dict:
        return {"months": [row["month"] for row in self.trend],
                "level": [row["level"] for row in self.trend],
                "stars": {code: [row["scores"].get(code) for row in self.trend]
                          for code in STAR_CODES},
                "names": {code: star_name(code) for code in STAR_CODES},
                "level_name": str(_("Level"))}


def star_card(village, month: date, kind: str = AssessmentKind.OFFICIAL) -> StarCard:
    """Stored result of the month, or the live engine result when none is stored yet."""
    stored = (Assessment.objects.filter(village=village, month=month, kind=kind)
              .only("result", "ruleset_id").first())
    if stored is not None:
        result, ruleset_id = stored.result, stored.ruleset_id
    else:
        live = services.evaluate_village(village, month,
                                         official=kind == AssessmentKind.OFFICIAL)
        result = services.jsonable(live) if live is not None else None
        ruleset_id = result["trace"]["ruleset_id"] if result else None
    indicators = ({i.code: i for i in Indicator.objects.filter(ruleset_id=ruleset_id)}
                  if ruleset_id else {})
    ruleset = (RuleSet.objects.select_related("issuer").filter(pk=ruleset_id).first()
               if ruleset_id else None)
    wording = Wording(services.spec_of(ruleset)) if ruleset else None
    inputs = _inputs(village, ruleset, month, kind) if ruleset else {}
    months = last_months(month)
    trend = [{"month": m.strftime("%Y-%m"), "level": level, "scores": scores,
              "score_list": [scores.get(code, "—") for code in STAR_CODES]}
             for m, level, scores in Assessment.objects.filter(
                 village=village, kind=kind, month__in=months).order_by("month")
             .values_list("month", "level", "scores")]
    return StarCard(village, month, kind, result, indicators, trend, wording, ruleset, inputs)


def _inputs(village, ruleset: RuleSet, month: date, kind: str) -> dict[str, list]:
    """The entries the engine combines for this card: verified ones for the official
    result, all but returned ones for the preview (as services.engine_inputs loads them)."""
    official, preview, _differs = services.cycle_inputs([village.pk], ruleset, month)
    grouped = official if kind == AssessmentKind.OFFICIAL else preview
    return grouped.get(village.pk, {})


def month_deadlines(town, month: date) -> list[tuple[str, object]]:
    """When this month's entries lock, and last month's while they are still open."""
    from django.utils import timezone

    from scoring.progress.periods import deadline, deadline_day, previous_month

    day = deadline_day(town)
    rows = [(_("Entries of %(month)s lock") % {"month": month.strftime("%Y-%m")},
             deadline(town, month, day))]
    previous = previous_month(month)
    closes = deadline(town, previous, day)
    if closes > timezone.now():
        rows.insert(0, (_("Entries of %(month)s lock") % {"month": previous.strftime("%Y-%m")},
                        closes))
    return rows
