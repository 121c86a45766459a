"""The one rule-set file writer (the round trip gives the same file).

Both a parsed spec (export) and unsaved rows (the admin's validation, rulesets.py) are
first turned into a *document* — plain dicts and lists in file order — and written by
:func:`write_document`, so both decide the same way what to omit. Each written line
carries its origin (the star or indicator row, and the field) so a problem found when
the text is parsed again can be put back on the row and field it came from.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal

from scoring.engine import (
    STAR_CODES,
    STAR_NAMES,
    IndicatorSpec,
    RuleSetSpec,
)

from .common import (
    _CODE_RE,
    _YAML_UNSAFE,
    _YAML_WORDS,
    FORMAT_VERSION,
    REFERENCE_HEADER,
)

Target = tuple[str, int | None]  # ("ruleset", None) | ("star", i) | ("indicator", i)
Line = tuple[str, Target, str | None]  # text, origin row, origin field
_TOP: Target = ("ruleset", None)
_WORD_KEYS = frozenset({"code", "star", "kind", "role", "cadence", "combine", "fact", "of",
                        "requires",
                        "level_rule"})


def _q(text: str) -> str:
    # JSON strings are valid YAML double-quoted scalars; keep Chinese readable, but escape
    # what YAML refuses or reads as a line break (C1 controls, NEL, U+2028/2029, BOM).
    quoted = json.dumps(text, ensure_ascii=False)
    return _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def _word(text: str) -> str:
    """A code or enum value: plain when it is safe, quoted otherwise."""
    if _CODE_RE.match(text) and text not in _YAML_WORDS:
        return text
    return _q(text)


def _num(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text == "-0" else text


def render(value: object, word: bool = False) -> str:
    """Any document value as YAML flow text (rows may hold values of the wrong type)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return _num(value)
    if isinstance(value, float):
        return _num(Decimal(str(value))) if value == value and abs(value) != float("inf") \
            else _q(str(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _word(value) if word else _q(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(render(v, word) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(k)}: {render(v, str(k) in _WORD_KEYS)}"
                               for k, v in value.items()) + "}"
    return _q(str(value))


def _key(key: object) -> str:
    text = str(key)
    return text if isinstance(key, int) or _CODE_RE.match(text) else _q(text)


# --------------------------------------------------------------------- documents


def spec_document(spec: RuleSetSpec) -> dict:
    """A parsed rule set as a document."""
    doc: dict = {
        "format_version": spec.format_version, "name": spec.name,
        "issuer": spec.issuer_code, "year": spec.year, "version": spec.version,
        "reference": spec.reference, "branch_rule": spec.branch_rule,
        "risk_margin": spec.risk_margin, "level_labels": dict(spec.level_labels),
        "stars": [{"star": s.code, "pass_mark": s.pass_mark, "max_points": s.max_points,
                   "bonus_cap": s.bonus_cap, "floor": s.floor}
                  for code in STAR_CODES if (s := spec.stars.get(code)) is not None],
        "indicators": [indicator_document(ind) for ind in spec.indicators],
    }
    if spec.format_version >= 2:
        doc["groups"] = [{"code": g.code, "star": g.star, "name": g.name,
                          "at_least": g.at_least, "of": list(g.members)}
                         for g in spec.groups]
        doc["level_rule"] = spec.level_rule
        doc["bands"] = [{"level": b.level, "min_score": b.min_score,
                         "requires": list(b.requires)} for b in spec.bands]
        doc["history"] = [{"level": h.level, "min_level": h.min_level, "years": h.years}
                          for h in spec.history_rules]
        doc["quotas"] = dict(spec.quotas)
    return doc


def indicator_document(ind: IndicatorSpec) -> dict:
    return {
        "code": ind.code, "star": ind.star, "name": ind.name, "unit": ind.unit,
        "kind": ind.kind, "choices": list(ind.choices), "role": ind.role,
        "formula": ind.formula, "comparison": ind.comparison, "threshold": ind.threshold,
        "threshold_for": [_case_document(c) for c in ind.threshold_for],
        "points": ind.points, "choice_points": dict(ind.choice_points),
        "max_deduction": ind.max_deduction, "steps": [list(s) for s in ind.steps],
        "cadence": ind.cadence, "combine": ind.combine, "min_photos": ind.min_photos,
        "min_documents": ind.min_documents,
        "evidence_max_age_months": ind.evidence_max_age_months, "help": ind.help,
    }


def _case_document(case) -> dict:
    doc: dict = {}
    if case.categories:
        doc["category"] = (case.categories[0] if len(case.categories) == 1
                           else list(case.categories))
    if case.fact is not None:
        doc["fact"], doc["at_least"] = case.fact, case.at_least
    doc["threshold"] = case.threshold
    return doc


# ----------------------------------------------------------------------- writing


def dump_ruleset(spec: RuleSetSpec) -> str:
    """Canonical YAML: fixed key order, defaults omitted on indicators, generated comments.

    Comments in an imported file are not kept, except the ones this function writes
    (the reference header and one line naming each star before its indicators).
    """
    lines = list(REFERENCE_HEADER) if spec.reference else []
    lines += [text for text, _target, _field in write_document(spec_document(spec))]
    return "\n".join(lines) + "\n"


def write_document(doc: Mapping) -> list[Line]:
    out: list[Line] = []

    def top(key: str, text: str) -> None:
        out.append((f"{key}: {text}", _TOP, key))

    top("format_version", render(doc.get("format_version") or FORMAT_VERSION))
    for key in ("name", "issuer", "year", "version", "reference"):
        top(key, render(doc.get(key)))
    top("branch_rule", render(doc.get("branch_rule"), word=True))
    top("risk_margin", render(doc.get("risk_margin")))
    labels = doc.get("level_labels")
    if isinstance(labels, Mapping):
        out.append(("level_labels:", _TOP, "level_labels"))
        out += [(f"  {_key(_level(k))}: {render(v)}", _TOP, "level_labels")
                for k, v in sorted(labels.items(), key=lambda kv: str(kv[0]))]
    elif labels:
        top("level_labels", render(labels if not isinstance(labels, Mapping) else
                                   {_level(k): v for k, v in labels.items()}))
    out.append(("stars:", _TOP, None))
    for i, star in enumerate(doc.get("stars") or []):
        fields = {"pass_mark": star.get("pass_mark"), "max_points": star.get("max_points")}
        if star.get("bonus_cap") is not None:
            fields["bonus_cap"] = star["bonus_cap"]
        if star.get("floor"):
            fields["floor"] = star["floor"]
        out.append((f"  {render(star.get('star'), word=True)}: {render(fields)}",
                    ("star", i), None))
    out.append(("indicators:", _TOP, None))
    previous = None
    for i, ind in enumerate(doc.get("indicators") or []):
        if ind.get("star") != previous:
            out.append((f"  # {STAR_NAMES.get(ind.get('star'), ind.get('star'))}", _TOP, None))
            previous = ind.get("star")
        out += [(text, ("indicator", i), key) for text, key in _indicator_lines(ind)]
    out += _v2_lines(doc)
    return out


def _level(key: object) -> object:
    return int(key) if isinstance(key, str) and key.isdigit() else key


def _indicator_lines(ind: Mapping) -> list[tuple[str, str]]:
    """An indicator's lines and the field of each; the defaults are left out."""
    role, steps = ind.get("role"), ind.get("steps") or []
    derived = bool(ind.get("formula"))
    pairs: list[tuple[str, str]] = [("code", render(ind.get("code") or "", True)),
                                    ("star", render(ind.get("star") or "", True)),
                                    ("name", render(ind.get("name") or ""))]
    if ind.get("unit"):
        pairs.append(("unit", render(ind["unit"])))
    pairs.append(("kind", render(ind.get("kind"), True)))
    if ind.get("choices"):
        pairs.append(("choices", render(ind["choices"])))
    pairs.append(("role", render(role, True)))
    if derived:
        pairs.append(("formula", render(ind["formula"])))
    threshold = ind.get("threshold")
    # An info row may keep a comparison with no threshold (a form default): leave it out.
    if ind.get("comparison") and (threshold is not None or steps or role != "info"):
        pairs.append(("comparison", render(ind["comparison"])))
    if threshold is not None:
        pairs.append(("threshold", render(threshold)))
    if ind.get("points") or (role in ("points", "bonus") and not steps
                             and not ind.get("choice_points")):
        pairs.append(("points", render(ind.get("points") or 0)))
    if ind.get("choice_points"):
        pairs.append(("choice_points", render(ind["choice_points"])))
    if ind.get("max_deduction") is not None:
        pairs.append(("max_deduction", render(ind["max_deduction"])))
    lines = [(f"    {key}: {value}", key) for key, value in pairs]
    for key, items in (("threshold_for", ind.get("threshold_for")), ("steps", steps)):
        if items:
            lines.append((f"    {key}:", key))
            lines += [(f"      - {render(_step(item) if key == 'steps' else item)}", key)
                      for item in items]
    tail = [] if derived else [("cadence", render(ind.get("cadence"), True)),
                               ("combine", render(ind.get("combine"), True))]
    for key in ("min_photos", "min_documents"):
        if ind.get(key):
            tail.append((key, render(ind[key])))
    if ind.get("evidence_max_age_months") is not None:
        tail.append(("evidence_max_age_months", render(ind["evidence_max_age_months"])))
    if ind.get("help"):
        tail.append(("help", render(ind["help"])))
    lines += [(f"    {key}: {value}", key) for key, value in tail]
    lines[0] = ("  - " + lines[0][0][4:], lines[0][1])
    return lines


def _step(item: object) -> object:
    if isinstance(item, list | tuple) and len(item) == 2:
        return {"threshold": item[0], "points": item[1]}
    return item


def _v2_lines(doc: Mapping) -> list[Line]:
    out: list[Line] = []
    for key in ("groups", "bands", "history"):
        items = doc.get(key) or []
        if key == "bands" and items:
            out.append((f"level_rule: {render(doc.get('level_rule'), True)}", _TOP,
                        "level_rule"))
        if items:
            out.append((f"{key}:", _TOP, key))
            out += [(f"  - {render(_compact(item))}", _TOP, key) for item in items]
    if doc.get("quotas"):
        quotas = dict(sorted(((_level(k), v) for k, v in doc["quotas"].items()),
                             key=lambda kv: str(kv[0]), reverse=True))
        out.append((f"quotas: {render(quotas)}", _TOP, "quotas"))
    return out


def _compact(item: Mapping) -> dict:
    """Leave out a band's empty `requires` and a history rule's default `years: 1`."""
    return {k: v for k, v in item.items()
            if not (k == "requires" and not v) and not (k == "years" and v == 1)}
