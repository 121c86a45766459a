"""INSERT … ON CONFLICT DO NOTHING for many rows at once.

On PostgreSQL the rows go through the one bulk loader (wuxing/bulkload.py: COPY into a
temporary table shaped like the model's), an order of magnitude faster than
`bulk_create()` for the dispatcher's tens of thousands of claim rows; elsewhere (SQLite)
it falls back to `bulk_create(ignore_conflicts=True)`."""

from __future__ import annotations

import orjson
from django.db import connection, models

from wuxing import bulkload


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
    names = [f.attname for f in fields]
    # JSON values as JSON text: a JSONField may hold a bare string, which would otherwise
    # be loaded as the text itself.
    is_json = [isinstance(f, models.JSONField) for f in fields]
    for start in range(0, len(objects), batch_size):
        rows = [tuple(orjson.dumps(value) if json and value is not None else value
                      for json, value in zip(is_json, (getattr(obj, n) for n in names),
                                             strict=True))
                for obj in objects[start:start + batch_size]]
        bulkload.copy_upsert(model, names, rows, unique=[], update=False)
