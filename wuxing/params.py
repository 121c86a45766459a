"""Whole numbers from request data (ids, versions, years): one parser, a 400 when bad.

A form field or query parameter that should be a whole number but is not (``abc``, ``-1``,
twenty digits) is the client's mistake: `BadRequest` makes Django answer 400 with the
message (wuxing.views.bad_request), never a 500 from a later ``int()`` or an integer
overflow in the database driver.
"""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.core.exceptions import BadRequest, ValidationError
from django.utils.translation import gettext as _

# The largest value of a 32-bit signed integer column (PostgreSQL integer, Django's
# IntegerField/AutoField): anything bigger cannot name a row or a version.
INT_MAX = 2**31 - 1


def integer(data: Mapping, name: str, *, default: int | None = None, min_value: int = 0,
            max_value: int = INT_MAX) -> int | None:
    """`data[name]` as an int within [min_value, max_value]; `default` when absent/empty."""
    raw = data.get(name)
    if raw is None or str(raw).strip() == "":
        return default
    field = forms.IntegerField(min_value=min_value, max_value=max_value)
    try:
        return field.clean(str(raw)[:40])
    except ValidationError:
        raise BadRequest(_("“%(name)s” must be a whole number from %(min)s to %(max)s.") % {
            "name": name, "min": min_value, "max": max_value}) from None


def integers(data, name: str, **bounds) -> list[int]:
    """Every value of a repeated field (``?ids=1&ids=2``), each parsed like `integer`."""
    values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
    return [integer({name: value}, name, **bounds) for value in values
            if value not in (None, "")]


class RefuseNulMiddleware:
    """400 for a NUL character anywhere in the path, the query or the form fields.

    No value of this portal contains one, and PostgreSQL refuses it in every text
    parameter ("A string literal cannot contain NUL"), which would surface as a 500 from
    whichever lookup or save meets it first. Files are not inspected (they are bytes).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request.path) or _any_nul(request.GET) or (
                request.method == "POST" and _any_nul(request.POST)):
            raise BadRequest(_("The request contains a character that is not allowed "
                               "(NUL)."))
        return self.get_response(request)


def _has_nul(text: str) -> bool:
    return "\x00" in text


def _any_nul(data) -> bool:
    return any(_has_nul(key) or any(_has_nul(v) for v in values)
               for key, values in data.lists())
