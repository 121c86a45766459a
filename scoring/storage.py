"""Bulk upserts of rows derived from the entries: assessments and dashboard statuses.

A province recompute writes ~90,000 assessments. On PostgreSQL rows are loaded with COPY
into a temporary table and upserted from there (`copy_upsert`); results arrive as JSON
text already (scoring/resultjson.py).
"""

from __future__ import annotations

import io
from datetime import date
from typing import NamedTuple

import orjson
from django.db import connection, transaction
from django.utils import timezone

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
    if connection.vendor == "postgresql":
        now = timezone.now()
        copy_upsert(Assessment, _FIELDS, [(*r, now) for r in rows],
                    unique=["village_id", "month", "kind"])
    else:
        with transaction.atomic():
            _orm_upsert(rows)


_FIELDS = [*Row._fields, "computed_at"]
_UPDATED = ["ruleset", "level", "stars", "scores", "result", "computed_at"]


def _orm_upsert(rows: list[Row]) -> None:
    Assessment.objects.bulk_create(
        [Assessment(village_id=r.village_id, month=r.month, kind=r.kind,
                    ruleset_id=r.ruleset_id, level=r.level, stars=r.stars, scores=r.scores,
                    result=orjson.loads(r.result)) for r in rows],
        batch_size=1000, update_conflicts=True, unique_fields=["village", "month", "kind"],
        update_fields=_UPDATED)


def _copy_text(data: bytes) -> bytes:
    # orjson escapes control characters, so only the backslash needs escaping for COPY.
    return data.replace(b"\\", b"\\\\")


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
    if isinstance(value, bytes):  # JSON text already (resultjson)
        return _copy_text(value)
    if isinstance(value, (dict, list)):
        return _copy_text(orjson.dumps(value))
    if isinstance(value, bool):
        return b"t" if value else b"f"
    if isinstance(value, (int, date)):
        return str(value).encode()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace(
        "\n", "\\n").replace("\r", "\\r").encode()


def copy_upsert(model, fields: list[str], rows: list[tuple], unique: list[str]) -> None:
    """Insert or update rows of `model` (tuples of `fields`' values, attnames; bytes are
    JSON text) through COPY (text format) into a temporary table, then one upsert: for
    PostgreSQL and thousands of rows at a time, where the ORM's bulk upsert spent more
    time building its statement than the database did running it. Other fields take
    their database defaults on insert."""
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
        # Emptied first: the table lives as long as the connection, and inside an outer
        # transaction (a savepoint) the previous batch's rows would still be there.
        cursor.execute(f"TRUNCATE {load}")
        if has_lz4(cursor):
            # Compressing the results' JSON is much of the database's work; lz4 took half
            # the time of pglz. Values are compressed as they are copied into the load
            # table, and keep that compression on their way into the model's table.
            cursor.execute("SET LOCAL default_toast_compression TO lz4")
        cursor.cursor.copy_expert(f"COPY {load} ({names}) FROM STDIN", buffer)
        cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {load} "
                       f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}")
