"""Months and quarters in URLs and request data: one parser for each, with the years.

The text forms are parsed by `scoring.engine.parse_month` and `Quarter.parse`, which refuse
anything outside MIN_YEAR–MAX_YEAR. In a URL path a bad month or quarter names no page
(the converter's ValueError makes the resolver answer 404); in a query parameter or form
field it is a bad request (400 with the Chinese message).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.core.exceptions import BadRequest
from django.urls import register_converter
from django.utils.translation import gettext as _

from scoring.dashboards.periods import Quarter, this_month
from scoring.engine import MAX_YEAR, MIN_YEAR, parse_month


class MonthConverter:
    regex = r"\d{4}-\d{2}"

    def to_python(self, value: str) -> date:
        return parse_month(value)  # ValueError: no such page (404)

    def to_url(self, value) -> str:
        return value if isinstance(value, str) else f"{value:%Y-%m}"


class QuarterConverter:
    regex = r"\d{4}[Qq][1-4]"

    def to_python(self, value: str) -> Quarter:
        return Quarter.parse(value)

    def to_url(self, value) -> str:
        return str(value)


register_converter(MonthConverter, "month")
register_converter(QuarterConverter, "quarter")


def month_param(data: Mapping, name: str = "month", default: date | None = None) -> date:
    """The month in `data[name]`; this month (or `default`) when absent; 400 when bad."""
    raw = data.get(name)
    if raw is None or str(raw).strip() == "":
        return default or this_month()
    try:
        return parse_month(str(raw)[:20])
    except ValueError:
        raise BadRequest(_("“%(value)s” is not a month: write it as YYYY-MM, a year from "
                           "%(min)s to %(max)s.") % {
            "value": str(raw)[:20], "min": MIN_YEAR, "max": MAX_YEAR}) from None
