"""Natural ranges of numeric model fields: one declaration, checked twice.

A model declares its ranges once (a dict field name -> (low, high)); `in_range()` gives
the field's Min/MaxValueValidators (forms, the admin and imports through full_clean()
report a Chinese message) and `range_checks()` the database CHECK constraints, so the same
holds on PostgreSQL and SQLite for every writer (SQLite stores 99,999,999,999 in an
integer column without complaint; PostgreSQL would answer 500 on the overflow instead of
a message). A CHECK passes on NULL, like the validators on an empty optional field.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

Bounds = tuple[int | Decimal | None, int | Decimal | None]

# A point on Earth.
LATITUDE: Bounds = (Decimal(-90), Decimal(90))
LONGITUDE: Bounds = (Decimal(-180), Decimal(180))
# The years the portal deals in (scoring.engine.MIN_YEAR/MAX_YEAR say why).
YEARS: Bounds = (2000, 2100)
PERCENT: Bounds = (0, 100)


def in_range(bounds: Bounds) -> list:
    low, high = bounds
    return ([MinValueValidator(low)] if low is not None else []) + (
        [MaxValueValidator(high)] if high is not None else [])


def range_checks(prefix: str, ranges: dict[str, Bounds]) -> list[models.CheckConstraint]:
    """One CHECK constraint per field, named `<prefix>_<field>_range`."""
    checks = []
    for name, (low, high) in ranges.items():
        condition = models.Q()
        if low is not None:
            condition &= models.Q(**{f"{name}__gte": low})
        if high is not None:
            condition &= models.Q(**{f"{name}__lte": high})
        checks.append(models.CheckConstraint(condition=condition,
                                             name=f"{prefix}_{name}_range"))
    return checks
