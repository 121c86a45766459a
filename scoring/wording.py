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
from django.utils.translation import gettext_lazy, ngettext, pgettext

from scoring import engine
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
        return kind

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
PROBLEM_MESSAGES = {
    "not_yaml": gettext_lazy("The file is not valid YAML: %(error)s"),
    "not_mapping": gettext_lazy("%(where)s must be a mapping of “field: value”"),
    "not_list": gettext_lazy("%(where)s must be a list"),
    "empty": gettext_lazy("The file is empty"),
    "unknown_key": gettext_lazy("Unknown field “%(key)s”"),
    "duplicate_key": gettext_lazy("Field “%(key)s” appears twice"),
    "missing_key": gettext_lazy("Required field “%(key)s” is missing"),
    "not_string": gettext_lazy("“%(key)s” must be text"),
    "not_integer": gettext_lazy("“%(key)s” must be a whole number"),
    "not_number": gettext_lazy("“%(key)s” must be a number"),
    "not_bool": gettext_lazy("“%(key)s” must be true or false"),
    "out_of_range": gettext_lazy("“%(key)s” must be between %(low)s and %(high)s"),
    "bad_format_version": gettext_lazy(
        "Unsupported format version %(value)s; expected %(expected)s"),
    "bad_issuer": gettext_lazy("The issuer must be a division code of 2, 4, 6, 9 or 12 digits"),
    "unknown_branch_rule": gettext_lazy(
        "Unknown branch-star rule “%(value)s”; allowed: %(allowed)s"),
    "unknown_star": gettext_lazy("Unknown star “%(value)s”; allowed: %(allowed)s"),
    "missing_star": gettext_lazy("Settings for “%(star)s” are missing"),
    "bad_level_labels": gettext_lazy("Level labels must cover the six levels 0 to 5"),
    "pass_mark_too_high": gettext_lazy(
        "Pass mark %(pass_mark)s is higher than the maximum points %(max_points)s"),
    "star_without_indicators": gettext_lazy("“%(star)s” has no indicators"),
    "points_total_mismatch": gettext_lazy(
        "The points of “%(star)s” add up to %(total)s, not the maximum %(max_points)s"),
    "bad_code": gettext_lazy(
        "Indicator code “%(value)s” must start with a lower-case letter and use only "
        "letters, digits and underscores"),
    "duplicate_code": gettext_lazy(
        "Indicator code “%(value)s” is used twice (first on line %(first)s)"),
    "unknown_kind": gettext_lazy("Unknown value kind “%(value)s”; allowed: %(allowed)s"),
    "unknown_role": gettext_lazy("Unknown role “%(value)s”; allowed: %(allowed)s"),
    "unknown_comparison": gettext_lazy(
        "Unknown comparison “%(value)s”; allowed: %(allowed)s"),
    "unknown_cadence": gettext_lazy("Unknown cadence “%(value)s”; allowed: %(allowed)s"),
    "unknown_combine": gettext_lazy(
        "Unknown way of combining “%(value)s”; allowed: %(allowed)s"),
    "comparison_kind": gettext_lazy("Comparison “%(value)s” does not fit a %(kind)s value"),
    "needs_threshold": gettext_lazy("A %(role)s indicator needs a comparison and a threshold"),
    "threshold_not_bool": gettext_lazy("The threshold of a yes/no indicator must be true or "
                                       "false"),
    "threshold_not_number": gettext_lazy("The threshold must be a number"),
    "threshold_percent": gettext_lazy("A percent threshold must be between 0 and 100"),
    "threshold_count": gettext_lazy("A count threshold must be a whole number of at least 0"),
    "threshold_not_choice": gettext_lazy("The threshold “%(value)s” is not one of the choices"),
    "threshold_not_list": gettext_lazy("The threshold of an “in” comparison must be a list "
                                       "of choices"),
    "choices_required": gettext_lazy("A choice indicator must list its choices"),
    "choices_forbidden": gettext_lazy("Only a choice indicator may list choices"),
    "choices_duplicate": gettext_lazy("The choice “%(value)s” appears twice"),
    "veto_with_points": gettext_lazy("A veto item cannot carry points"),
    "points_forbidden": gettext_lazy("A %(role)s indicator cannot carry points or steps"),
    "points_required": gettext_lazy("A points indicator needs points or steps"),
    "points_and_steps": gettext_lazy("Give either points or steps, not both"),
    "steps_and_threshold": gettext_lazy("With steps, leave out the threshold"),
    "steps_kind": gettext_lazy("Only numeric indicators can have stepped points"),
    "steps_order": gettext_lazy(
        "Steps must run from easiest to hardest, thresholds and points rising"),
    "steps_every_month": gettext_lazy("every_month cannot be combined with steps"),
    "points_positive": gettext_lazy("Points must be a positive whole number"),
    "combine_kind": gettext_lazy("Combining by “%(value)s” fits numeric indicators only"),
    "veto_every_month": gettext_lazy("A veto item cannot be combined by every_month"),
    "info_partial": gettext_lazy(
        "An information indicator gives both a comparison and a threshold, or neither"),
}


def problem_message(problem: Problem) -> str:
    """A rule-set file problem in the active language (the parser's text as a fallback)."""
    template = PROBLEM_MESSAGES.get(problem.code)
    if template is None:
        return problem.message
    try:
        return str(template) % problem.params
    except (KeyError, TypeError, ValueError):
        return problem.message


def problem_line(problem: Problem) -> str:
    """"第 12 行：指标代码“x”重复（首次出现在第 9 行）"."""
    return _("Line %(line)d: %(message)s") % {"line": problem.line,
                                              "message": problem_message(problem)}
