"""Engine results as stored JSON, and the bulk upsert of Assessment rows.

A province recompute writes ~90,000 rows, so both halves are on the hot path. Results
are serialised by orjson straight from the engine's dataclasses (the generic Python walk
cost more than the engine itself), and on PostgreSQL rows are loaded with COPY into a
temporary table and upserted from there in one statement.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import NamedTuple

import orjson
from django.db import connection, transaction

from scoring import engine
from scoring.models import Assessment

# Combines whose result is not simply the latest value: their per-month inputs are kept
# in the stored trace so that a printout can show how the value was reached.
_TRACED_COMBINES = frozenset({"sum", "avg", "min", "max", "every_month"})


def _default(value):
    """orjson hook for what it does not know: Decimals as strings, "100" never "1E+2"."""
    if type(value) is Decimal:
        if value == value.to_integral_value():
            return str(int(value))
        return str(value.normalize())
    raise TypeError(type(value).__name__)


def dumps(value) -> bytes:
    """JSON of engine values: dataclasses as objects, tuples as lists, dates as ISO."""
    return orjson.dumps(value, default=_default)


def jsonable(value):
    """Engine values as plain JSON data (what Assessment.result and snapshots hold)."""
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


class Row(NamedTuple):
    """One Assessment row to upsert; `result` is its JSON text."""

    village_id: int
    month: date
    kind: str
    ruleset_id: int
    level: int
    stars: str
    scores: dict
    result: bytes


def row(village_id: int, month: date, kind: str, ruleset_id: int,
        result: engine.VillageResult, data: bytes) -> Row:
    return Row(village_id, month, kind, ruleset_id, result.level,
               "+".join(result.earned_stars),
               {code: star.score for code, star in result.stars.items()}, data)


_COLUMNS = ("village_id", "month", "kind", "ruleset_id", "level", "stars", "scores", "result")
_UPDATED = ("ruleset_id", "level", "stars", "scores", "result")


def upsert(rows: list[Row]) -> None:
    """Insert or replace the rows (one per village, month and kind)."""
    if not rows:
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _copy_upsert(rows)
        else:
            _orm_upsert(rows)


def _orm_upsert(rows: Iterable[Row]) -> None:
    Assessment.objects.bulk_create(
        [Assessment(village_id=r.village_id, month=r.month, kind=r.kind,
                    ruleset_id=r.ruleset_id, level=r.level, stars=r.stars, scores=r.scores,
                    result=orjson.loads(r.result)) for r in rows],
        batch_size=1000, update_conflicts=True, unique_fields=["village", "month", "kind"],
        update_fields=[*_UPDATED, "computed_at"])


def _csv_text(data: bytes) -> bytes:
    return b'"' + data.replace(b'"', b'""') + b'"'


def _copy_upsert(rows: list[Row]) -> None:
    table = connection.ops.quote_name(Assessment._meta.db_table)
    columns = [Assessment._meta.get_field(name.removesuffix("_id")).column for name in _COLUMNS]
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    updates = ", ".join(f"{q} = EXCLUDED.{q}" for q in (
        connection.ops.quote_name(Assessment._meta.get_field(n.removesuffix("_id")).column)
        for n in (*_UPDATED, "computed_at")))
    buffer = io.BytesIO()
    write = buffer.write
    for r in rows:
        write(b'%d,%s,%s,%d,%d,"%s",%s,%s\n' % (
            r.village_id, r.month.isoformat().encode(), r.kind.encode(), r.ruleset_id,
            r.level, r.stars.encode(), _csv_text(orjson.dumps(r.scores)),
            _csv_text(r.result)))
    buffer.seek(0)
    with connection.cursor() as cursor:
        # Lives as long as the connection; emptied first, since a batch inside an outer
        # transaction (a savepoint) would otherwise find the previous batch's rows.
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS assessment_load (village_id integer, "
            "month date, kind varchar(10), ruleset_id integer, level smallint, "
            "stars varchar(60), scores jsonb, result jsonb)")
        cursor.execute("TRUNCATE assessment_load")
        cursor.cursor.copy_expert(
            "COPY assessment_load FROM STDIN WITH (FORMAT csv)", buffer)
        computed = connection.ops.quote_name(Assessment._meta.get_field("computed_at").column)
        cursor.execute(
            f"INSERT INTO {table} ({names}, {computed}) "
            f"SELECT {', '.join(_COLUMNS)}, now() FROM assessment_load "
            f"ON CONFLICT (village_id, month, kind) DO UPDATE SET {updates}")
