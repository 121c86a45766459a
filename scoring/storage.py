"""Bulk upserts of rows derived from the entries: assessments and dashboard statuses.

A province recompute writes ~90,000 assessments. On PostgreSQL rows are loaded with COPY
into a temporary table and upserted from there (`copy_upsert`); results arrive as JSON
text already (scoring/resultjson.py).
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import orjson
from django.db import connection, transaction
from django.utils import timezone

from scoring import engine
from scoring.models import Assessment
from wuxing import bulkload


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


def copy_upsert(model, fields: list[str], rows: list[tuple], unique: list[str]) -> None:
    """Rows derived from the entries, upserted in bulk (wuxing/bulkload.py) with their
    large JSON values compressed by lz4 where the server has it: compressing the results
    was much of the database's work, and lz4 took half the time of pglz."""
    with connection.cursor() as cursor:
        compression = "lz4" if has_lz4(cursor) else None
    bulkload.copy_upsert(model, fields, rows, unique, compression=compression)
