"""Engine results as plain, translatable sentences for pages, printouts and notifications.

One canonical input: the JSON form of a result (what `services.jsonable` stores in
`Assessment.result`). Live engine dataclasses go through the same adapter (`as_json`), so
every sentence is written once. Indicator names and units come from the rule set's spec
(`services.spec_of`), because results carry only indicator codes.

    w = Wording(services.spec_of(assessment.ruleset))
    w.gap_list(assessment.result)
    # [("产业兴旺星", ["村集体经济收入还需增加 100,000 元；缺少照片 2 张"]), …]
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from scoring import engine, rulefile
from scoring.rulefile import Problem
from scoring.stars import StarCode

Json = dict


def as_json(value) -> Json:
    """A result, reason, change or risk item as its JSON form (dataclasses converted)."""
    if dataclasses.is_dataclass(value):
        from scoring.services import jsonable

        return jsonable(value)
    return value


def star_name(code: str) -> str:
    try:
        return str(StarCode(code).label)
    except ValueError:
        return code


def _stars(codes) -> str:
    return _list([star_name(c) for c in codes])


def _list(items) -> str:
    return pgettext("list separator", ", ").join(str(i) for i in items)


def _decimal(value) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def number(value) -> str:
    """100000 → "100,000"; 93.3333 → "93.33"; trailing zeros dropped."""
    d = _decimal(value)
    if d is None:
        return str(value)
    d = d.quantize(Decimal("0.01")).normalize() if d != d.to_integral() else d.to_integral()
    text = f"{d:,f}"
    return text


COMPARISON_SIGNS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "=", "!=": "≠"}


def _month_list(months) -> str:
    return _list(_("%(month)d月") % {"month": int(str(m)[5:7])} for m in months)


class Wording:
    """Sentences about results judged under one rule set."""

    def __init__(self, spec: engine.RuleSetSpec) -> None:
        self.indicators = {ind.code: ind for ind in spec.indicators}
        self.groups = {g.code: g for g in spec.groups}
        self.level_labels = spec.level_labels

    def fact_name(self, code: str) -> str:
        names = {"population": _("Population"), "households": _("Households"),
                 "poor_households": _("Registered poor households"),
                 "area_km2": _("Area (km²)"), "category": _("Village category")}
        return str(names.get(code, code))

    def level_name(self, level) -> str:
        level = int(level)
        return self.level_labels.get(level, engine.DEFAULT_LEVEL_LABELS.get(level, str(level)))

    # ------------------------------------------------------------------ pieces

    def name(self, code: str | None) -> str:
        ind = self.indicators.get(code or "")
        return ind.name if ind else (code or "")

    def quantity(self, code: str | None, value) -> str:
        """A value as the user entered it: "100,000 元", "85%", "“是”", "县级"."""
        if isinstance(value, bool):
            return _("“yes”") if value else _("“no”")
        if isinstance(value, (list, tuple)):
            return _list(value)
        if _decimal(value) is None:
            return str(value)
        ind = self.indicators.get(code or "")
        unit = ind.unit if ind else ""
        if not unit:
            return number(value)
        return f"{number(value)}{unit}" if unit == "%" else f"{number(value)} {unit}"

    def display(self, code: str | None, value) -> str:
        """A value in a table, as people read it: 是/否, "100,000 元", "85%", "—"."""
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        return self.quantity(code, value)

    def difference(self, code: str | None, amount) -> str:
        """A gap between two values: "100,000 元", or "5 个百分点" for percentages."""
        ind = self.indicators.get(code or "")
        if ind is not None and ind.unit == "%":
            return _("%(amount)s percentage points") % {"amount": number(amount)}
        return self.quantity(code, amount)

    def threshold(self, code: str | None, comparison: str | None, needed) -> str:
        """A threshold with its sign: "≥ 1 起", "< 60%"; yes/no and choices in words."""
        sign = COMPARISON_SIGNS.get(comparison or "==")
        if sign is None or isinstance(needed, bool):  # "为“是”" reads better than "= “是”"
            return self.requirement(code, comparison, needed)
        return f"{sign} {self.quantity(code, needed)}"

    def veto_line(self, code: str | None, value, hit: bool | None) -> str:
        """"刑事案件：0 起（一票否决：≥ 1 起即否决）✔ 未触发"."""
        ind = self.indicators.get(code or "")
        words = {"indicator": self.name(code), "value": self.display(code, value),
                 "threshold": self.threshold(code, ind.comparison if ind else None,
                                             ind.threshold if ind else None)}
        if value is None:
            return _("%(indicator)s: not reported (veto: %(threshold)s means veto)") % words
        if hit:
            return _("%(indicator)s: %(value)s (veto: %(threshold)s means veto) ✘ "
                     "triggered") % words
        return _("%(indicator)s: %(value)s (veto: %(threshold)s means veto) ✔ not "
                 "triggered") % words

    def requirement(self, code: str | None, comparison: str | None, needed) -> str:
        value = self.quantity(code, needed)
        phrases = {
            ">=": _("at least %(value)s"),
            ">": _("more than %(value)s"),
            "<=": _("at most %(value)s"),
            "<": _("less than %(value)s"),
            "==": pgettext("requirement", "equal to %(value)s"),
            "in": _("one of %(value)s"),
            "!=": _("other than %(value)s"),
            "not in": _("none of %(value)s"),
        }
        return phrases.get(comparison or "==", phrases["=="]) % {"value": value}

    def missing_evidence(self, missing: dict | None) -> str:
        parts = []
        if missing and missing.get("photo"):
            n = int(missing["photo"])
            parts.append(ngettext("%(count)d photo", "%(count)d photos", n) % {"count": n})
        if missing and missing.get("document"):
            n = int(missing["document"])
            parts.append(ngettext("%(count)d document", "%(count)d documents", n)
                         % {"count": n})
        return _list(parts)

    def _towards(self, code, comparison, needed, actual, shortfall) -> str:
        """What must change in a value: "needs 100,000 元 more", "must be “yes”"."""
        gap = _decimal(shortfall)
        if gap and comparison in (">=", ">"):
            return _("%(indicator)s needs %(amount)s more") % {
                "indicator": self.name(code), "amount": self.difference(code, gap)}
        if gap and comparison in ("<=", "<"):
            return _("%(indicator)s must come down by %(amount)s") % {
                "indicator": self.name(code), "amount": self.difference(code, gap)}
        return _("%(indicator)s must be %(requirement)s") % {
            "indicator": self.name(code),
            "requirement": self.requirement(code, comparison, needed)}

    def _not_reported(self, code, comparison=None, needed=None) -> str:
        ind = self.indicators.get(code or "")
        if ind is not None and ind.formula:
            # A derived value is never entered: say what it is computed from.
            inputs = _list(self.name(n) if n in self.indicators else self.fact_name(n)
                           for n in ind.inputs)
            return _("%(indicator)s cannot be computed until %(inputs)s are reported") % {
                "indicator": self.name(code), "inputs": inputs}
        if comparison is None:
            return _("%(indicator)s: not reported") % {"indicator": self.name(code)}
        return _("%(indicator)s: not reported (must be %(requirement)s)") % {
            "indicator": self.name(code),
            "requirement": self.requirement(code, comparison, needed)}

    def _months(self, code, months) -> str:
        return _("%(indicator)s: no report for %(months)s") % {
            "indicator": self.name(code), "months": _month_list(months)}

    def _veto(self, code, actual) -> str:
        return _("%(indicator)s: veto hit (%(value)s)") % {
            "indicator": self.name(code), "value": self.quantity(code, actual)}

    def _evidence(self, code, missing) -> str:
        return _("%(indicator)s: %(evidence)s missing") % {
            "indicator": self.name(code), "evidence": self.missing_evidence(missing)}

    # ------------------------------------------------------------- sentences

    def reason(self, reason) -> str:
        """One engine Reason (of an indicator or a star) as a sentence."""
        r = as_json(reason)
        kind, code = r["kind"], r.get("indicator")
        if kind == "not_reported":
            return self._not_reported(code, r.get("comparison"), r.get("needed"))
        if kind == "veto_hit":
            return self._veto(code, r.get("actual"))
        if kind == "evidence_missing":
            return self._evidence(code, r.get("missing"))
        if kind == "months_missing" or (kind == "gate_failed" and r.get("months")):
            return self._months(code, r.get("months") or ())
        if kind == "not_met":
            return _("%(indicator)s is %(value)s, must be %(requirement)s") % {
                "indicator": self.name(code), "value": self.quantity(code, r.get("actual")),
                "requirement": self.requirement(code, r.get("comparison"), r.get("needed"))}
        if kind == "gate_failed":
            return self._towards(code, r.get("comparison"), r.get("needed"), r.get("actual"),
                                 r.get("shortfall"))
        if kind == "points_short":
            return _("score %(score)s, %(short)s points short of the pass mark %(mark)s") % {
                "score": r.get("actual"), "short": r.get("shortfall"), "mark": r.get("needed")}
        if kind == "needs_other_stars":
            return _("counts only when the other four stars are earned; still missing: "
                     "%(stars)s") % {"stars": _stars(r.get("stars") or ())}
        if kind == "needs_branch":
            return _("first earn %(stars)s") % {"stars": _stars(r.get("stars") or ())}
        return self._format2_reason(kind, r)

    def _format2_reason(self, kind: str, r: dict) -> str:
        """Reasons of format 2 rules: groups, score bands and earlier cycles."""
        level = self.level_name((r.get("stars") or ["0"])[0])
        if kind == "group_short":
            group = self.groups.get(r.get("indicator") or "")
            return _("%(group)s: %(needed)s of the %(total)s items must be met; %(met)s "
                     "are") % {"group": group.name if group else r.get("indicator"),
                               "needed": r.get("needed"), "met": r.get("actual"),
                               "total": len(group.members) if group else "?"}
        if kind == "band_short":
            return _("%(level)s needs a total score of %(needed)s; the score is %(score)s, "
                     "%(short)s points short") % {"level": level, "needed": r.get("needed"),
                                                   "score": r.get("actual"),
                                                   "short": r.get("shortfall")}
        if kind == "band_condition":
            return _("%(level)s also needs: %(indicator)s") % {
                "level": level, "indicator": self.name(r.get("indicator"))}
        if kind == "history_short":
            years = int(r.get("shortfall") or 1)
            least = self.level_name(r.get("needed") or 0)
            if years == 1:
                return _("%(level)s needs %(least)s or more in the previous year") % {
                    "level": level, "least": least}
            return _("%(level)s needs %(least)s or more in each of the previous %(years)s "
                     "years") % {"level": level, "least": least, "years": years}
        return kind

    def rule_notes(self, ind: engine.IndicatorSpec) -> list[str]:
        """Format 2 parts of an indicator for the rule-set page, one line each."""
        notes = []
        if ind.formula:
            inputs = _list(self.name(n) if n in self.indicators else self.fact_name(n)
                           for n in ind.inputs)
            notes.append(_("computed from %(inputs)s: %(formula)s") % {
                "inputs": inputs, "formula": ind.formula})
        for case in ind.threshold_for:
            who = _list(case.categories) if case.categories else ""
            if case.fact is not None:
                size = _("%(fact)s of at least %(value)s") % {
                    "fact": self.fact_name(case.fact), "value": number(case.at_least)}
                who = _join([who, size]) if who else size
            notes.append(_("%(villages)s: %(requirement)s") % {
                "villages": who,
                "requirement": self.requirement(ind.code, ind.comparison, case.threshold)})
        notes += [_("%(choice)s: %(points)s points") % {"choice": choice, "points": points}
                  for choice, points in ind.choice_points]
        if ind.role == "deduction":
            notes.append(_("%(points)s points off per occurrence") % {"points": ind.points})
            if ind.max_deduction is not None:
                notes.append(_("at most %(points)s points off") % {"points": ind.max_deduction})
        for group in self.groups.values():
            if ind.code in group.members:
                notes.append(_("counts towards “%(group)s” (%(needed)s of %(total)s)") % {
                    "group": group.name, "needed": group.at_least,
                    "total": len(group.members)})
        return notes

    def level_reasons(self, result) -> list[str]:
        """Why the level is not higher (score bands, earlier cycles), one sentence each."""
        return [self.reason(r) for r in as_json(result).get("level_reasons") or ()]

    def change(self, change) -> str:
        """One engine Change (a step of the gap to a star) as a sentence."""
        c = as_json(change)
        kind, code = c["reason"], c["indicator"]
        if kind == "veto_hit":
            text = self._veto(code, c.get("actual"))
        elif kind == "evidence_missing":
            return self._evidence(code, c.get("missing_evidence"))
        elif c.get("months"):
            text = self._months(code, c["months"])
        elif kind == "not_reported":
            text = self._not_reported(code, c.get("comparison"), c.get("needed"))
        else:
            text = self._towards(code, c.get("comparison"), c.get("needed"), c.get("actual"),
                                 c.get("shortfall"))
        if c.get("missing_evidence"):
            text = _join([text, _("%(evidence)s missing") % {
                "evidence": self.missing_evidence(c["missing_evidence"])}])
        group = self.groups.get(c.get("group") or "")
        if group is not None:
            text = _("%(change)s (counts towards “%(group)s”)") % {"change": text,
                                                                   "group": group.name}
        return text

    def risk(self, item) -> str:
        """One at-risk item: a star resting on a value at its threshold, or old evidence."""
        r = as_json(item)
        code = r["indicator"]
        if r["kind"] == "stale_evidence":
            return _("%(indicator)s: the evidence is older than the rule set allows; add "
                     "recent evidence") % {"indicator": self.name(code)}
        return _("%(indicator)s is %(value)s, just at the requirement (%(requirement)s): a "
                 "small drop loses the star") % {
            "indicator": self.name(code), "value": self.quantity(code, r.get("value")),
            "requirement": self.requirement(code, r.get("comparison"), r.get("threshold"))}

    # ------------------------------------------------------------ whole results

    def star_reasons(self, star) -> list[str]:
        """Why a star is not earned, one sentence per blocking reason."""
        return [self.reason(r) for r in as_json(star)["reasons"]]

    def star_line(self, star_code: str, sentences: list[str]) -> str:
        """"产业兴旺星：村集体经济收入还需增加 100,000 元；缺少照片 2 张"."""
        return _("%(star)s: %(items)s") % {"star": star_name(star_code),
                                            "items": _join(sentences)}

    def gap_sentences(self, gap) -> list[str]:
        g = as_json(gap)
        sentences = [self.change(c) for c in g["changes"]]
        if g.get("requires_stars"):
            sentences.append(_("first earn %(stars)s") % {"stars": _stars(g["requires_stars"])})
        return sentences

    def gap_list(self, result) -> list[tuple[str, list[str]]]:
        """(star name, sentences) for each unearned star, the closest star first."""
        return [(star_name(g["star"]), self.gap_sentences(g)) for g in as_json(result)["gaps"]]

    def at_risk(self, result) -> list[tuple[str, str]]:
        """(star name, sentence) for each earned star's risk."""
        return [(star_name(r["star"]), self.risk(r)) for r in as_json(result)["at_risk"]]

    def not_reported(self, result) -> list[str]:
        return [self.name(code) for code in as_json(result)["not_reported"]]


def _join(sentences) -> str:
    return pgettext("sentence separator", "; ").join(str(s) for s in sentences)


# ------------------------------------------------------------ rule-set file problems

# The rule-set file problems (scoring/rulefile/common.py MESSAGES) in the user's language; the
# parser stays free of Django and keeps its Chinese text for command-line use.
PROBLEM_MESSAGES = rulefile.MESSAGES  # English msgids, translated below


def problem_message(problem: Problem) -> str:
    """A rule-set file problem in the active language (the parser's text as a fallback)."""
    template = PROBLEM_MESSAGES.get(problem.code)
    if template is None:
        return problem.message
    try:
        return _(template) % problem.params
    except (KeyError, TypeError, ValueError):
        return problem.message


def problem_line(problem: Problem) -> str:
    """"第 12 行：指标代码“x”重复（首次出现在第 9 行）"."""
    return _("Line %(line)d: %(message)s") % {"line": problem.line,
                                              "message": problem_message(problem)}
