"""The bulk upsert of Assessment rows.

A province recompute writes ~90,000 rows. On PostgreSQL they are loaded with COPY into
a temporary table and upserted from there; results arrive as JSON text already
(scoring/resultjson.py).
"""

from __future__ import annotations

import io
from datetime import date
from typing import NamedTuple

import orjson
from django.db import connection, transaction

from scoring import engine
from scoring.models import Assessment


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


def derived_data_commit() -> None:
    """Let the current transaction commit without waiting for its WAL to reach disk.

    For rows that are recomputed from the entries (assessments, statuses): a crash in the
    fraction of a second after the commit loses at most a batch that the next recompute
    writes again; the entries themselves are committed normally.
    """
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def upsert(rows: list[Row]) -> None:
    """Insert or replace the rows (one per village, month and kind)."""
    if not rows:
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _copy_upsert(rows)
        else:
            _orm_upsert(rows)


_UPDATED = ["ruleset", "level", "stars", "scores", "result", "computed_at"]


def _orm_upsert(rows: list[Row]) -> None:
    Assessment.objects.bulk_create(
        [Assessment(village_id=r.village_id, month=r.month, kind=r.kind,
                    ruleset_id=r.ruleset_id, level=r.level, stars=r.stars, scores=r.scores,
                    result=orjson.loads(r.result)) for r in rows],
        batch_size=1000, update_conflicts=True, unique_fields=["village", "month", "kind"],
        update_fields=_UPDATED)


# PostgreSQL: COPY (text format) into a session-local table, then one upsert. Checking
# and compressing the JSON is most of the database's work; results are compressed with lz4
# where the server has it (pglz took twice as long). (Copying an equal preview from its
# official row inside PostgreSQL was tried: on tables analysed while empty the planner
# joined by scanning the growing assessments for every batch.)
_LOAD_TABLE = """
CREATE TEMPORARY TABLE IF NOT EXISTS assessment_load (
    village_id integer, month date, kind varchar(10), ruleset_id integer, level smallint,
    stars varchar(60), scores jsonb, result json {compression})"""
_UPSERT = """
INSERT INTO scoring_assessment
    (village_id, month, kind, ruleset_id, level, stars, scores, result, computed_at)
SELECT village_id, month, kind, ruleset_id, level, stars, scores, result, now()
FROM assessment_load
ON CONFLICT (village_id, month, kind) DO UPDATE SET
    ruleset_id = EXCLUDED.ruleset_id, level = EXCLUDED.level, stars = EXCLUDED.stars,
    scores = EXCLUDED.scores, result = EXCLUDED.result, computed_at = EXCLUDED.computed_at"""


def _copy_text(data: bytes) -> bytes:
    # orjson escapes control characters, so only the backslash needs escaping for COPY.
    return data.replace(b"\\", b"\\\\")


def _copy_upsert(rows: list[Row]) -> None:
    buffer = io.BytesIO()
    write = buffer.write
    for r in rows:
        write(b"%d\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n" % (
            r.village_id, r.month.isoformat().encode(), r.kind.encode(), r.ruleset_id,
            r.level, r.stars.encode(), _copy_text(orjson.dumps(r.scores)),
            _copy_text(r.result)))
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.execute(_LOAD_TABLE.format(
            compression="COMPRESSION lz4" if has_lz4(cursor) else ""))
        # Emptied first: the table lives as long as the connection, and inside an outer
        # transaction (a savepoint) the previous batch's rows would still be there.
        cursor.execute("TRUNCATE assessment_load")
        cursor.cursor.copy_expert("COPY assessment_load FROM STDIN", buffer)
        cursor.execute(_UPSERT)


_LZ4: dict[str, bool] = {}


def has_lz4(cursor) -> bool:
    """Whether the server can compress with lz4 (PostgreSQL 14+ built with it)."""
    alias = connection.alias
    if alias not in _LZ4:
        cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                       "WHERE name = 'default_toast_compression'")
        found = cursor.fetchone()
        _LZ4[alias] = bool(found and found[0])
    return _LZ4[alias]


def _copy_value(value) -> bytes:
    if value is None:
        return b"\\N"
    if isinstance(value, (dict, list)):
        return _copy_text(orjson.dumps(value))
    if isinstance(value, bool):
        return b"t" if value else b"f"
    if isinstance(value, (int, date)):
        return str(value).encode()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace(
        "\n", "\\n").replace("\r", "\\r").encode()


def copy_upsert(model, fields: list[str], rows: list[tuple], unique: list[str]) -> None:
    """Insert or update rows of `model` (tuples of `fields`' values, attnames) through
    COPY into a temporary table: for PostgreSQL and thousands of rows at a time, where
    the ORM's bulk upsert spent more time building its statement than the database did
    running it. Other fields take their database defaults on insert."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [model._meta.get_field(name).column for name in fields]
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    keys = {model._meta.get_field(name).column for name in unique}
    updates = ", ".join(f"{connection.ops.quote_name(c)} = EXCLUDED.{connection.ops.quote_name(c)}"
                        for c in columns if c not in keys)
    conflict = ", ".join(connection.ops.quote_name(c) for c in columns if c in keys)
    load = connection.ops.quote_name(f"{model._meta.db_table}_load")
    buffer = io.BytesIO(b"".join(b"\t".join(map(_copy_value, row)) + b"\n" for row in rows))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {load} AS "
                       f"SELECT {names} FROM {table} WITH NO DATA")
        cursor.execute(f"TRUNCATE {load}")
        cursor.cursor.copy_expert(f"COPY {load} ({names}) FROM STDIN", buffer)
        cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {load} "
                       f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}")
