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


def result_bytes(result: engine.VillageResult) -> bytes:
    """The stored JSON of a result: everything the pages word, with a slim trace.

    The stored trace names the rule set and its version, the month and the entry codes
    that matched no indicator. The inputs are in the result already: each indicator's
    value (combined over the cycle) and evidence ids. The per-month entries stay in the
    database (a review snapshot freezes them); repeating them here was a fifth of the
    serialisation time of a county.
    """
    trace = result.trace
    return dumps({
        "level": result.level, "level_label": result.level_label, "stars": result.stars,
        "indicators": result.indicators, "gaps": result.gaps, "at_risk": result.at_risk,
        "not_reported": result.not_reported, "total_score": result.total_score,
        "level_reasons": result.level_reasons,
        "trace": {"ruleset_id": trace.ruleset_id, "ruleset_version": trace.ruleset_version,
                  "month": trace.month, "ignored": trace.ignored},
    })
