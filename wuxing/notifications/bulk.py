"""INSERT … ON CONFLICT DO NOTHING for many rows at once.

On PostgreSQL the rows travel as one array per column through `unnest()`, an order of
magnitude faster than `bulk_create()` for the dispatcher's tens of thousands of claim
rows; elsewhere (SQLite) it falls back to `bulk_create(ignore_conflicts=True)`."""

from __future__ import annotations

import json

from django.db import connection, models

_PG_TYPES = {"BigAutoField": "bigint", "BigIntegerField": "bigint", "ForeignKey": "bigint",
             "CharField": "text", "TextField": "text", "UUIDField": "uuid",
             "PositiveSmallIntegerField": "integer", "DateTimeField": "timestamptz",
             "JSONField": "jsonb"}


def insert_ignoring_conflicts(model: type[models.Model], objects: list[models.Model],
                              batch_size: int = 20000) -> None:
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, ignore_conflicts=True, batch_size=2000)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    for field in fields:  # auto_now timestamps, as save() would set them
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objects:
                field.pre_save(obj, add=True)
    table = model._meta.db_table
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    arrays = ", ".join(f"%s::{_PG_TYPES[f.get_internal_type()]}[]" for f in fields)
    sql = (f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays}) "
           f"ON CONFLICT DO NOTHING")
    with connection.cursor() as cursor:
        for start in range(0, len(objects), batch_size):
            chunk = objects[start:start + batch_size]
            params = []
            for field in fields:
                values = [getattr(obj, field.attname) for obj in chunk]
                if field.get_internal_type() == "JSONField":
                    values = [json.dumps(v, ensure_ascii=False) for v in values]
                elif field.get_internal_type() == "UUIDField":
                    values = [str(v) if v is not None else None for v in values]
                params.append(values)
            cursor.execute(sql, params)
