"""Writing a RuleSetSpec as canonical YAML (the round trip gives the same file)."""

from __future__ import annotations

import json
from decimal import Decimal

from scoring.engine import (
    STAR_CODES,
    STAR_NAMES,
    IndicatorSpec,
    RuleSetSpec,
    Threshold,
)

from .common import (
    _CODE_RE,
    _YAML_UNSAFE,
    _YAML_WORDS,
    FORMAT_VERSION,
    REFERENCE_HEADER,
)


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


def _threshold(value: Threshold) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return _num(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(_q(v) for v in value) + "]"
    return _q(str(value))


def dump_ruleset(spec: RuleSetSpec) -> str:
    """Canonical YAML: fixed key order, defaults omitted on indicators, generated comments.

    Comments in an imported file are not kept, except the ones this function writes
    (the reference header and one line naming each star before its indicators).
    """
    lines: list[str] = list(REFERENCE_HEADER) if spec.reference else []
    lines += [
        f"format_version: {FORMAT_VERSION}",
        f"name: {_q(spec.name)}",
        f"issuer: {_q(spec.issuer_code)}",
        f"year: {spec.year}",
        f"version: {spec.version}",
        f"reference: {'true' if spec.reference else 'false'}",
        f"branch_rule: {spec.branch_rule}",
        f"risk_margin: {_num(spec.risk_margin)}",
        "level_labels:",
        *(f"  {level}: {_q(spec.level_labels[level])}" for level in sorted(spec.level_labels)),
        "stars:",
    ]
    for code in STAR_CODES:
        if code in spec.stars:
            star = spec.stars[code]
            lines.append(f"  {code}: {{pass_mark: {star.pass_mark}, "
                         f"max_points: {star.max_points}}}")
    lines.append("indicators:")
    previous = None
    for ind in spec.indicators:
        if ind.star != previous:
            lines.append(f"  # {STAR_NAMES.get(ind.star, ind.star)}")
            previous = ind.star
        lines += _dump_indicator(ind)
    return "\n".join(lines) + "\n"


def _dump_indicator(ind: IndicatorSpec) -> list[str]:
    pairs: list[tuple[str, str]] = [
        ("code", _word(ind.code)), ("star", _word(ind.star)), ("name", _q(ind.name))]
    if ind.unit:
        pairs.append(("unit", _q(ind.unit)))
    pairs.append(("kind", ind.kind))
    if ind.choices:
        pairs.append(("choices", _threshold(ind.choices)))
    pairs.append(("role", ind.role))
    if ind.comparison is not None:
        pairs.append(("comparison", _q(ind.comparison)))
    if ind.threshold is not None:
        pairs.append(("threshold", _threshold(ind.threshold)))
    if ind.role == "points" and not ind.steps:
        pairs.append(("points", str(ind.points)))
    lines = [f"    {key}: {value}" for key, value in pairs]
    if ind.steps:
        lines.append("    steps:")
        lines += [f"      - {{threshold: {_num(t)}, points: {p}}}" for t, p in ind.steps]
    tail = [("cadence", ind.cadence), ("combine", ind.combine)]
    if ind.min_photos:
        tail.append(("min_photos", str(ind.min_photos)))
    if ind.min_documents:
        tail.append(("min_documents", str(ind.min_documents)))
    if ind.evidence_max_age_months is not None:
        tail.append(("evidence_max_age_months", str(ind.evidence_max_age_months)))
    if ind.help:
        tail.append(("help", _q(ind.help)))
    lines += [f"    {key}: {value}" for key, value in tail]
    lines[0] = "  - " + lines[0][4:]
    return lines
