"""Bulk loads into PostgreSQL: rows fed by the `csv` module to `COPY … FROM STDIN (FORMAT
csv)` into a temporary table shaped like the model's, then one INSERT … ON CONFLICT.

One helper for every bulk load (assessments, dashboard statuses, reminder claims and
deliveries): the temporary table takes its column types from the model's table, so no
type map is kept here, and quoting is the csv module's, never hand-escaped text. Strings
are always quoted and NULL is an unquoted \\N, so an empty string stays an empty string.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

import orjson
from django.db import connection, models, transaction


class _Null(float):
    """None for the csv writer: 'numeric', so written unquoted, and printed as \\N."""

    def __str__(self) -> str:
        return "\\N"

    __repr__ = __str__


NULL = _Null()


def _cell(value):
    if value is None:
        return NULL
    if isinstance(value, bytes):  # JSON text already (scoring/resultjson.py)
        return value.decode()
    if isinstance(value, (dict, list)):
        return orjson.dumps(value).decode()
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value  # numbers stay unquoted, other values are quoted as strings


def csv_buffer(rows: Iterable[Sequence]) -> io.StringIO:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    writer.writerows([_cell(value) for value in row] for row in rows)
    buffer.seek(0)
    return buffer


def copy_into(cursor, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """COPY rows (tuples of Python values in `columns` order) into `table`."""
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    cursor.cursor.copy_expert(
        f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN "
        f"WITH (FORMAT csv, NULL '\\N')", csv_buffer(rows))


def copy_upsert(model: type[models.Model], fields: list[str], rows: list[tuple],
                unique: list[str], *, update: bool = True,
                compression: str | None = None) -> None:
    """Insert rows of `model` (tuples of `fields`' values, by attname): on a conflict on
    `unique`, update the other fields (`update`) or keep the stored row. Other fields take
    their database defaults on insert. `compression`: the TOAST compression of large
    values for this transaction (e.g. "lz4"; the caller checks the server has it)."""
    table = model._meta.db_table
    columns = [model._meta.get_field(name).column for name in fields]
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    keys = {model._meta.get_field(name).column for name in unique}
    target = ", ".join(quote(c) for c in columns if c in keys)
    conflict = f"({target})" if target else ""  # DO NOTHING: on any unique constraint
    action = ("DO UPDATE SET " + ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}"
                                          for c in columns if c not in keys)
              if update else "DO NOTHING")
    load = f"{table}_load"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {quote(load)} AS "
                       f"SELECT {names} FROM {quote(table)} WITH NO DATA")
        # Emptied first: the table lives as long as the connection, and inside an outer
        # transaction (a savepoint) the previous batch's rows would still be there.
        cursor.execute(f"TRUNCATE {quote(load)}")
        if compression:
            cursor.execute("SELECT set_config('default_toast_compression', %s, true)",
                           [compression])
        copy_into(cursor, load, columns, rows)
        cursor.execute(f"INSERT INTO {quote(table)} ({names}) SELECT {names} "
                       f"FROM {quote(load)} ON CONFLICT {conflict} {action}")
