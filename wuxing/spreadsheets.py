"""Cells of every spreadsheet and CSV file the portal writes.

A village name or a pairing note such as `=HYPERLINK("http://…","点此")` becomes a live
formula when a county official opens the bulletin in Excel or WPS (CSV/formula
injection, OWASP). Every writer passes its cells through `neutralise()`, which prefixes
text that a spreadsheet would read as a formula with a single quote. Numbers stay
numeric cells: only text is ever prefixed, so a negative number is still a number.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from import_export import resources

# Excel, WPS and LibreOffice start a formula with = + - @; a leading tab or carriage
# return hides one from a quick look; WPS also reads the full-width forms.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
QUOTE = "'"


def neutralise(value):
    """The cell as written: text that could start a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return QUOTE + value
    return value


def neutral_row(values: Iterable) -> list:
    return [neutralise(v) for v in values]


def restore(value):
    """A cell read back from a sheet the portal wrote: the quote it added comes off."""
    if (isinstance(value, str) and value.startswith(QUOTE)
            and value[1:].startswith(FORMULA_STARTS)):
        return value[1:]
    return value


NUMERIC_FIELDS = (models.IntegerField, models.DecimalField, models.FloatField)


class NeutralisingResource(resources.ModelResource):
    """The base of every import-export resource: its text cells go through neutralise().

    Numbers are rendered as text for CSV, so a column is judged by its model field: a
    negative population stays "-5", a name "-5" becomes "'-5".
    """

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        try:
            model_field = self._meta.model._meta.get_field(field.attribute)
        except FieldDoesNotExist:  # a computed column: judged as text
            model_field = None
        if isinstance(model_field, NUMERIC_FIELDS):
            return value
        return neutralise(value)
