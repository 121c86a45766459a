"""Engine results as JSON: what Assessment.result stores, and reading it back whole.

A province recompute stores ~90,000 results, and PostgreSQL's work is mostly parsing
their JSON into jsonb, so the stored form is lean: serialised by orjson straight from
the engine's dataclasses, with members that are null, [] or {} left out and a slim
trace. `expand` puts the left-out members back, so readers see every field.
"""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal

import orjson

from scoring import engine

# Combines whose result is not simply the latest value: their per-month inputs are kept
# in the stored trace so that a printout can show how the value was reached.
_TRACED_COMBINES = frozenset({"sum", "avg", "min", "max", "every_month"})
_DECIMAL_TEXT: dict[Decimal, str] = {}


def _default(value):
    """orjson hook for what it does not know: Decimals as strings, "100" never "1E+2".

    A result holds ~100 Decimals, mostly the same thresholds, values and shortfalls over
    and over, so their text is remembered (equal Decimals have the same text).
    """
    if type(value) is Decimal:
        text = _DECIMAL_TEXT.get(value)
        if text is None:
            text = (str(int(value)) if value == value.to_integral_value()
                    else str(value.normalize()))
            if len(_DECIMAL_TEXT) < 50_000 and value.is_finite():
                _DECIMAL_TEXT[value] = text
        return text
    raise TypeError(type(value).__name__)


def dumps(value) -> bytes:
    """JSON of engine values: dataclasses as objects, tuples as lists, dates as ISO."""
    return orjson.dumps(value, default=_default)


def jsonable(value):
    """Engine values as plain JSON data, every member present (snapshots, live pages)."""
    return orjson.loads(dumps(value))


# An empty member: `"key":null`, `"key":[]` or `"key":{}`. A quote inside a JSON string is
# always escaped, so `,"` or `{"` followed by a bare key can only be structure.
_EMPTY_AFTER_COMMA = re.compile(rb',"[a-z_]+":(?:null|\[\]|\{\})(?=[,}])')
_EMPTY_FIRST = re.compile(rb'(?<=\{)"[a-z_]+":(?:null|\[\]|\{\})(?:,|(?=\}))')


def compact(data: bytes) -> bytes:
    """Leave out the empty members of compact JSON (orjson's output)."""
    return _EMPTY_FIRST.sub(b"", _EMPTY_AFTER_COMMA.sub(b"", data))


def result_bytes(result: engine.VillageResult, combines: dict[str, str]) -> bytes:
    """The stored JSON of a result: everything the pages word, with a slim trace.

    The trace names the rule set, month, evidence and ignored codes; per-month inputs are
    kept only for indicators that combine several months (`combines`: code -> combine),
    as [month number, value] pairs. For a `latest` indicator the indicator's value is
    the input, and the entries themselves stay in the database.
    """
    trace = result.trace
    inputs = {code: [(e.month.month, e.value) for e in items]
              for code, items in trace.inputs.items() if combines.get(code) in _TRACED_COMBINES}
    return compact(dumps({
        "level": result.level, "level_label": result.level_label, "stars": result.stars,
        "indicators": result.indicators, "gaps": result.gaps, "at_risk": result.at_risk,
        "not_reported": result.not_reported,
        "trace": {"ruleset_id": trace.ruleset_id, "ruleset_version": trace.ruleset_version,
                  "month": trace.month, "inputs": inputs,
                  "evidence_ids": trace.evidence_ids, "ignored": trace.ignored},
    }))


def combines_of(spec: engine.RuleSetSpec) -> dict[str, str]:
    return {ind.code: ind.combine for ind in spec.indicators}


# ------------------------------------------------------------------------ reading back


def _template(cls) -> dict:
    """Each field's empty JSON value: None where the field may be None, else [] for
    tuples and {} for dicts (what `compact` leaves out)."""
    def empty(annotation: str):
        if "None" in annotation or annotation in ("Value", "Threshold", "object"):
            return None
        if annotation.startswith("tuple"):
            return []
        return {} if annotation.startswith("dict") else None
    return {f.name: empty(str(f.type)) for f in dataclasses.fields(cls)}


_RESULT = {**_template(engine.VillageResult), "trace": {}}
_TRACE = {"ruleset_id": None, "ruleset_version": 1, "month": None, "inputs": {},
          "evidence_ids": {}, "ignored": []}
_STAR, _INDICATOR, _REASON = (_template(engine.StarResult), _template(engine.IndicatorResult),
                              _template(engine.Reason))
_GAP, _CHANGE, _RISK = (_template(engine.StarGap), _template(engine.Change),
                        _template(engine.RiskItem))


def _with_reasons(template: dict, item: dict) -> dict:
    full = {**template, **item}
    full["reasons"] = [{**_REASON, **r} for r in full["reasons"]]
    return full


def expand(data: dict | None) -> dict | None:
    """A stored result with every member its engine dataclass has (see `compact`)."""
    if not data:
        return data
    full = {**_RESULT, **data}
    full["stars"] = {code: _with_reasons(_STAR, star) for code, star in full["stars"].items()}
    full["indicators"] = {code: _with_reasons(_INDICATOR, item)
                          for code, item in full["indicators"].items()}
    full["gaps"] = [{**_GAP, **gap, "changes": [{**_CHANGE, **c} for c in gap.get("changes", [])]}
                    for gap in full["gaps"]]
    full["at_risk"] = [{**_RISK, **risk} for risk in full["at_risk"]]
    full["trace"] = {**_TRACE, **full["trace"]}
    return full
