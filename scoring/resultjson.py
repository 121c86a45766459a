"""Engine results as JSON: what Assessment.result stores.

A province recompute stores ~90,000 results, so they are serialised by orjson straight
from the engine's dataclasses (a generic Python walk cost more than the engine itself),
with a slim trace. (Leaving out null and empty members was tried: it saved a quarter of
the bytes, but with results stored as `json` the saving in PostgreSQL was smaller than
the cost of stripping them.)
"""

from __future__ import annotations

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
    return dumps({
        "level": result.level, "level_label": result.level_label, "stars": result.stars,
        "indicators": result.indicators, "gaps": result.gaps, "at_risk": result.at_risk,
        "not_reported": result.not_reported,
        "trace": {"ruleset_id": trace.ruleset_id, "ruleset_version": trace.ruleset_version,
                  "month": trace.month, "inputs": inputs,
                  "evidence_ids": trace.evidence_ids, "ignored": trace.ignored},
    })


def combines_of(spec: engine.RuleSetSpec) -> dict[str, str]:
    return {ind.code: ind.combine for ind in spec.indicators}
